"""Writes for liquid nitrogen: a reading of a dewar's level, and the administrators' warning that a
dewar's forecast falls under its reserve (one per reading, sent once, retried until it goes)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from core.dates import long_date, short_date
from core.roles import Role

from ..dewars import dewar_states, dry_days_for
from ..models import Dewar, NitrogenAlert, NitrogenReading, ReadingKind
from ..nitrogen import litres_from_kg

log = logging.getLogger(__name__)
FUTURE_SLACK = datetime.timedelta(minutes=5)


def _amount(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: _("Enter a number.")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: _("Enter a number of zero or more.")})
    return amount.quantize(Decimal("0.01"))


def nitrogen_reading_record(
    *, actor, dewar: Dewar, kind: str, litres=None, weight_kg=None, measured_at=None, note: str = "", request=None
) -> NitrogenReading:
    """Record the level after a refill or a weighing, given in litres or as the nitrogen's weight."""
    if kind not in ReadingKind.values:
        raise ValidationError({"kind": _("Choose a refill or a weighing.")})
    litres, weight_kg = _amount(litres, "litres"), _amount(weight_kg, "weight_kg")
    if (litres is None) == (weight_kg is None):
        raise ValidationError(_("Give the level in litres or the weight of the nitrogen in kilograms, one of the two."))
    if weight_kg is not None:
        litres = litres_from_kg(weight_kg)
    if litres > dewar.capacity_litres:
        raise ValidationError(
            _("%(litres)s l is more than the dewar holds (%(capacity)s l).")
            % {"litres": _l(litres), "capacity": _l(dewar.capacity_litres)}
        )
    now = timezone.now()
    measured_at = measured_at or now
    if measured_at > now + FUTURE_SLACK:
        raise ValidationError({"measured_at": _("A reading cannot be in the future.")})
    with transaction.atomic():
        Dewar.objects.select_for_update().filter(pk=dewar.pk).first()
        last = dewar.readings.order_by("-measured_at").first()
        if last is not None and measured_at <= last.measured_at:
            raise ValidationError(
                {"measured_at": _("A later reading is already recorded (%(when)s).") % {"when": _when(last, dewar)}}
            )
        if last is not None and kind == ReadingKind.WEIGHING and litres > last.litres:
            raise ValidationError(
                _("The level is above the last one (%(last)s l) with no refill: record it as a refill.")
                % {"last": _l(last.litres)}
            )
        reading = NitrogenReading(
            dewar=dewar,
            kind=kind,
            measured_at=measured_at,
            litres=litres,
            weight_kg=weight_kg,
            note=note.strip(),
            recorded_by=actor,
        )
        reading.full_clean()
        reading.save()
        audit_record(
            request=request,
            actor=actor,
            action=Action.CREATE,
            record=reading,
            record_type="nitrogen_reading",
            detail={"dewar": dewar.pk, "kind": kind, "litres": str(litres)},
        )
    return reading


def _l(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2)


def _when(reading: NitrogenReading, dewar: Dewar) -> str:
    return long_date(reading.measured_at.astimezone(dewar.resource.location.tz), time=True)


def nitrogen_alerts_raise(now: datetime.datetime | None = None) -> int:
    """File one warning for each dewar whose forecast needs a refill ordered by today (once per reading)."""
    today = (now or timezone.now()).date()
    added = 0
    for state in dewar_states(Dewar.objects.filter(resource__active=True).select_related("resource__location")):
        forecast = state.forecast
        if forecast is None or forecast.order_by is None or forecast.order_by > today:
            continue
        try:
            with transaction.atomic():
                NitrogenAlert.objects.create(
                    reading=state.reading, under_reserve_on=forecast.first_under_reserve, order_by=forecast.order_by
                )
            added += 1
        except IntegrityError:  # this reading's warning is filed already
            pass
    return added


def nitrogen_alerts_send(now: datetime.datetime | None = None) -> int:
    """Email each unsent warning to the administrators; claimed first, released if the mail fails."""
    now = now or timezone.now()
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    sent = 0
    for alert in NitrogenAlert.objects.filter(sent_at__isnull=True).select_related(
        "reading__dewar__resource__location"
    ):
        if not recipients:
            break
        if NitrogenAlert.objects.filter(pk=alert.pk, sent_at__isnull=True).update(sent_at=now) != 1:
            continue  # another worker has it
        try:
            subject, body = _alert_text(alert)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
            sent += 1
        except Exception:  # the mail server is down: release the claim, the next run sends it
            log.exception("nitrogen warning %s not sent", alert.pk)
            NitrogenAlert.objects.filter(pk=alert.pk).update(sent_at=None)
    return sent


def _alert_text(alert: NitrogenAlert) -> tuple[str, str]:
    dewar = alert.reading.dewar
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Liquid nitrogen: order a refill for %(dewar)s by %(date)s") % {
            "dewar": dewar,
            "date": long_date(alert.order_by),
        }
        body = "\n\n".join(
            [
                _(
                    "The forecast for %(dewar)s (%(location)s) falls under its reserve of %(reserve)s l on "
                    "%(under)s, from the last reading (%(litres)s l) and the sessions booked since."
                )
                % {
                    "dewar": dewar,
                    "location": dewar.resource.location,
                    "reserve": _l(dewar.reserve_litres),
                    "under": long_date(alert.under_reserve_on),
                    "litres": _l(alert.reading.litres),
                },
                ngettext(
                    "A refill comes %(days)s day after the order: order it by %(date)s.",
                    "A refill comes %(days)s days after the order: order it by %(date)s.",
                    dewar.refill_lead_days,
                )
                % {"days": dewar.refill_lead_days, "date": long_date(alert.order_by)},
                _("The forecast day by day: %(url)s") % {"url": settings.SITE_URL + reverse("scheduling:nitrogen")},
            ]
        )
    return subject, body


def nitrogen_booking_check(*, procedure, location, starts) -> tuple[list[str], list[str]]:
    """For sessions planned at `starts`: (problems, warnings) of days every usable dewar is forecast
    to run dry on. A problem (the booking is refused) where the clinic set a dewar so; else a warning."""
    tz = location.tz
    days = {start.astimezone(tz).date() for start in starts}
    dry, refuse = dry_days_for(procedure, location, days)
    if not dry:
        return [], []
    names = ", ".join(sorted({str(d) for dewars in dry.values() for d in dewars}))
    listed = ", ".join(short_date(day) for day in sorted(dry))
    if refuse:
        return [
            _(
                "Liquid nitrogen: %(dewar)s is forecast to run dry on %(days)s. Record a refill on the Nitrogen "
                "page, or plan these sessions later."
            )
            % {"dewar": names, "days": listed}
        ], []
    return [], [
        _("Liquid nitrogen: %(dewar)s is forecast to run dry on %(days)s; order a refill before then.")
        % {"dewar": names, "days": listed}
    ]
