"""The rules a trichoscopy's figures must meet, as plain messages: pure functions, no database.

The database holds the same ranges and sums (results.models constraints) and has the last word;
these say first, kindly, which figure is wrong and why. A problem is keyed by where it belongs:
"method", "grade", or "<zone code>-<figure>" (frontoparietal-density), the names the form and the
API's error `fields` use.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.utils.translation import gettext as _

from core import dates

from .models import DENSITY_MAX, DENSITY_MIN, DIAMETER_MAX, DIAMETER_MIN, GRADES, CheckKind, Method, Scale

SHARES = ("terminal_share", "vellus_share", "anagen_share", "telogen_share")
FIGURES = ("density", *SHARES, "mean_diameter")
TERMINAL_VELLUS_TOLERANCE = 2  # rounding of two shares read off a device: 55.5 + 44.4
CATAGEN_MAX = 10  # anagen + telogen leave catagen (~1-2 %) and unclassified hairs: at most 10 %


@dataclasses.dataclass(frozen=True)
class Figures:
    """What was measured in one zone; a share or the diameter may be left out, the density may not."""

    density: int | None
    terminal_share: Decimal | None = None
    vellus_share: Decimal | None = None
    mean_diameter: Decimal | None = None
    anagen_share: Decimal | None = None
    telogen_share: Decimal | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in FIGURES)


@dataclasses.dataclass(frozen=True)
class Reading:
    """The content of one trichoscopy version: how it was measured, the grade, the figures by zone code."""

    method: str
    zones: dict[str, Figures]
    device: str = ""
    scale: str = ""
    grade: str = ""
    notes: str = ""


Problems = dict[str, list[tuple[str, str]]]  # where -> [(message, code)]


def grade_problem(scale: str, grade: str) -> tuple[str, str] | None:
    """A grade belongs to its scale: Hamilton-Norwood 1-7 (and 3v), Ludwig I-III; no scale, no grade."""
    if not scale and not grade:
        return None
    if scale not in GRADES:
        if not scale:
            return _("Choose the scale of this grade."), "scale_required"
        return _("Unknown scale."), "scale_unknown"
    if grade not in GRADES[scale]:
        return (
            _("Choose a grade of the %(scale)s scale: %(grades)s.")
            % {"scale": Scale(scale).label, "grades": ", ".join(GRADES[scale])},
            "grade_not_of_scale",
        )
    return None


def _range(value, low, high) -> bool:
    return value is None or low <= value <= high


def figures_problems(figures: Figures) -> list[tuple[str, str, str]]:
    """(figure, message, code) for each figure of a zone that cannot be right."""
    found = []
    if figures.density is None:
        found.append(("density", _("Enter the density to record this zone."), "density_required"))
    elif not _range(figures.density, DENSITY_MIN, DENSITY_MAX):
        message = _("Density is hairs per cm², from %(min)d to %(max)d (about 200-300 is usual).")
        found.append(("density", message % {"min": DENSITY_MIN, "max": DENSITY_MAX}, "density_range"))
    for name in SHARES:
        if not _range(getattr(figures, name), 0, 100):
            found.append((name, _("A share is a percentage from 0 to 100."), "share_range"))
    if not _range(figures.mean_diameter, DIAMETER_MIN, DIAMETER_MAX):
        message = _("The mean shaft diameter is in µm, from %(min)d to %(max)d (terminal hairs are above 40).")
        found.append(("mean_diameter", message % {"min": DIAMETER_MIN, "max": DIAMETER_MAX}, "diameter_range"))
    # A sum is checked when both its shares are in range, whatever else is wrong: all is said at once.
    out_of_range = {name for name, _message, _code in found}

    def both(a: str, b: str) -> bool:
        return getattr(figures, a) is not None and getattr(figures, b) is not None and not {a, b} & out_of_range

    terminal, vellus = figures.terminal_share, figures.vellus_share
    if both("terminal_share", "vellus_share") and abs(terminal + vellus - 100) > TERMINAL_VELLUS_TOLERANCE:
        message = _(
            "Terminal and vellus hairs are all the hairs counted: their shares add up to 100 %% (now %(sum)s %%)."
        )
        found.append(("vellus_share", message % {"sum": terminal + vellus}, "shares_sum"))
    anagen, telogen = figures.anagen_share, figures.telogen_share
    if both("anagen_share", "telogen_share") and not 100 - CATAGEN_MAX <= anagen + telogen <= 100:
        message = _("Anagen and telogen shares add up to 90-100 %% (the rest is catagen; now %(sum)s %%).")
        found.append(("telogen_share", message % {"sum": anagen + telogen}, "shares_sum"))
    return found


def reading_problems(reading: Reading, zone_codes) -> Problems:
    """Everything wrong with a trichoscopy reading; `zone_codes` are the zones in use."""
    problems: Problems = {}

    def add(where: str, message: str, code: str) -> None:
        problems.setdefault(where, []).append((message, code))

    if reading.method not in Method.values:
        add("method", _("Choose trichoscopy or phototrichogram."), "method_unknown")
    if found := grade_problem(reading.scale, reading.grade):
        add("grade", *found)
    measured = {code: figures for code, figures in reading.zones.items() if not figures.empty}
    if not measured:
        add("zones", _("Enter the figures of at least one zone."), "zones_required")
    for code, figures in measured.items():
        if code not in zone_codes:
            add("zones", _("Unknown zone: %(zone)s.") % {"zone": code}, "zone_unknown")
            continue
        for name, message, error_code in figures_problems(figures):
            add(f"{code}-{name}", message, error_code)
    return problems


def same_reading(a: Reading, b: Reading) -> bool:
    """True when two readings say the same (zones left empty do not count): a correction must change something."""

    def essence(reading: Reading):
        zones = {code: figures for code, figures in reading.zones.items() if not figures.empty}
        texts = (reading.method, reading.device.strip(), reading.scale, reading.grade, reading.notes.strip())
        return texts, zones

    return essence(a) == essence(b)


def check_moment_problem(kind: str, taken_at, first_held, tz) -> tuple[str, str] | None:
    """The time a check says it was taken against the course's first session that took place
    (`first_held`, its start, or None): a check before the course comes before it. A blank time
    means now, which is wrong for a check before a course already under way: it would compare the
    end of the course with itself. (message, code) or None; `tz` is the location's, in which the
    session's time is said. (A check after the course needs a session held: final_check_possible.)"""
    if first_held is None:
        return None
    when = dates.long_date(first_held.astimezone(tz), time=True)
    if kind == CheckKind.BASELINE and taken_at > first_held:
        message = _(
            "The check before the course is taken before its first session (%(when)s): enter the time it was taken."
        )
        return message % {"when": when}, "baseline_after_start"
    return None


def final_check_possible(*, course_cancelled: bool, completed_sessions: int) -> bool:
    """A check after the course needs something to compare: a session that took place (a course may
    stop early), or the course cancelled. Before that the button would only invite the wrong click."""
    return course_cancelled or completed_sessions > 0
