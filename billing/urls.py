from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("courses/<int:pk>/payments/", views.payment_take_view, name="payment-take"),
    path("courses/<int:pk>/refunds/", views.refund_make_view, name="refund-make"),
    path("courses/<int:pk>/payment-links/", views.payment_link_create_view, name="payment-link-create"),
    path("provider/webhook/", views.provider_webhook_view, name="provider-webhook"),
    path("day/", views.cashier_day_view, name="day"),
    path("patients/<int:patient_pk>/tax-certificate/", views.tax_certificate_view, name="tax-certificate"),
    path("my/tax-certificate/", views.my_tax_certificate_view, name="my-tax-certificate"),
]
