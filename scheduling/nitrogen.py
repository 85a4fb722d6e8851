"""Liquid nitrogen in a dewar, day by day: a pure forecast from the last reading and the booked sessions.

The level only falls between readings (a refill is a new reading), so within a day it is lowest at
the day's end: a day "runs dry" when its end level is below zero, and is "under the reserve" when
its end level is below the reserve. The loss is continuous (the clinic's measured litres a day, pro
rata from the reading's moment); each session uses its procedure's litres; the first session of a
day costs the dewar's cool-down extra once. No database here: the selectors feed it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LITRES_PER_KG = Decimal("1") / Decimal("0.81")  # liquid nitrogen weighs about 0.81 kg a litre (DOMAIN.md)
_CENTI = Decimal("0.01")
_DAY = Decimal(86400)


def litres_from_kg(kg: Decimal) -> Decimal:
    return (Decimal(kg) * LITRES_PER_KG).quantize(_CENTI, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Use:
    """One booked (or delivered) session on the dewar: when it starts and the litres it takes."""

    start: datetime.datetime
    litres: Decimal


@dataclass(frozen=True)
class Day:
    day: datetime.date
    sessions: int
    used: Decimal  # by sessions, cool-down included
    lost: Decimal  # by evaporation
    level: Decimal  # at the end of the day
    under_reserve: bool
    dry: bool


@dataclass(frozen=True)
class Forecast:
    days: list[Day]
    first_under_reserve: datetime.date | None
    first_dry: datetime.date | None
    order_by: datetime.date | None  # the last day to order a refill so it comes before the reserve is reached


def forecast(
    *,
    level: Decimal,
    at: datetime.datetime,
    tz,
    daily_loss: Decimal,
    first_cooldown: Decimal,
    reserve: Decimal,
    lead_days: int,
    uses: list[Use],
    until: datetime.date,
) -> Forecast:
    """The level at the end of each day from the reading's day to `until` (inclusive)."""
    start_day = at.astimezone(tz).date()
    by_day: dict[datetime.date, list[Use]] = defaultdict(list)
    for use in uses:
        by_day[use.start.astimezone(tz).date()].append(use)
    days: list[Day] = []
    current = Decimal(level)
    day = start_day
    while day <= until:
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        begin = max(at, datetime.datetime.combine(day, datetime.time.min, tzinfo=tz))
        lost = Decimal(daily_loss) * Decimal((end - begin).total_seconds()) / _DAY
        todays = by_day.get(day, [])
        after = [u for u in todays if u.start >= at]
        used = sum((u.litres for u in after), Decimal(0))
        # The cool-down is paid by the day's first session; on the reading's day only if that first
        # session is still to come.
        if after and min(todays, key=lambda u: u.start) in after:
            used += Decimal(first_cooldown)
        current = current - lost - used
        days.append(
            Day(
                day=day,
                sessions=len(after),
                used=used.quantize(_CENTI, rounding=ROUND_HALF_UP),
                lost=lost.quantize(_CENTI, rounding=ROUND_HALF_UP),
                level=current.quantize(_CENTI, rounding=ROUND_HALF_UP),
                under_reserve=current < reserve,
                dry=current < 0,
            )
        )
        day += datetime.timedelta(days=1)
    under = next((d.day for d in days if d.under_reserve), None)
    dry = next((d.day for d in days if d.dry), None)
    order_by = under - datetime.timedelta(days=lead_days) if under else None
    return Forecast(days=days, first_under_reserve=under, first_dry=dry, order_by=order_by)


@dataclass(frozen=True)
class Period:
    """Between two readings with no refill in between: what the dewar lost, against the forecast."""

    start: datetime.datetime
    end: datetime.datetime
    actual: Decimal
    expected: Decimal
    sessions: int

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected

    @property
    def percent(self) -> Decimal | None:
        if not self.expected:
            return None
        return (self.difference * 100 / self.expected).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def actual_against_forecast(
    *, readings: list[tuple[datetime.datetime, Decimal, bool]], uses: list[Use], tz, daily_loss, first_cooldown
) -> list[Period]:
    """For each pair of consecutive readings (time, litres, is_refill) where the later one is a
    weighing, not a refill: the litres that went, against what the forecast would have said."""
    ordered = sorted(readings, key=lambda r: r[0])
    firsts: dict[datetime.date, datetime.datetime] = {}
    for use in uses:
        day = use.start.astimezone(tz).date()
        firsts[day] = min(firsts.get(day, use.start), use.start)
    periods = []
    for (t0, l0, _refill0), (t1, l1, refill1) in zip(ordered, ordered[1:], strict=False):
        if refill1:
            continue
        inside = [u for u in uses if t0 <= u.start < t1]
        cooldowns = sum(1 for first in firsts.values() if t0 <= first < t1)
        expected = (
            Decimal(daily_loss) * Decimal((t1 - t0).total_seconds()) / _DAY
            + sum((u.litres for u in inside), Decimal(0))
            + Decimal(first_cooldown) * cooldowns
        )
        periods.append(
            Period(
                start=t0,
                end=t1,
                actual=Decimal(l0) - Decimal(l1),
                expected=expected.quantize(_CENTI, rounding=ROUND_HALF_UP),
                sessions=len(inside),
            )
        )
    return periods
