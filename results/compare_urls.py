from django.urls import path

from . import compare_views

app_name = "results_compare"

urlpatterns = [
    path("courses/<int:pk>/compare/", compare_views.compare_view, name="course"),
    path("courses/<int:pk>/compare/pdf/", compare_views.compare_pdf_view, name="course-pdf"),
]
