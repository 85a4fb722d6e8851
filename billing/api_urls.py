from django.urls import path

from . import api

urlpatterns = [
    path("courses/<int:pk>/balance/", api.CourseBalanceApi.as_view(), name="api-course-balance"),
    path("courses/<int:pk>/payments/", api.CoursePaymentsApi.as_view(), name="api-course-payments"),
    path("courses/<int:pk>/refunds/", api.CourseRefundsApi.as_view(), name="api-course-refunds"),
    path("me/courses/<int:pk>/balance/", api.MeCourseBalanceApi.as_view(), name="api-me-course-balance"),
]
