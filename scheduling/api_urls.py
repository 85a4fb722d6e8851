from django.urls import path

from . import api, dewar_api, report_api, waitlist_api

urlpatterns = [
    path("courses/preview/", api.CoursePreviewApi.as_view(), name="api-course-preview"),
    path("courses/", api.CourseBookApi.as_view(), name="api-courses"),
    path("courses/<int:pk>/", api.CourseDetailApi.as_view(), name="api-course"),
    path("courses/<int:pk>/consent-link/", api.CourseConsentLinkApi.as_view(), name="api-course-consent-link"),
    path("sessions/<int:pk>/move/", api.SessionMoveApi.as_view(), name="api-session-move"),
    path("sessions/<int:pk>/cancel/", api.SessionCancelApi.as_view(), name="api-session-cancel"),
    path("calendar/", api.CalendarApi.as_view(), name="api-calendar"),
    path("warning-reports/", report_api.WarningReportListApi.as_view(), name="api-warning-reports"),
    path("warning-reports/<int:pk>/", report_api.WarningReportDetailApi.as_view(), name="api-warning-report"),
    path("dewars/", dewar_api.DewarListApi.as_view(), name="api-dewars"),
    path("dewars/<int:pk>/readings/", dewar_api.DewarReadingApi.as_view(), name="api-dewar-readings"),
    path("waitlist/", waitlist_api.WaitlistApi.as_view(), name="api-waitlist"),
    path("waitlist/<int:pk>/withdraw/", waitlist_api.WaitlistWithdrawApi.as_view(), name="api-waitlist-withdraw"),
    path("booking-requests/", api.BookingRequestApi.as_view(), name="api-booking-requests"),
]
