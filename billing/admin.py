"""Money in the admin: read only (a correction is a new payment or refund, taken on the course page);
a refused receipt can be sent again once its cause is fixed (the clinic's INN, say)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_site import ReadOnlyAdministratorAdmin

from . import services
from .models import Payment, PaymentLink, Receipt, Refund


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdministratorAdmin):
    list_display = ["taken_at", "amount", "method", "course", "registrar", "location"]
    list_filter = ["method", "location"]
    list_select_related = ["course__patient", "course__procedure", "registrar", "location"]
    date_hierarchy = "taken_at"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdministratorAdmin):
    list_display = ["created_at", "amount", "method", "course", "reason", "registrar"]
    list_filter = ["method", "location"]
    list_select_related = ["course__patient", "course__procedure", "registrar"]


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdministratorAdmin):
    list_display = ["created_at", "amount", "status", "course", "created_by", "provider_id", "paid_at"]
    list_filter = ["status"]
    list_select_related = ["course__patient", "course__procedure", "created_by"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdministratorAdmin):
    list_display = ["created_at", "kind", "amount", "status", "attempts", "provider_id", "provider_message"]
    list_filter = ["status", "kind"]
    actions = ["send_again"]

    @admin.action(description=_("Send the refused receipts again"))
    def send_again(self, request, queryset):
        count = services.receipts_retry(actor=request.user, ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d receipt will be sent again.", "%(count)d receipts will be sent again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and self._may_edit(request)  # the list's action, never the form
