from django.urls import path

from . import compare_api

urlpatterns = [
    path(
        "courses/<int:pk>/results/comparison/",
        compare_api.CourseComparisonApi.as_view(),
        name="api-course-results-comparison",
    ),
]
