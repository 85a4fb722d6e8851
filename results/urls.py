from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("photos/<int:pk>/", views.photo_file, name="photo-file"),
    path("photos/<int:pk>/thumbnail/", views.photo_thumbnail, name="photo-thumb"),
]
