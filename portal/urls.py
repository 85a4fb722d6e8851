from django.urls import path

from . import offer_views, report_views, results_views, views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home_view, name="home"),
    path("sessions/<int:pk>/confirm/", views.session_confirm_view, name="session-confirm"),
    path("sessions/<int:pk>/cancel/", views.session_cancel_view, name="session-cancel"),
    path("sessions/<int:pk>/move/", views.session_move_request_view, name="session-move"),
    path("sessions/<int:pk>/report/", report_views.session_report_view, name="session-report"),
    path("reports/<int:pk>/", report_views.warning_report_view, name="warning-report"),
    path("courses/<int:pk>/calendar.ics", views.course_ics_view, name="course-ics"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("results/", results_views.results_view, name="results"),
    path("results/photos/<int:pk>/", results_views.results_photo_view, name="results-photo"),
    path("results/photos/<int:pk>/thumbnail/", results_views.results_thumbnail_view, name="results-photo-thumb"),
    path("waitlist/", offer_views.waitlist_join_view, name="waitlist"),
    path("waitlist/<int:pk>/withdraw/", offer_views.waitlist_withdraw_view, name="waitlist-withdraw"),
    path("offers/<str:token>/", offer_views.offer_landing_view, name="offer"),
    path("offers/", offer_views.offer_page_view, name="offer-page"),
    path("sign-in/", views.sign_in_view, name="sign-in"),
    path("link/<str:token>/", views.link_landing_view, name="link-landing"),
    path("link/", views.link_view, name="link"),
    path("welcome/<str:token>/", views.welcome_landing_view, name="welcome-landing"),
    path("welcome/", views.welcome_view, name="welcome"),
    path("staff/patients/<int:patient_pk>/invite/", views.invite_view, name="invite"),
    path("staff/patients/<int:patient_pk>/calendar/", views.staff_feed_view, name="staff-feed"),
]
