"""Before and after: the change of each figure between two checks, zone by zone. Pure (no database).

A quantity (density, hairs per cm²; mean diameter, µm) changes by its own unit and by a percent of
where it started: 150 → 180 is +30 per cm², +20.0 %. A share (terminal, vellus, anagen, telogen hairs)
is already a percent, so its change is in percentage points (55.0 % → 66.0 % is +11.0 points) and
no "percent of a percent" is given: it reads as a bigger gain than there was. A figure missing at
either check gives no change, and a start of 0 gives no percent: nothing here raises on a gap.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Metric:
    field: str  # ZoneMeasurement's field
    label: str
    unit: str  # what a figure and its change are counted in
    share: bool  # a percent already: changes in points, no relative percent


METRICS = (
    Metric("density", _("Density"), _("per cm²"), share=False),
    Metric("terminal_share", _("Terminal hairs"), "%", share=True),
    Metric("vellus_share", _("Vellus hairs"), "%", share=True),
    Metric("mean_diameter", _("Mean shaft diameter"), _("µm"), share=False),
    Metric("anagen_share", _("Anagen"), "%", share=True),
    Metric("telogen_share", _("Telogen"), "%", share=True),
)
METRIC = {m.field: m for m in METRICS}


@dataclass(frozen=True)
class Change:
    metric: Metric
    before: Decimal | None
    after: Decimal | None
    delta: Decimal | None  # after - before, in the metric's unit (points for a share)
    percent: Decimal | None  # of `before`, one decimal place; never for a share

    @property
    def direction(self) -> int | None:
        """1 up, -1 down, 0 the same, None when there is nothing to compare."""
        if self.delta is None:
            return None
        return (self.delta > 0) - (self.delta < 0)


@dataclass(frozen=True)
class ZoneChanges:
    zone: Hashable
    changes: list[Change]


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def change(metric: Metric, before, after) -> Change:
    """The change of one figure from `before` to `after` (numbers, strings of numbers or None)."""
    before, after = _decimal(before), _decimal(after)
    if before is None or after is None:
        return Change(metric, before, after, None, None)
    delta = after - before
    percent = None
    if not metric.share and before != 0:
        percent = (delta * 100 / before).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
    return Change(metric, before, after, delta, percent)


def compare(
    before: Mapping[Hashable, Mapping[str, object]], after: Mapping[Hashable, Mapping[str, object]]
) -> list[ZoneChanges]:
    """Each zone measured at either check (in the first check's order, then the second's new ones),
    with each metric measured at either; a metric measured at neither is left out."""
    zones = list(before) + [zone for zone in after if zone not in before]
    result = []
    for zone in zones:
        first, last = before.get(zone) or {}, after.get(zone) or {}
        changes = [
            change(metric, first.get(metric.field), last.get(metric.field))
            for metric in METRICS
            if first.get(metric.field) is not None or last.get(metric.field) is not None
        ]
        result.append(ZoneChanges(zone, changes))
    return result


# ---------------------------------------------------------------- how a change is written


def number(value: Decimal | None, *, trim: bool = False) -> str:
    """A figure as the page's language writes it, with the places it was measured to (55,0 in Russian,
    55.0 in English); `trim` drops a ".0" for the patient's sentences (55)."""
    if value is None:
        return "—"
    if trim and value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return formats.number_format(value, use_l10n=True)


def signed(value: Decimal | None) -> str:
    """+30, −2.5 (a true minus sign), 0."""
    if value is None:
        return "—"
    text = number(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def delta_text(item: Change) -> str:
    """ "+30 per cm²", "+11.0 points", "+6.5 µm"."""
    if item.delta is None:
        return "—"
    if item.metric.share:
        return gettext("%(change)s points") % {"change": signed(item.delta)}
    return f"{signed(item.delta)} {item.metric.unit}"


def percent_text(item: Change, *, places: int = 1) -> str:
    """ "+20.0 %" (or "+20 %" with places=0); empty when there is no percent to give."""
    if item.percent is None:
        return ""
    value = item.percent.quantize(Decimal(1) if places == 0 else ONE_PLACE, rounding=ROUND_HALF_UP)
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{formats.number_format(abs(value), decimal_pos=places, use_l10n=True)} %"


def _from_word(value: Decimal) -> str:
    # Russian says "со ста пятидесяти" but "с пятидесяти": со before сто (100-199), с before the rest.
    if (get_language() or "ru").startswith("ru") and 100 <= value < 200:
        return "со"
    return pgettext("a change from one figure to another", "from")


def plain_words(item: Change) -> str:
    """A change for the patient: "Hair density rose from 150 to 180 per cm² (+20 %)"; "" if incomplete."""
    if item.delta is None or item.metric.field not in PLAIN:
        return ""
    rose, fell, same = PLAIN[item.metric.field]
    template = rose if item.delta > 0 else fell if item.delta < 0 else same
    percent = percent_text(item, places=0)
    text = str(template) % {
        "from": _from_word(item.before),
        "before": number(item.before, trim=True),
        "after": number(item.after, trim=True),
    }
    return f"{text} ({percent})" if percent and item.delta else text


# What the patient reads: the three figures a patient follows, in plain words (rose, fell, same).
PLAIN = {
    "density": (
        _("Hair density rose %(from)s %(before)s to %(after)s per cm²"),
        _("Hair density fell %(from)s %(before)s to %(after)s per cm²"),
        _("Hair density stayed at %(after)s per cm²"),
    ),
    "terminal_share": (
        _("The share of thick (terminal) hairs rose %(from)s %(before)s to %(after)s %%"),
        _("The share of thick (terminal) hairs fell %(from)s %(before)s to %(after)s %%"),
        _("The share of thick (terminal) hairs stayed at %(after)s %%"),
    ),
    "mean_diameter": (
        _("The mean hair thickness rose %(from)s %(before)s to %(after)s µm"),
        _("The mean hair thickness fell %(from)s %(before)s to %(after)s µm"),
        _("The mean hair thickness stayed at %(after)s µm"),
    ),
}


@dataclass(frozen=True)
class Row:
    """One line of the figures table, written in the active language."""

    zone: str
    zone_rows: int  # >0 on a zone's first line (its rowspan), 0 on the others
    metric: str
    before: str
    after: str
    change: str
    percent: str
    direction: int | None


def table(zones: list[ZoneChanges]) -> list[Row]:
    """The table of changes: zone, figure (with its unit), before, after, change, change in percent."""
    rows = []
    for zone in zones:
        for n, item in enumerate(zone.changes):
            rows.append(
                Row(
                    zone=str(zone.zone),
                    zone_rows=len(zone.changes) if n == 0 else 0,
                    metric=f"{item.metric.label}, {item.metric.unit}",
                    before=number(item.before),
                    after=number(item.after),
                    change=delta_text(item),
                    percent=percent_text(item),
                    direction=item.direction,
                )
            )
    return rows
