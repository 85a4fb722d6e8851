from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("data-protection/", views.data_protection_view, name="data-protection"),
    path("<int:pk>/export.json", views.patient_export_view, name="export"),
    path("<int:pk>/anonymise/", views.patient_anonymise_view, name="anonymise"),
]
