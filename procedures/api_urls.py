from django.urls import path

from . import api

urlpatterns = [
    path("procedures/", api.ProcedureListApi.as_view(), name="api-procedures"),
    path("patients/<int:pk>/screenings/", api.ScreeningCreateApi.as_view(), name="api-screenings"),
    path("patients/<int:pk>/ice-tests/", api.IceTestCreateApi.as_view(), name="api-ice-tests"),
    path("patients/<int:pk>/eligibility/", api.EligibilityApi.as_view(), name="api-eligibility"),
]
