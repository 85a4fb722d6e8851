from django.urls import path

from . import views

app_name = "results"

urlpatterns = [
    path("courses/<int:course_pk>/checks/new/", views.check_create_view, name="check-create"),
    path("checks/<int:pk>/", views.check_view, name="check"),
    path("checks/<int:pk>/withdraw/", views.check_withdraw_view, name="check-withdraw"),
    path("checks/<int:pk>/trichoscopy/", views.trichoscopy_create_view, name="trichoscopy-create"),
    path("checks/<int:pk>/photos/", views.photo_upload_view, name="photo-upload"),
    path("trichoscopies/<int:pk>/amend/", views.trichoscopy_amend_view, name="trichoscopy-amend"),
    path("photos/<int:pk>/", views.photo_file, name="photo-file"),
    path("photos/<int:pk>/thumbnail/", views.photo_thumbnail, name="photo-thumb"),
    path("photos/<int:pk>/withdraw/", views.photo_withdraw_view, name="photo-withdraw"),
    path("photos/<int:pk>/publishable/", views.photo_publishable_view, name="photo-publishable"),
]
