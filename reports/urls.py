from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_view, name="index"),
    path("<slug:name>.<slug:fmt>", views.report_export_view, name="export"),
]
