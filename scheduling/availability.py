"""Everything the planner needs about a location over a span of days, in a fixed number of queries.

The planner (scheduling.planner) is pure; this module is its only reader of the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from .models import (
    ACTIVE_STATUSES,
    Certification,
    Closure,
    Leave,
    OpeningHours,
    Resource,
    ResourceBooking,
    Session,
    StaffHours,
)

Interval = tuple[datetime.datetime, datetime.datetime]


@dataclass
class ClinicianInfo:
    id: int
    name: str
    certified_until: datetime.date | None
    hours: dict[int, tuple[datetime.time, datetime.time]] = field(default_factory=dict)
    leaves: list[tuple[datetime.date, datetime.date, str]] = field(default_factory=list)


@dataclass
class ResourceInfo:
    id: int
    name: str
    kind_id: int
    kind_name: str


@dataclass
class Availability:
    tz: datetime.tzinfo
    location_id: int
    opening: dict[int, tuple[datetime.time, datetime.time]]
    closures: list[tuple[datetime.date, datetime.date, str]]
    clinicians: dict[int, ClinicianInfo]  # certified for the procedure (or all, if it needs no certificate)
    resources_by_kind: dict[int, list[ResourceInfo]]
    needed_kinds: list[tuple[int, str]]
    busy_clinician: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    busy_resource: dict[int, list[Interval]] = field(default_factory=lambda: defaultdict(list))
    busy_patient: list[Interval] = field(default_factory=list)
    # Nothing may be planned to start before this moment (the clock at loading): no session in the past.
    not_before: datetime.datetime | None = None

    def reserve(self, *, start, end, clinician_id: int, resource_ids, patient: bool = True) -> None:
        """Mark an interval taken, so that later sessions of the same plan see it."""
        self.busy_clinician[clinician_id].append((start, end))
        for rid in resource_ids:
            self.busy_resource[rid].append((start, end))
        if patient:
            self.busy_patient.append((start, end))


def load_availability(
    *,
    location,
    procedure,
    patient_id: int | None,
    first_day: datetime.date,
    last_day: datetime.date,
    exclude_session_ids=(),
) -> Availability:
    tz = location.tz
    begin = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    opening = {o.weekday: (o.opens, o.closes) for o in OpeningHours.objects.filter(location=location)}
    closures = [
        (c.starts_on, c.ends_on, c.reason)
        for c in Closure.objects.filter(location=location, starts_on__lte=last_day, ends_on__gte=first_day)
    ]
    clinicians = _clinicians(location, procedure)
    for hours in StaffHours.objects.filter(clinician_id__in=clinicians, location=location):
        clinicians[hours.clinician_id].hours[hours.weekday] = (hours.starts, hours.ends)
    for leave in Leave.objects.filter(clinician_id__in=clinicians, starts_on__lte=last_day, ends_on__gte=first_day):
        clinicians[leave.clinician_id].leaves.append((leave.starts_on, leave.ends_on, leave.reason))
    needed = [(k.id, k.name) for k in procedure.resource_kinds.all()]
    by_kind: dict[int, list[ResourceInfo]] = defaultdict(list)
    resources = Resource.objects.filter(location=location, active=True, kind_id__in=[k for k, _ in needed])
    for r in resources.select_related("kind").order_by("name"):
        by_kind[r.kind_id].append(ResourceInfo(r.id, r.name, r.kind_id, r.kind.name))
    av = Availability(
        tz=tz,
        location_id=location.id,
        opening=opening,
        closures=closures,
        clinicians=clinicians,
        resources_by_kind=by_kind,
        needed_kinds=needed,
        not_before=timezone.now(),
    )
    # No session lasts a day: bounding `start` from below lets the (clinician|patient, start) indexes work.
    earliest = begin - datetime.timedelta(days=1)
    sessions = Session.objects.filter(
        status__in=ACTIVE_STATUSES, start__gte=earliest, start__lt=end, end__gt=begin
    ).exclude(pk__in=exclude_session_ids)
    condition = Q(clinician_id__in=clinicians)
    if patient_id is not None:
        condition |= Q(patient_id=patient_id)
    for s in sessions.filter(condition).values_list("clinician_id", "patient_id", "start", "end"):
        if s[0] in clinicians:
            av.busy_clinician[s[0]].append((s[2], s[3]))
        if s[1] == patient_id:
            av.busy_patient.append((s[2], s[3]))
    resource_ids = [r.id for rs in by_kind.values() for r in rs]
    bookings = ResourceBooking.objects.filter(
        active=True, resource_id__in=resource_ids, start__gte=earliest, start__lt=end, end__gt=begin
    ).exclude(session_id__in=exclude_session_ids)
    for rid, start, stop in bookings.values_list("resource_id", "start", "end"):
        av.busy_resource[rid].append((start, stop))
    return av


def _clinicians(location, procedure) -> dict[int, ClinicianInfo]:
    users = get_user_model().objects.filter(groups__name="clinician", is_active=True, locations=location)
    if procedure.requires_certification:
        certs = Certification.objects.filter(procedure=procedure, clinician__in=users).select_related("clinician")
        return {c.clinician_id: ClinicianInfo(c.clinician_id, str(c.clinician), c.valid_until) for c in certs}
    return {u.id: ClinicianInfo(u.id, str(u), None) for u in users.distinct()}
