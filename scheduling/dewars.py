"""Reads for liquid nitrogen: the dewars a user may see, each one's forecast from its latest reading
and the booked sessions, and the actual use against the forecast. The arithmetic is in .nitrogen."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from accounts.locations import location_ids_of
from core.policy import require
from procedures.models import Procedure

from .models import ACTIVE_STATUSES, Dewar, NitrogenReading, ReadingKind, ResourceBooking
from .nitrogen import Forecast, Period, Use, actual_against_forecast, forecast

HORIZON_DAYS = 30


@dataclass
class DewarState:
    dewar: Dewar
    reading: NitrogenReading | None
    forecast: Forecast | None

    @property
    def order_late(self) -> bool:
        """The day to order by has passed: order now."""
        return bool(self.forecast and self.forecast.order_by and self.forecast.order_by < timezone.localdate())

    @property
    def needs_order(self) -> bool:
        """The refill must be ordered today or is already late."""
        return bool(self.forecast and self.forecast.order_by and self.forecast.order_by <= timezone.localdate())


def dewars_for_user(user, *, action: str = "nitrogen.view"):
    require(user, action)
    return (
        Dewar.objects.filter(resource__location_id__in=location_ids_of(user), resource__active=True)
        .select_related("resource__location")
        .order_by("resource__location__name", "resource__name")
    )


def dewar_get_for_user(user, pk: int, *, action: str = "nitrogen.view") -> Dewar:
    dewar = dewars_for_user(user, action=action).filter(pk=pk).first()
    if dewar is None:
        raise Http404
    return dewar


def uses_between(dewar_ids, begin: datetime.datetime, end: datetime.datetime) -> dict[int, list[Use]]:
    """The active sessions holding each dewar between two moments, with their procedure's litres."""
    rows = ResourceBooking.objects.filter(
        resource__dewar__in=dewar_ids,
        active=True,
        session__status__in=ACTIVE_STATUSES,
        start__gte=begin,
        start__lt=end,
    ).values_list("resource__dewar", "start", "session__course__procedure__nitrogen_litres_per_session")
    out: dict[int, list[Use]] = {pk: [] for pk in dewar_ids}
    for dewar_id, start, litres in rows:
        out[dewar_id].append(Use(start, litres))
    return out


def dewar_states(dewars, *, until: datetime.date | None = None) -> list[DewarState]:
    """Each dewar's forecast to `until` (a month ahead by default): three queries, however many dewars."""
    dewars = list(dewars)
    if not dewars:
        return []
    latest = {
        r.dewar_id: r
        for r in NitrogenReading.objects.filter(dewar__in=dewars)
        .order_by("dewar_id", "-measured_at")
        .distinct("dewar_id")
    }
    until = until or timezone.localdate() + datetime.timedelta(days=HORIZON_DAYS)
    begin = min((r.measured_at for r in latest.values()), default=timezone.now()) - datetime.timedelta(days=1)
    end = datetime.datetime.combine(until + datetime.timedelta(days=2), datetime.time.min, tzinfo=datetime.UTC)
    uses = uses_between(list(latest), begin, end) if latest else {}
    states = []
    for dewar in dewars:
        reading = latest.get(dewar.pk)
        result = None
        if reading is not None:
            result = forecast(
                level=reading.litres,
                at=reading.measured_at,
                tz=dewar.resource.location.tz,
                daily_loss=dewar.daily_loss_litres,
                first_cooldown=dewar.first_cooldown_litres,
                reserve=dewar.reserve_litres,
                lead_days=dewar.refill_lead_days,
                uses=uses.get(dewar.pk, []),
                until=until,
            )
        states.append(DewarState(dewar, reading, result))
    return states


def dewar_history(dewar: Dewar, *, limit: int = 20) -> tuple[list[NitrogenReading], list[Period]]:
    """The latest readings, newest first, and the actual use against the forecast between them."""
    readings = list(dewar.readings.select_related("recorded_by").order_by("-measured_at")[:limit])
    if len(readings) < 2:
        return readings, []
    oldest, newest = readings[-1].measured_at, readings[0].measured_at
    uses = uses_between([dewar.pk], oldest, newest)[dewar.pk]
    periods = actual_against_forecast(
        readings=[(r.measured_at, r.litres, r.kind == ReadingKind.REFILL) for r in readings],
        uses=uses,
        tz=dewar.resource.location.tz,
        daily_loss=dewar.daily_loss_litres,
        first_cooldown=dewar.first_cooldown_litres,
    )
    return readings, list(reversed(periods))


def dry_days_for(procedure, location, days: set[datetime.date]) -> tuple[dict[datetime.date, list[Dewar]], bool]:
    """The days among `days` on which every dewar the procedure could use at the location is forecast
    to run dry, with those dewars; and whether the clinic refuses bookings then (a dewar so set).

    One query when the location has no such dewar (most procedures need none), three when it has.
    """
    dewars = list(
        Dewar.objects.filter(
            resource__location=location, resource__active=True, resource__kind__procedures=procedure
        ).select_related("resource__location")
    )
    if not dewars or not days:
        return {}, False
    dry: dict[datetime.date, list[Dewar]] = {}
    states = dewar_states(dewars, until=max(days))
    for day in sorted(days):
        out = [s.dewar for s in states if s.forecast and any(d.dry and d.day == day for d in s.forecast.days)]
        if len(out) == len(states):
            dry[day] = out
    return dry, any(d.refuse_when_dry for d in dewars)


def unmeasured_procedures(dewars) -> list:
    """Procedures these dewars serve whose litres a session are not set: their sessions count as nothing."""
    kinds = {d.resource.kind_id for d in dewars}
    if not kinds:
        return []
    return list(
        Procedure.objects.filter(active=True, resource_kinds__in=kinds, nitrogen_litres_per_session=0).distinct()
    )
