from django.urls import path

from . import api

urlpatterns = [
    path("patients/", api.PatientListCreateApi.as_view(), name="api-patients"),
    path("patients/<int:pk>/", api.PatientDetailApi.as_view(), name="api-patient"),
]
