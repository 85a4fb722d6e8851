"""The course page's money forms (thin views around one service each, back to the course) and the cashier's day."""

import datetime
import json
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.locations import locations_of, refuse_other_location
from audit.models import Action
from audit.services import audit_list_read, audit_record
from core.api import json_error
from core.dates import query_date
from core.policy import permission_required
from patients.models import Patient
from patients.selectors import patient_get_for_user
from scheduling.selectors import course_get_for_user

from . import provider, selectors, services
from .forms import PaymentForm, PaymentLinkForm, RefundForm
from .models import Method
from .money import rub
from .pdf import tax_certificate_pdf
from .templatetags.billing import receipt_status


def _refused(request, errors) -> None:
    for message in errors:
        messages.error(request, message)


def _form_errors(form) -> list[str]:
    return [message for errors in form.errors.values() for message in errors]


def _money_form(request, pk: int, form_class, act, done: str, anchor: str = ""):
    """The course page's money forms: validate, call one service, say what happened, back to the course."""
    course = course_get_for_user(request.user, pk, action="billing.manage")
    form = form_class(request.POST)
    if not form.is_valid():
        _refused(request, _form_errors(form))
    else:
        try:
            record = act(course, form.cleaned_data)
        except ValidationError as error:
            _refused(request, error.messages)
        else:
            messages.success(request, done % {"amount": rub(record.amount)})
    return redirect(f"{course.get_absolute_url()}{anchor}")


@permission_required("billing.manage")
@require_POST
def payment_take_view(request, pk: int):
    def act(course, data):
        return services.payment_take(actor=request.user, course=course, **data)

    return _money_form(request, pk, PaymentForm, act, _("Payment of %(amount)s taken."))


@permission_required("billing.manage")
@require_POST
def refund_make_view(request, pk: int):
    def act(course, data):
        return services.refund_make(actor=request.user, course=course, **data)

    return _money_form(request, pk, RefundForm, act, _("Refund of %(amount)s made."))


@permission_required("billing.manage")
@require_POST
def payment_link_create_view(request, pk: int):
    def act(course, data):
        return services.payment_link_create(actor=request.user, course=course, amount=data["amount"])

    return _money_form(request, pk, PaymentLinkForm, act, _("Payment link for %(amount)s created."), "#money")


@login_not_required
@csrf_exempt  # the provider posts it, signed (HMAC-SHA256 of the body), not a browser
@require_POST
def provider_webhook_view(request):
    """The provider's word that a payment link was paid: believed only when signed with our secret."""
    if not provider.signature_valid(request.body, request.headers.get(provider.SIGNATURE_HEADER, "")):
        return json_error("bad_signature", "The signature is missing or wrong.", 403)
    try:
        event = json.loads(request.body)
        kind, payment = event["event"], event["object"]
        provider_id, amount = str(payment["id"]), Decimal(str(payment["amount"]["value"]))
        currency = payment["amount"].get("currency", "RUB")
    except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation):
        return json_error("invalid", "Expected {event, object: {id, amount: {value, currency}}}.", 400)
    if kind != "payment.succeeded":
        return JsonResponse({"status": "ignored"})
    if currency != "RUB":
        return json_error("not_roubles", "Payments are taken in roubles only.", 400)
    try:
        link = services.payment_link_paid(provider_id=provider_id, amount=amount)
    except services.LinkUnknown:
        return json_error("unknown_payment", "No payment link has this id.", 404)
    except ValidationError as error:
        return json_error(error.code or "invalid", " ".join(error.messages), 400)
    return JsonResponse({"status": link.status, "payment": link.payment_id})


@permission_required("billing.day")
def cashier_day_view(request):
    """A location's payments and refunds of one day with totals by method and staff member; printable."""
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    wanted = request.GET.get("location", "")
    location = next((loc for loc in locations if str(loc.pk) == wanted), None) or next(iter(locations), None)
    if location is None:
        raise PermissionDenied(_("You do not work at any location."))
    try:
        day, date_error = query_date(request.GET, "date") or timezone.localdate(timezone=location.tz), None
    except ValidationError as error:
        day, date_error = timezone.localdate(timezone=location.tz), " ".join(error.messages)
    payments, refunds, totals = selectors.cashier_day(location=location, day=day)
    for record_type, rows in (("billing.payment", payments), ("billing.refund", refunds)):
        audit_list_read(
            request=request,
            record_type=record_type,
            ids=[row.pk for row in rows],
            patient_ids=[row.course.patient_id for row in rows],
        )
    with timezone.override(location.tz):
        entries = _day_entries(payments, refunds)
        return render(
            request,
            "billing/day.html",
            {
                "location": location,
                "locations": locations,
                "day": day,
                "previous": day - datetime.timedelta(days=1),
                "next": day + datetime.timedelta(days=1),
                "payments": payments,
                "refunds": refunds,
                "entries": entries,
                "totals": totals,
                "by_method": [(dict(Method.choices).get(m, m), t) for m, t in totals.by_method.items()],
                "date_error": date_error,
            },
            status=400 if date_error else 200,
        )


def _day_entries(payments, refunds) -> list[dict]:
    """The day's rows as plain strings, made in one pass: 300 rows of model lookups, filters and
    per-row reverse() cost the page most of its time (the cashier's day is benchmarked)."""
    methods = dict(Method.choices)
    course_url = reverse("scheduling:course", args=[0])[:-2]
    refund_word = _("refund")
    tz = timezone.get_current_timezone()
    procedures: dict[int, str] = {}  # a name per procedure and per staff member, not per row
    staff: dict[int, str] = {}
    rows = []
    for kind, items, moment in (("payment", payments, "taken_at"), ("refund", refunds, "created_at")):
        for item in items:
            how = methods.get(item.method, item.method)
            course = item.course
            if course.procedure_id not in procedures:
                procedures[course.procedure_id] = course.procedure.name
            if item.registrar_id not in staff:
                staff[item.registrar_id] = str(item.registrar)
            rows.append(
                {
                    "kind": kind,
                    "pk": item.pk,
                    "time": getattr(item, moment).astimezone(tz).strftime("%H:%M"),
                    "patient": course.patient.full_name,
                    "url": f"{course_url}{item.course_id}/",
                    "procedure": procedures[course.procedure_id],
                    "amount": ("−" if kind == "refund" else "") + rub(item.amount),
                    "how": f"{refund_word}, {how}: {item.reason}" if kind == "refund" else how,
                    "staff": staff[item.registrar_id],
                    "receipt": receipt_status(getattr(item, "receipt", None)),
                }
            )
    return rows


def _tax_year(request, patient) -> int:
    """?year=, from 2000 to this year; by default the last one (certificates are asked for each spring)."""
    this_year = timezone.localdate(timezone=patient.home_location.tz).year
    raw = request.GET.get("year", "")
    if not raw:
        return this_year - 1
    if not raw.isdigit() or not 2000 <= int(raw) <= this_year:
        raise Http404
    return int(raw)


def _certificate(request, patient) -> HttpResponse:
    year = _tax_year(request, patient)
    audit_record(request=request, action=Action.VIEW, patient=patient, detail={"tax_certificate": year})
    pdf = tax_certificate_pdf(patient=patient, year=year, paid=selectors.paid_in_year(patient, year))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tax-certificate-{year}.pdf"'
    return response


@permission_required("billing.view")
def tax_certificate_view(request, patient_pk: int):
    return _certificate(request, patient_get_for_user(request.user, patient_pk, action="billing.view"))


@permission_required("portal.use")
def my_tax_certificate_view(request):
    patient = Patient.objects.select_related("home_location").filter(user=request.user).first()
    if patient is None:
        raise Http404
    return _certificate(request, patient)
