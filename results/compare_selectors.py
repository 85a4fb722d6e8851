"""Reads for the before-and-after: a course's checks for a clinician, a patient's own checks.

Both end in the same `Comparison`: two checks (first and latest unless chosen), the change of each
figure zone by zone (results.comparison), the same zone's photos paired, and the trend over every
check (results.chart). Each figure is the check's newest trichoscopy version; withdrawn and erased
photos are never paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404

from accounts.locations import location_ids_of
from scheduling.selectors import course_get_for_user

from . import chart
from .comparison import METRICS, ZoneChanges, compare, plain_words
from .models import Check, CheckKind, MeasurementZone, Photo, PhotoZone
from .selectors import current_trichoscopy, latest_trichoscopies

ZONE_ORDER = {zone.value: n for n, zone in enumerate(PhotoZone)}


@dataclass(frozen=True)
class PhotoPair:
    zone: str
    label: str
    before: Photo | None
    after: Photo | None


@dataclass
class Comparison:
    checks: list[Check]  # every check, in time order
    before: Check | None
    after: Check | None
    zones: list[ZoneChanges] = field(default_factory=list)  # zone: a MeasurementZone
    photos: list[PhotoPair] = field(default_factory=list)
    trend: chart.Trend | None = None
    trend_zone: MeasurementZone | None = None
    course: object = None

    @property
    def complete(self) -> bool:
        """Two different checks to compare."""
        return self.before is not None and self.after is not None and self.before.pk != self.after.pk


def _checks(queryset) -> list[Check]:
    return list(
        queryset.order_by("taken_at", "id").prefetch_related(
            latest_trichoscopies(),
            Prefetch(
                "photos",
                queryset=Photo.objects.filter(withdrawn_at=None, erased_at=None).order_by("zone", "uploaded_at"),
            ),
        )
    )


def figures_of(check: Check | None) -> dict[MeasurementZone, dict]:
    """{zone: {field: value}} from the check's newest trichoscopy version, in the zones' order."""
    record = current_trichoscopy(check) if check is not None else None
    if record is None:
        return {}
    rows = sorted(record.measurements.all(), key=lambda m: (m.zone.position, m.zone.code))
    return {m.zone: {metric.field: getattr(m, metric.field) for metric in METRICS} for m in rows}


def photos_by_zone(check: Check | None) -> dict[str, Photo]:
    """The check's shown photo of each zone (the latest uploaded, if a zone was taken twice)."""
    return {photo.zone: photo for photo in check.photos.all()} if check is not None else {}


def photo_pairs(before: Check | None, after: Check | None) -> list[PhotoPair]:
    first, last = photos_by_zone(before), photos_by_zone(after)
    zones = sorted(set(first) | set(last), key=lambda z: ZONE_ORDER.get(z, len(ZONE_ORDER)))
    return [PhotoPair(z, PhotoZone(z).label, first.get(z), last.get(z)) for z in zones]


def _trend_zone(checks: list[Check]) -> MeasurementZone | None:
    """The zone the trend follows: the default one if measured, else the first measured."""
    zones = {zone for check in checks for zone in figures_of(check)}
    if not zones:
        return None
    return min(zones, key=lambda z: (not z.default, z.position, z.code))


def trend_of(checks: list[Check]) -> tuple[chart.Trend | None, MeasurementZone | None]:
    zone = _trend_zone(checks)
    if zone is None:
        return None, None
    points = []
    for check in checks:
        figures = figures_of(check).get(zone, {})
        points.append(
            chart.CheckFigures(
                day=check.taken_at.date(),
                kind=check.get_kind_display(),
                density=figures.get("density"),
                terminal=figures.get("terminal_share"),
            )
        )
    return chart.trend(points), zone


def comparison_of(checks: list[Check], before: Check | None = None, after: Check | None = None) -> Comparison:
    """Compare `before` with `after` (default: the first and the latest of `checks`), earlier first.
    A single check stands on its side: a check after the course is an "after" with nothing before it."""
    if before is None and after is None and checks:
        before, after = checks[0], checks[-1] if len(checks) > 1 else None
        if len(checks) == 1 and before.kind == CheckKind.FINAL:
            before, after = None, before
    if before is not None and after is not None and (after.taken_at, after.pk) < (before.taken_at, before.pk):
        before, after = after, before
    trend, zone = trend_of(checks)
    return Comparison(
        checks=checks,
        before=before,
        after=after,
        zones=compare(figures_of(before), figures_of(after)),
        photos=photo_pairs(before, after),
        trend=trend,
        trend_zone=zone,
    )


def _pick(checks: list[Check], pk: int | None) -> Check | None:
    if pk is None:
        return None
    for check in checks:
        if check.pk == pk:
            return check
    raise Http404("No such check in this course.")


def course_comparison_for_user(user, course_pk, *, from_pk: int | None = None, to_pk: int | None = None):
    """The comparison of a course's checks (those at the user's locations); another course's check 404."""
    course = course_get_for_user(user, course_pk, action="results.view")
    checks = _checks(
        Check.objects.in_force().filter(course=course, location_id__in=location_ids_of(user)).select_related("patient")
    )
    before, after = _pick(checks, from_pk), _pick(checks, to_pk)
    if (before is None) != (after is None):  # one chosen: the other stays the default
        before = before or checks[0]
        after = after or checks[-1]
    result = comparison_of(checks, before, after)
    result.course = course
    return result


@dataclass(frozen=True)
class CourseResults:
    course: object  # a scheduling.Course, or None for checks outside any course
    comparison: Comparison


def patient_results(patient) -> list[CourseResults]:
    """The patient's own checks, course by course (the latest checked first), each compared first to latest."""
    checks = _checks(Check.objects.in_force().filter(patient=patient).select_related("course__procedure"))
    groups: dict[int | None, list[Check]] = {}
    for check in checks:
        groups.setdefault(check.course_id, []).append(check)
    results = []
    for group in groups.values():
        comparison = comparison_of(group)
        comparison.course = group[0].course
        results.append(CourseResults(group[0].course, comparison))
    results.sort(key=lambda r: r.comparison.checks[-1].taken_at, reverse=True)
    return results


def plain_sentences(result: Comparison) -> list[str]:
    """The comparison in plain words, one sentence per figure a patient follows, the default zone's."""
    if not result.complete or not result.zones:
        return []
    zone = next((z for z in result.zones if z.zone == result.trend_zone), result.zones[0])
    return [text for text in (plain_words(item) for item in zone.changes) if text]
