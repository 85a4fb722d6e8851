"""Gather a patient's clinical facts from the database and ask procedures.rules.decide().

`eligibility()` is what every caller uses (patient page, API, the course planner). Facts are
loaded in a fixed number of queries and can be reused for every session of a course.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.translation import get_language

from consents.selectors import consent_states_bulk

from .models import Contraindication, IceTest, Procedure, Screening, Severity
from .rules import BOOKING, ConsentFacts, Decision, IceTestFacts, ProcedureFacts, ScreeningFacts, decide


class _Consents:
    """The consents of a batch of patients, read in one query the first time a procedure needing
    consent asks (so facts for procedures that need none cost no query)."""

    def __init__(self, patient_ids):
        self.patient_ids, self._states = list(patient_ids), None

    def get(self, patient_id: int, procedure_id: int) -> ConsentFacts | None:
        if self._states is None:
            self._states = consent_states_bulk(self.patient_ids)
        found = self._states.get(patient_id, {}).get(procedure_id)
        return ConsentFacts(state=found[0], at=found[1]) if found else None


@dataclass(frozen=True)
class ClinicalFacts:
    screenings: tuple[ScreeningFacts, ...]  # newest first, current versions only
    ice_tests: tuple[IceTestFacts, ...]  # newest first, current versions only
    consents: _Consents | None = field(default=None, compare=False, repr=False)
    patient_id: int | None = None

    def consent_for(self, procedure_id: int) -> ConsentFacts | None:
        return self.consents.get(self.patient_id, procedure_id) if self.consents is not None else None

    def screening_for(self, procedure_id: int, when: datetime.datetime) -> ScreeningFacts | None:
        return next((s for s in self.screenings if procedure_id in s.procedure_ids and s.examined_at <= when), None)

    def ice_test_before(self, when: datetime.datetime) -> IceTestFacts | None:
        return next((t for t in self.ice_tests if t.performed_at <= when), None)


def load_clinical_facts(patient_id: int) -> ClinicalFacts:
    """One patient's facts in one query (a booking's read): the SQL the day calendar joins to its
    sessions (clinical_facts_sql), asked for this one patient; the consents are read only when a
    procedure that needs one is asked about."""
    english = (get_language() or "ru").startswith("en")
    with connection.cursor() as cursor:
        cursor.execute(clinical_facts_sql("%(ids)s::bigint[]", english=english), {"ids": [patient_id]})
        found = dict(cursor.fetchall())
    return clinical_facts_from_json({patient_id: found.get(patient_id)})[patient_id]


def load_clinical_facts_bulk(patient_ids) -> dict[int, ClinicalFacts]:
    """The same facts for many patients at once (a day's calendar or worklist), in a fixed number of
    queries: the current screenings with their procedures and present contraindications aggregated
    in one (PostgreSQL arrays, in the contraindications' order), those contraindications' names in a
    second only when any is present, the current ice tests in a third."""
    patient_ids = list(patient_ids)
    rows = _current_screenings(patient_ids).order_by("-examined_at", "-id")
    ice_tests = _current_ice_tests(patient_ids).order_by("-performed_at", "-id")
    return _facts_by_patient(
        patient_ids,
        list(
            rows.values_list(
                "patient_id", "examined_at", "procedure_ids", "absolute_ids", "relative_ids", "fitzpatrick"
            )
        ),
        list(ice_tests.values_list("patient_id", "performed_at", "passed")),
    )


def _current_screenings(patient_ids):
    """Current screenings with their procedures and present contraindications aggregated (PostgreSQL
    arrays, in the contraindications' order)."""
    present = Q(answers__present=True)
    in_order = ["answers__contraindication__slug"]
    return Screening.objects.filter(patient_id__in=patient_ids, amended_by__isnull=True).annotate(
        procedure_ids=ArrayAgg("procedures__id", default=Value([])),
        absolute_ids=ArrayAgg(
            "answers__contraindication_id",
            filter=present & Q(answers__severity=Severity.ABSOLUTE),
            order_by=in_order,
            default=Value([]),
        ),
        relative_ids=ArrayAgg(
            "answers__contraindication_id",
            filter=present & Q(answers__severity=Severity.RELATIVE, answers__override_reason=""),
            order_by=in_order,
            default=Value([]),
        ),
    )


def _current_ice_tests(patient_ids):
    return IceTest.objects.filter(patient_id__in=patient_ids, amended_by__isnull=True)


def _facts_by_patient(patient_ids, screening_rows, ice_rows) -> dict[int, ClinicalFacts]:
    """Facts from rows newest first: screenings (patient, examined, procedures, absolute, relative,
    phototype) and ice tests (patient, performed, passed)."""
    named = {i for row in screening_rows for i in (*row[3], *row[4])}
    names = {c.pk: c.name for c in Contraindication.objects.filter(pk__in=named)} if named else {}
    by_patient: dict[int, tuple[list, list]] = {pid: ([], []) for pid in patient_ids}
    for patient_id, examined_at, procedure_ids, absolute_ids, relative_ids, fitzpatrick in screening_rows:
        by_patient[patient_id][0].append(
            ScreeningFacts(
                examined_at=examined_at,
                procedure_ids=frozenset(procedure_ids),
                # the join with the procedures repeats each answer once per procedure: once each, in order
                absolute_present=tuple(names[i] for i in dict.fromkeys(absolute_ids)),
                relative_present_not_cleared=tuple(names[i] for i in dict.fromkeys(relative_ids)),
                fitzpatrick=fitzpatrick,
            )
        )
    for patient_id, performed_at, passed in ice_rows:
        by_patient[patient_id][1].append(IceTestFacts(performed_at=performed_at, passed=passed))
    consents = _Consents(patient_ids)
    return {pid: ClinicalFacts(tuple(s), tuple(t), consents, pid) for pid, (s, t) in by_patient.items()}


# The same facts as load_clinical_facts_bulk, as one JSON text per patient, read by another query beside
# its own rows (the day calendar: its sessions' patients) so that no second round trip is made and no
# list of ids travels back as parameters. [screenings, ice tests], each newest first (null when none);
# a screening is [examined at, procedure ids, absolute present, relative present not cleared,
# phototype], names in the contraindications' order; an ice test is [performed at, passed]. Times are
# clamped as core.db reads them, and come as ISO text. Each table is read once for all the patients
# (`= ANY` of their ids), not once per patient: 200 correlated lookups cost more than the rest of the
# calendar's query. Read back with clinical_facts_from_json; tests/procedures/test_clinical_facts_sql.py
# holds the two ways to the same facts.
_CLAMPED = "LEAST(GREATEST({0}, '0001-01-02 00:00+00'::timestamptz), '9999-12-30 00:00+00'::timestamptz)"
_PRESENT = """ARRAY(SELECT {name} FROM procedures_screeninganswer an
                     JOIN procedures_contraindication ci ON ci.id = an.contraindication_id
                     WHERE an.screening_id = sc.id AND an.present AND an.severity = '{severity}'{extra}
                     ORDER BY ci.slug)"""
CLINICAL_FACTS_SQL = f"""SELECT ids.patient_id, json_build_array(sc.list, it.list)::text AS facts
FROM unnest({{ids}}) AS ids(patient_id)
LEFT JOIN (
  SELECT sc.patient_id, json_agg(json_build_array(
           {_CLAMPED.format("sc.examined_at")},
           ARRAY(SELECT sp.procedure_id FROM procedures_screening_procedures sp WHERE sp.screening_id = sc.id),
           {_PRESENT.format(name="{name}", severity=Severity.ABSOLUTE, extra="")},
           {_PRESENT.format(name="{name}", severity=Severity.RELATIVE, extra=" AND an.override_reason = ''")},
           sc.fitzpatrick) ORDER BY sc.examined_at DESC, sc.id DESC) AS list
  FROM procedures_screening sc
  WHERE sc.patient_id = ANY({{ids}}) AND NOT EXISTS (SELECT FROM procedures_screening v WHERE v.amends_id = sc.id)
  GROUP BY sc.patient_id
) AS sc ON sc.patient_id = ids.patient_id
LEFT JOIN (
  SELECT it.patient_id, json_agg(json_build_array({_CLAMPED.format("it.performed_at")}, it.passed)
                                 ORDER BY it.performed_at DESC, it.id DESC) AS list
  FROM procedures_icetest it
  WHERE it.patient_id = ANY({{ids}}) AND NOT EXISTS (SELECT FROM procedures_icetest v WHERE v.amends_id = it.id)
  GROUP BY it.patient_id
) AS it ON it.patient_id = ids.patient_id"""  # noqa: S608 (constants only; `ids` is an SQL array expression)


def clinical_facts_sql(ids: str, *, english: bool) -> str:
    """A SELECT of (patient_id, facts) for the distinct patient ids of the SQL array expression `ids`
    (say "ARRAY(SELECT DISTINCT patient_id FROM day)"), for a query to join to its rows."""
    name = "COALESCE(NULLIF(ci.name_en, ''), ci.name_ru)" if english else "ci.name_ru"  # Bilingual.name_for
    return CLINICAL_FACTS_SQL.format(ids=ids, name=name)


def clinical_facts_from_json(found: dict[int, str | None]) -> dict[int, ClinicalFacts]:
    """Patients' facts from clinical_facts_sql's values, by patient id: load_clinical_facts_bulk's answer."""
    at = datetime.datetime.fromisoformat
    consents = _Consents(found)
    out = {}
    for patient_id, text in found.items():
        screenings, ice_tests = json.loads(text) if text else (None, None)
        out[patient_id] = ClinicalFacts(
            tuple(
                ScreeningFacts(
                    examined_at=at(examined_at),
                    procedure_ids=frozenset(procedure_ids),
                    absolute_present=tuple(absolute),
                    relative_present_not_cleared=tuple(relative),
                    fitzpatrick=fitzpatrick,
                )
                for examined_at, procedure_ids, absolute, relative, fitzpatrick in screenings or ()
            ),
            tuple(
                IceTestFacts(performed_at=at(performed_at), passed=passed) for performed_at, passed in ice_tests or ()
            ),
            consents,
            patient_id,
        )
    return out


def procedure_facts(procedure: Procedure) -> ProcedureFacts:
    return ProcedureFacts(
        id=procedure.id,
        name=procedure.name,
        active=procedure.active,
        requires_ice_test=procedure.requires_ice_test,
        screening_valid_days=procedure.screening_valid_days,
        ice_test_valid_days=procedure.ice_test_valid_days,
        ice_test_min_hours_before=procedure.ice_test_min_hours_before,
        # The calendar passes a plain namespace of the procedure's rule, without consent (no query there).
        consent_required=getattr(procedure, "consent_required", ""),
        phototype_warning_from=getattr(procedure, "phototype_warning_from", None),
    )


def as_moment(when: datetime.date | datetime.datetime, tz: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A bare date means 'some time that day': judge it at the day's end in the location's zone."""
    if isinstance(when, datetime.datetime):
        return when if timezone.is_aware(when) else when.replace(tzinfo=tz)
    return datetime.datetime.combine(when, datetime.time(23, 59, 59), tzinfo=tz)


def eligibility(
    *,
    patient,
    procedure: Procedure,
    when: datetime.date | datetime.datetime,
    facts: ClinicalFacts | None = None,
    tz: zoneinfo.ZoneInfo | None = None,
    valid_at: datetime.datetime | None = None,
    stage: str = BOOKING,
) -> Decision:
    """May `patient` have `procedure` at `when`? Yes, or the reasons in the active language.

    `valid_at` (a course's first session, for procedures whose records cover the course): the
    screening's and ice test's validity is judged at that moment instead of at `when`. `stage`:
    rules.BOOKING (booking, moving) or rules.SESSION (doing it: a consent needed before the first
    session counts then).
    """
    tz = tz or _patient_tz(patient)
    facts = facts if facts is not None else load_clinical_facts(patient.pk)
    moment = as_moment(when, tz)
    return decide(
        procedure=procedure_facts(procedure),
        screening=facts.screening_for(procedure.id, moment),
        ice_test=facts.ice_test_before(moment),
        when=moment,
        tz=tz,
        valid_at=min(valid_at, moment) if valid_at is not None else None,
        consent=facts.consent_for(procedure.id) if getattr(procedure, "consent_required", "") else None,
        stage=stage,
    )


def _patient_tz(patient) -> zoneinfo.ZoneInfo:
    location = getattr(patient, "home_location", None)
    return location.tz if location is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
