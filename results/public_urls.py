"""The public pages (no sign-in): a procedure's results gallery and its photos, its reviews, a clinician's."""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("results/<slug:slug>/", public_views.gallery_view, name="gallery"),
    path("results/<slug:slug>/photos/<str:token>.jpg", public_views.photo_view, name="photo"),
    path("reviews/clinician/<int:pk>/", public_views.clinician_reviews_view, name="clinician-reviews"),
    path("reviews/<slug:slug>/", public_views.procedure_reviews_view, name="reviews"),
]
