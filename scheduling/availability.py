"""Everything the planner needs about a location over a span of days, in a fixed number of queries.

The planner (scheduling.planner) is pure; this module is its only reader of the database.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from .models import ACTIVE_STATUSES

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
    opening, closures, clinicians, needed, by_kind = _standing(location, procedure, first_day, last_day)
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
    params = {
        "active": list(ACTIVE_STATUSES),
        "earliest": begin - datetime.timedelta(days=1),
        "begin": begin,
        "end": end,
        "excluded": list(exclude_session_ids),
        "clinicians": list(clinicians),
        "patient": patient_id,
        "resources": [r.id for rs in by_kind.values() for r in rs],
    }
    with connection.cursor() as cursor:
        cursor.execute(_BUSY_SQL, params)
        busy = cursor.fetchall()
    for held, who, patient, start, stop in busy:
        if held:
            av.busy_resource[who].append((start, stop))
            continue
        if who in clinicians:
            av.busy_clinician[who].append((start, stop))
        if patient == patient_id:
            av.busy_patient.append((start, stop))
    return av


# The sessions of the clinicians and the patient, and the rooms' and devices' holds: one query
# (plain SQL: the ORM's compiling of this union cost more than PostgreSQL's answering it).
_BUSY_SQL = """
SELECT false AS held, s.clinician_id, s.patient_id, s.start, s."end"
FROM scheduling_session s
WHERE s.status = ANY(%(active)s) AND s.start >= %(earliest)s AND s.start < %(end)s AND s."end" > %(begin)s
  AND NOT s.id = ANY(%(excluded)s::bigint[])
  AND (s.clinician_id = ANY(%(clinicians)s::bigint[]) OR s.patient_id = %(patient)s)
UNION ALL
SELECT true, b.resource_id, NULL, b.start, b."end"
FROM scheduling_resourcebooking b
WHERE b.active AND b.resource_id = ANY(%(resources)s::bigint[])
  AND b.start >= %(earliest)s AND b.start < %(end)s AND b."end" > %(begin)s
  AND NOT b.session_id = ANY(%(excluded)s::bigint[])
"""


# What stands over the days (opening and staff hours, closures and leave, the clinicians who may do
# the procedure, the kinds of room or device it needs and the location's of those kinds), in one query.
_STANDING_SQL = """
WITH clinicians AS (
  SELECT u.id, u.first_name, u.last_name, u.username, CASE WHEN %(certified)s THEN cert.valid_until END AS valid_until
  FROM accounts_user u
  LEFT JOIN scheduling_certification cert ON cert.clinician_id = u.id AND cert.procedure_id = %(procedure)s
  WHERE u.is_active
    AND EXISTS (SELECT 1 FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                WHERE ug.user_id = u.id AND g.name = 'clinician')
    AND EXISTS (SELECT 1 FROM accounts_user_locations ul WHERE ul.user_id = u.id AND ul.location_id = %(location)s)
    AND (cert.id IS NOT NULL OR NOT %(certified)s)
), kinds AS (
  SELECT k.id, k.name_ru, k.name_en, k.slug
  FROM procedures_resourcekind k JOIN procedures_procedure_resource_kinds pk ON pk.resourcekind_id = k.id
  WHERE pk.procedure_id = %(procedure)s
)
SELECT
  (SELECT coalesce(json_agg(json_build_array(o.weekday, o.opens, o.closes)), '[]')
   FROM scheduling_openinghours o WHERE o.location_id = %(location)s),
  (SELECT coalesce(json_agg(json_build_array(c.starts_on, c.ends_on, c.reason) ORDER BY c.starts_on), '[]')
   FROM scheduling_closure c
   WHERE c.location_id = %(location)s AND c.starts_on <= %(last)s AND c.ends_on >= %(first)s),
  (SELECT coalesce(json_agg(json_build_array(id, first_name, last_name, username, valid_until) ORDER BY id), '[]')
   FROM clinicians),
  (SELECT coalesce(json_agg(json_build_array(h.clinician_id, h.weekday, h.starts, h.ends)), '[]')
   FROM scheduling_staffhours h WHERE h.location_id = %(location)s AND h.clinician_id IN (SELECT id FROM clinicians)),
  (SELECT coalesce(json_agg(json_build_array(l.clinician_id, l.starts_on, l.ends_on, l.reason) ORDER BY l.starts_on),
                   '[]')
   FROM scheduling_leave l
   WHERE l.clinician_id IN (SELECT id FROM clinicians) AND l.starts_on <= %(last)s AND l.ends_on >= %(first)s),
  (SELECT coalesce(json_agg(json_build_array(id, name_ru, name_en) ORDER BY slug), '[]') FROM kinds),
  (SELECT coalesce(json_agg(json_build_array(r.id, r.name, r.kind_id) ORDER BY r.name), '[]')
   FROM scheduling_resource r WHERE r.location_id = %(location)s AND r.active AND r.kind_id IN (SELECT id FROM kinds))
"""


def _standing(location, procedure, first_day, last_day):
    """(opening, closures, clinicians, needed kinds, resources by kind), as the planner takes them."""
    from procedures.models import ResourceKind

    with connection.cursor() as cursor:
        cursor.execute(
            _STANDING_SQL,
            {
                "location": location.pk,
                "procedure": procedure.pk,
                "certified": procedure.requires_certification,
                "first": first_day,
                "last": last_day,
            },
        )
        opening_rows, closure_rows, clinician_rows, hour_rows, leave_rows, kind_rows, resource_rows = (
            json.loads(v) if isinstance(v, str) else v for v in cursor.fetchone()
        )
    time, date = datetime.time.fromisoformat, datetime.date.fromisoformat
    opening = {weekday: (time(opens), time(closes)) for weekday, opens, closes in opening_rows}
    closures = [(date(a), date(b), reason) for a, b, reason in closure_rows]
    User = get_user_model()
    clinicians = {
        pk: ClinicianInfo(
            pk,
            str(User(pk=pk, first_name=first, last_name=last, username=username)),
            date(until) if until else None,
        )
        for pk, first, last, username, until in clinician_rows
    }
    for clinician_id, weekday, starts, ends in hour_rows:
        clinicians[clinician_id].hours[weekday] = (time(starts), time(ends))
    for clinician_id, a, b, reason in leave_rows:
        clinicians[clinician_id].leaves.append((date(a), date(b), reason))
    kind_names = {pk: ResourceKind(pk=pk, name_ru=ru, name_en=en).name for pk, ru, en in kind_rows}
    needed = list(kind_names.items())
    by_kind: dict[int, list[ResourceInfo]] = defaultdict(list)
    for pk, name, kind_id in resource_rows:
        by_kind[kind_id].append(ResourceInfo(pk, name, kind_id, kind_names[kind_id]))
    return opening, closures, clinicians, needed, by_kind
