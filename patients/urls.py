from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list_view, name="list"),
    path("new/", views.patient_create_view, name="create"),
    path("<int:pk>/edit/", views.patient_edit_view, name="edit"),
    path("data-protection/", views.data_protection_view, name="data-protection"),
    path("<int:pk>/export.json", views.patient_export_view, name="export"),
    path("<int:pk>/anonymise/", views.patient_anonymise_view, name="anonymise"),
]
