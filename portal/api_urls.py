from django.urls import path

from . import api, results_api

urlpatterns = [
    path("me/sessions/", api.MeSessionsApi.as_view(), name="api-me-sessions"),
    path("me/courses/", api.MeCoursesApi.as_view(), name="api-me-courses"),
    path("me/results/", results_api.MeResultsApi.as_view(), name="api-me-results"),
    path("me/sessions/<int:pk>/confirm/", api.MeSessionConfirmApi.as_view(), name="api-me-session-confirm"),
    path("me/sessions/<int:pk>/cancel/", api.MeSessionCancelApi.as_view(), name="api-me-session-cancel"),
]
