from django.urls import path

from . import api

urlpatterns = [
    path("courses/<int:pk>/checks/", api.CourseChecksApi.as_view(), name="api-course-checks"),
    path("checks/<int:pk>/", api.CheckApi.as_view(), name="api-check"),
    path("checks/<int:pk>/trichoscopy/", api.TrichoscopySignApi.as_view(), name="api-check-trichoscopy"),
    path("checks/<int:pk>/amend/", api.CheckAmendApi.as_view(), name="api-check-amend"),
    path("checks/<int:pk>/photos/", api.CheckPhotosApi.as_view(), name="api-check-photos"),
    path("checks/<int:pk>/withdraw/", api.CheckWithdrawApi.as_view(), name="api-check-withdraw"),
    path("photos/<int:pk>/withdraw/", api.PhotoWithdrawApi.as_view(), name="api-photo-withdraw"),
]
