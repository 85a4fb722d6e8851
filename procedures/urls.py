from django.urls import path

from . import views

app_name = "procedures"
urlpatterns = [
    path("", views.catalogue_view, name="catalogue"),
    path("patients/<int:patient_pk>/screenings/new/", views.screening_create_view, name="screening-create"),
    path("screenings/<int:pk>/", views.screening_detail_view, name="screening"),
    path("screenings/<int:pk>/amend/", views.screening_amend_view, name="screening-amend"),
    path("patients/<int:patient_pk>/ice-tests/new/", views.ice_test_create_view, name="ice-test-create"),
    path("ice-tests/<int:pk>/", views.ice_test_detail_view, name="ice-test"),
    path("ice-tests/<int:pk>/amend/", views.ice_test_amend_view, name="ice-test-amend"),
]
