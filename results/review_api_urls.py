from django.urls import path

from . import review_api

urlpatterns = [
    path("reviews/", review_api.PublicReviewsApi.as_view(), name="api-reviews"),
    path("me/courses/<int:pk>/review/", review_api.MeCourseReviewApi.as_view(), name="api-me-course-review"),
]
