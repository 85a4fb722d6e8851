from django.urls import path

from . import booking_views, calendar_views, dewar_views, inbox_views, note_views, report_views, views, waitlist_views

app_name = "scheduling"
urlpatterns = [
    path("patients/<int:patient_pk>/book/", booking_views.book_course_view, name="book"),
    path("courses/<int:pk>/", views.course_view, name="course"),
    path("courses/<int:pk>/print/", views.course_print_view, name="course-print"),
    path("courses/<int:pk>/cancel/", views.course_cancel_view, name="course-cancel"),
    path("sessions/<int:pk>/move/", views.session_move_view, name="session-move"),
    path("sessions/<int:pk>/move/preview/", calendar_views.session_move_preview_view, name="session-move-preview"),
    path("sessions/<int:pk>/move/confirm/", calendar_views.session_move_confirm_view, name="session-move-confirm"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session-cancel"),
    path("sessions/<int:pk>/replace/", views.session_replace_view, name="session-replace"),
    path("sessions/<int:pk>/outcome/", views.session_outcome_view, name="session-outcome"),
    path("sessions/<int:pk>/note/", note_views.session_note_create_view, name="session-note-create"),
    path("notes/<int:pk>/", note_views.session_note_view, name="session-note"),
    path("notes/<int:pk>/amend/", note_views.session_note_amend_view, name="session-note-amend"),
    path("reports/<int:pk>/", report_views.warning_report_view, name="warning-report"),
    path("reports/<int:pk>/photo/", report_views.warning_report_photo_view, name="warning-report-photo"),
    path("calendar/", calendar_views.calendar_view, name="calendar"),
    path("calendar/print/", calendar_views.calendar_print_view, name="calendar-print"),
    path("calendar/book/", calendar_views.calendar_book_view, name="calendar-book"),
    path("free-slots/", views.free_slots_view, name="free-slots"),
    path("worklist/", views.worklist_view, name="worklist"),
    path("requests/", inbox_views.requests_inbox_view, name="requests"),
    path("requests/<int:pk>/", inbox_views.request_detail_view, name="request"),
    path("requests/<int:pk>/register/", inbox_views.request_register_view, name="request-register"),
    path("requests/<int:pk>/close/", inbox_views.request_close_view, name="request-close"),
    path("waitlist/", waitlist_views.waitlist_view, name="waitlist"),
    path("patients/<int:patient_pk>/waitlist/", waitlist_views.waitlist_add_view, name="waitlist-add"),
    path("waitlist/<int:pk>/withdraw/", waitlist_views.waitlist_withdraw_view, name="waitlist-withdraw"),
    path("closures/", views.closures_view, name="closures"),
    path("closures/<int:pk>/", views.closure_impact_view, name="closure"),
    path("nitrogen/", dewar_views.nitrogen_view, name="nitrogen"),
    path("nitrogen/<int:pk>/", dewar_views.dewar_view, name="dewar"),
]
