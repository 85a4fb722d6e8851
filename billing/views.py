"""The course page's money forms: thin views around one service each, back to the course."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.policy import permission_required
from scheduling.selectors import course_get_for_user

from . import services
from .forms import PaymentForm, RefundForm
from .money import rub


def _refused(request, errors) -> None:
    for message in errors:
        messages.error(request, message)


def _form_errors(form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]


@permission_required("billing.manage")
@require_POST
def payment_take_view(request, pk: int):
    course = course_get_for_user(request.user, pk, action="billing.manage")
    form = PaymentForm(request.POST)
    if not form.is_valid():
        _refused(request, _form_errors(form))
        return redirect(course)
    try:
        payment = services.payment_take(actor=request.user, course=course, **form.cleaned_data)
    except ValidationError as error:
        _refused(request, error.messages)
    else:
        messages.success(request, _("Payment of %(amount)s taken.") % {"amount": rub(payment.amount)})
    return redirect(course)


@permission_required("billing.manage")
@require_POST
def refund_make_view(request, pk: int):
    course = course_get_for_user(request.user, pk, action="billing.manage")
    form = RefundForm(request.POST)
    if not form.is_valid():
        _refused(request, _form_errors(form))
        return redirect(course)
    try:
        refund = services.refund_make(actor=request.user, course=course, **form.cleaned_data)
    except ValidationError as error:
        _refused(request, error.messages)
    else:
        messages.success(request, _("Refund of %(amount)s made.") % {"amount": rub(refund.amount)})
    return redirect(course)
