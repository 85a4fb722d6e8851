"""The nitrogen forecast with known numbers, without the database."""

import datetime
import zoneinfo
from decimal import Decimal

from scheduling.nitrogen import Use, actual_against_forecast, forecast, litres_from_kg

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
DAY0 = datetime.date(2026, 12, 7)


def at(day: datetime.date, hour: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=MSK)


def twelve_a_day(days: int, litres="0.25") -> list[Use]:
    return [
        Use(at(DAY0 + datetime.timedelta(days=d), 9) + datetime.timedelta(minutes=30 * i), Decimal(litres))
        for d in range(days)
        for i in range(12)
    ]


def test_a_35_litre_dewar_losing_022_a_day_with_12_sessions_a_day_runs_dry_on_the_eleventh_day():
    # Each day costs 12 x 0.25 + 0.22 = 3.22 l: after 10 days 2.80 l are left, the 11th day goes below zero.
    result = forecast(
        level=Decimal("35"),
        at=at(DAY0),
        tz=MSK,
        daily_loss=Decimal("0.22"),
        first_cooldown=Decimal(0),
        reserve=Decimal("5"),
        lead_days=2,
        uses=twelve_a_day(20),
        until=DAY0 + datetime.timedelta(days=19),
    )
    assert result.days[9].level == Decimal("2.80")
    assert result.first_dry == DAY0 + datetime.timedelta(days=10)
    # Under 5 l from the 10th day's end (35 - 9 x 3.22 = 6.02, then 2.80): order two days before.
    assert result.first_under_reserve == DAY0 + datetime.timedelta(days=9)
    assert result.order_by == DAY0 + datetime.timedelta(days=7)


def test_the_first_cool_down_is_paid_once_a_day_and_an_empty_day_only_loses():
    uses = [Use(at(DAY0, 10), Decimal("0.5")), Use(at(DAY0, 11), Decimal("0.5"))]
    result = forecast(
        level=Decimal("10"),
        at=at(DAY0),
        tz=MSK,
        daily_loss=Decimal("0.2"),
        first_cooldown=Decimal("1.5"),
        reserve=Decimal(0),
        lead_days=0,
        uses=uses,
        until=DAY0 + datetime.timedelta(days=1),
    )
    assert [d.used for d in result.days] == [Decimal("2.50"), Decimal("0.00")]
    assert [d.level for d in result.days] == [Decimal("7.30"), Decimal("7.10")]
    assert result.first_dry is None and result.order_by is None


def test_a_reading_in_the_afternoon_counts_only_what_comes_after_it():
    uses = [Use(at(DAY0, 9), Decimal("1")), Use(at(DAY0, 15), Decimal("1"))]
    result = forecast(
        level=Decimal("10"),
        at=at(DAY0, 12),
        tz=MSK,
        daily_loss=Decimal("0.24"),
        first_cooldown=Decimal("2"),
        reserve=Decimal(0),
        lead_days=0,
        uses=uses,
        until=DAY0,
    )
    # Half a day's loss (0.12), the 15:00 session, and no cool-down: the dewar was cold since 9:00.
    assert result.days[0].sessions == 1
    assert result.days[0].level == Decimal("8.88")


def test_weighed_kilograms_become_litres_at_081_kg_a_litre():
    assert litres_from_kg(Decimal("8.1")) == Decimal("10.00")
    assert litres_from_kg(Decimal("20")) == Decimal("24.69")


def test_actual_against_forecast_compares_the_drop_between_weighings_and_skips_refills():
    uses = twelve_a_day(2)
    readings = [
        (at(DAY0), Decimal("30"), True),
        (at(DAY0 + datetime.timedelta(days=2)), Decimal("23"), False),  # expected 2 x 3.22 = 6.44, went 7
        (at(DAY0 + datetime.timedelta(days=2), 12), Decimal("35"), True),  # a refill: no period
    ]
    periods = actual_against_forecast(
        readings=readings, uses=uses, tz=MSK, daily_loss=Decimal("0.22"), first_cooldown=Decimal(0)
    )
    assert len(periods) == 1
    assert periods[0].actual == Decimal("7")
    assert periods[0].expected == Decimal("6.44")
    assert periods[0].sessions == 24
    assert periods[0].percent == Decimal("8.7")
