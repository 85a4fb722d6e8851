"""Writing a review (the invitation's link, the portal) and moderating them (administrators)."""

from django.urls import path

from . import review_views

app_name = "reviews"

urlpatterns = [
    path("moderation/reviews/", review_views.moderation_view, name="moderation"),
    path("moderation/reviews/<int:pk>/", review_views.moderate_view, name="moderate"),
    path("review/", review_views.write_view, name="write"),
    path("review/<str:token>/", review_views.write_landing_view, name="write-landing"),
    path("portal/courses/<int:pk>/review/", review_views.portal_write_view, name="portal-write"),
]
