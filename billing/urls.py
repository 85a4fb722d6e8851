from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("courses/<int:pk>/payments/", views.payment_take_view, name="payment-take"),
    path("courses/<int:pk>/refunds/", views.refund_make_view, name="refund-make"),
    path("day/", views.cashier_day_view, name="day"),
]
