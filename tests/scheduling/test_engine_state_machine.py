"""Random sequences of what registrars and clinicians do, on the real database, checked after every step.

A hypothesis state machine books courses (alone and as combined visits), moves sessions with and
without re-planning the following ones, cancels sessions and courses, adds closures and confirms their
re-plan, records outcomes and adds replacements. After every step it checks the invariants of the
schedule. Each example runs inside a savepoint that is rolled back, so examples do not see each other.
Bounded and derandomized: a failure prints the steps that led to it.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from audit.models import AuditEvent
from procedures.models import Contraindication, Procedure, ResourceKind
from procedures.services import ice_test_record, screening_sign
from scheduling import services
from scheduling.models import Certification, Closure, Course, Resource, Session
from scheduling.selectors import session_warnings

from ..factories import PatientFactory, days_ago
from .conftest import next_weekday

MACHINE = settings(
    max_examples=25,
    stateful_step_count=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)

HOURS = [9, 11, 14, 16]
COURSE, SESSION = st.integers(0, 5), st.integers(0, 11)
STEPS: dict[str, int] = {}  # how often each step changed something: printed, so a run that did nothing shows

OVERLAPS_SQL = """
SELECT count(*) FROM scheduling_session a JOIN scheduling_session b
  ON a.id < b.id AND a.start < b."end" AND b.start < a."end"
 AND a.status IN ('scheduled', 'completed') AND b.status IN ('scheduled', 'completed')
 AND (a.clinician_id = b.clinician_id OR a.patient_id = b.patient_id)
"""
ROOM_OVERLAPS_SQL = """
SELECT count(*) FROM scheduling_resourcebooking a JOIN scheduling_resourcebooking b
  ON a.id < b.id AND a.resource_id = b.resource_id AND a.active AND b.active
 AND a.start < b."end" AND b.start < a."end"
"""


def _snapshot():
    return {s.pk: (s.start, s.status, s.clinician_id) for s in Session.objects.all()}


@pytest.fixture
def world(clinic, cryo, location, clinician):
    """Three eligible patients; a second procedure (post-procedure cryotherapy) to combine with."""
    therapy = Procedure.objects.get(slug="cryotherapy-post-procedure")
    Resource.objects.create(location=location, kind=ResourceKind.objects.get(slug="cryo-device"), name="Cryo 1")
    for doctor in clinic:
        Certification.objects.create(
            clinician=doctor, procedure=therapy, valid_until=timezone.localdate() + datetime.timedelta(days=365)
        )
    Procedure.objects.filter(pk__in=[cryo.pk, therapy.pk]).update(screening_valid_days=90, ice_test_valid_days=90)
    Procedure.objects.filter(pk=therapy.pk).update(follows_skin_treatment=False)  # its own tests: test_skin_treatment
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures__in=[cryo, therapy])}
    patients = []
    for _ in range(3):
        patient = PatientFactory(home_location=location)
        screening_sign(
            actor=clinician,
            patient=patient,
            procedures=[cryo, therapy],
            answers=answers,
            fitzpatrick=3,
            examined_at=days_ago(2),
        )
        ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, performed_at=days_ago(2))
        patients.append(patient)
    cryo.refresh_from_db()
    therapy.refresh_from_db()
    return {"patients": patients, "cryo": cryo, "therapy": therapy, "location": location, "clinic": clinic}


@pytest.mark.django_db
def test_random_clinic_days_keep_the_schedule_sound(world, registrar):
    location, cryo, therapy = world["location"], world["cryo"], world["therapy"]
    tz = location.tz
    monday = next_weekday(0, tz)

    class ClinicDays(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.before = _snapshot()
            self.audits = AuditEvent.objects.count()
            self.flagged_ok = set()  # sessions a step left on a closed day, with a warning
            self.last = "start"

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _courses(self):
            return list(Course.objects.filter(status="active").order_by("pk"))

        def _pick(self, items, index):
            return items[index % len(items)] if items else None

        def _scheduled(self, course_index, session_index):
            course = self._pick(self._courses(), course_index)
            if course is None:
                return None
            sessions = list(course.sessions.filter(status="scheduled").order_by("start"))
            return self._pick(sessions, session_index)

        @initialize(combined=st.booleans())
        def start(self, combined):
            # Every example starts with a booked course, so the other steps have something to change.
            self.book(0, 0, 10, combined)
            self.before, self.audits = _snapshot(), AuditEvent.objects.count()

        @rule(
            who=st.integers(0, 2),
            weeks=st.integers(0, 2),
            hour=st.sampled_from([9, 11, 14, 16]),
            combined=st.booleans(),
        )
        def book(self, who, weeks, hour, combined):
            self.last = "book"
            patient = world["patients"][who]
            plan = services.course_preview(
                patient=patient,
                procedure=cryo,
                location=location,
                count=10,
                first_day=monday + datetime.timedelta(days=7 * weeks),
                preferred_time=datetime.time(hour),
                combined_procedure=therapy if combined else None,
            )
            if not plan.bookable:
                return
            try:
                services.course_book(
                    actor=registrar,
                    patient=patient,
                    procedure=cryo,
                    location=location,
                    specs=[services.SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
                    combined_procedure=therapy if combined else None,
                )
            except (ValidationError, services.BookingConflict):
                pass

        @rule(
            c=st.integers(0, 5),
            s=st.integers(0, 11),
            days=st.integers(-2, 3),
            hours=st.integers(-2, 3),
            shift=st.booleans(),
        )
        def move(self, c, s, days, hours, shift):
            self.last = "move"
            session = self._scheduled(c, s)
            if session is None:
                return
            new_start = session.start + datetime.timedelta(days=days, hours=hours)
            try:
                services.session_move(actor=registrar, session=session, new_start=new_start, shift_following=shift)
            except (ValidationError, services.BookingConflict):
                pass

        @rule(c=st.integers(0, 5), s=st.integers(0, 11))
        def cancel_session(self, c, s):
            self.last = "cancel_session"
            session = self._scheduled(c, s)
            if session is not None:
                services.session_cancel(actor=registrar, session=session, reason="ill")

        @rule(c=st.integers(0, 5))
        def cancel_course(self, c):
            self.last = "cancel_course"
            course = self._pick(self._courses(), c)
            if course is not None:
                services.course_cancel(actor=registrar, course=course, reason="moved away")

        @rule(day=st.integers(0, 20), length=st.integers(0, 1))
        def closure_and_replan(self, day, length):
            self.last = "closure_and_replan"
            first = monday + datetime.timedelta(days=day)
            closure = Closure.objects.create(
                location=location, starts_on=first, ends_on=first + datetime.timedelta(days=length), reason="Repairs"
            )
            proposals = services.closure_replan_preview(closure=closure)
            services.closure_replan(actor=registrar, closure=closure, expected=services.fingerprint(proposals))
            for proposal in proposals:  # a course that could not be placed whole stays, flagged
                if not proposal.ok:
                    self.flagged_ok |= {p.session_id for p in proposal.replan.placements}

        @rule(c=st.integers(0, 5), s=st.integers(0, 11), outcome=st.sampled_from(["completed", "no_show"]))
        def record_outcome_too_early(self, c, s, outcome):
            self.last = "record_outcome_too_early"
            session = self._scheduled(c, s)
            if session is None:
                return
            with pytest.raises(ValidationError):
                services.session_record_outcome(actor=session.clinician, session=session, outcome=outcome)

        @precondition(lambda self: Session.objects.filter(status="cancelled", replaced_by__isnull=True).exists())
        @rule(i=st.integers(0, 20))
        def replace(self, i):
            self.last = "replace"
            cancelled = list(
                Session.objects.filter(status="cancelled", replaced_by__isnull=True, course__status="active").order_by(
                    "pk"
                )
            )
            session = self._pick(cancelled, i)
            if session is None:
                return
            try:
                services.session_replace(actor=registrar, session=session)
            except (ValidationError, services.BookingConflict):
                pass

        @invariant()
        def schedule_is_sound(self):
            with connection.cursor() as cursor:
                cursor.execute(OVERLAPS_SQL)
                assert cursor.fetchone()[0] == 0, "two active sessions overlap for a clinician or a patient"
                cursor.execute(ROOM_OVERLAPS_SQL)
                assert cursor.fetchone()[0] == 0, "a room or device is held twice at once"
            now = timezone.now()
            after = _snapshot()
            written = [pk for pk, row in after.items() if self.before.get(pk) != row and row[1] == "scheduled"]
            sessions = {s.pk: s for s in Session.objects.filter(pk__in=written).select_related("course__procedure")}
            closures = list(Closure.objects.filter(location=location))
            for pk in written:
                session = sessions[pk]
                if self.before.get(pk, (None,))[0] == session.start:
                    continue  # only its status changed
                local = session.start.astimezone(tz)
                assert session.start > now, f"session {pk} was written in the past"
                assert local.weekday() != 6, f"session {pk} was written on a Sunday"
                end = session.end.astimezone(tz)
                assert local.hour >= 9 and (end.hour, end.minute) <= (18, 0), f"session {pk} outside the hours"
                assert not any(c.starts_on <= local.date() <= c.ends_on for c in closures), f"{pk} on a closure"
            # Sessions still on a closed day are those a re-plan could not move, and they carry a warning.
            on_closures = [
                s
                for s in Session.objects.filter(status="scheduled").select_related("course__procedure", "patient")
                if any(c.starts_on <= s.start.astimezone(tz).date() <= c.ends_on for c in closures)
            ]
            warned = session_warnings(on_closures, tz)
            assert all(s.pk in warned for s in on_closures)
            self._spacing_and_partners()
            if after != self.before:
                assert AuditEvent.objects.count() > self.audits, "a change left no audit event"
                STEPS[self.last] = STEPS.get(self.last, 0) + 1
            self.before, self.audits = after, AuditEvent.objects.count()

        def _spacing_and_partners(self):
            for course in Course.objects.all():
                days = [
                    s.start.astimezone(tz).date()
                    for s in course.sessions.filter(status__in=["scheduled", "completed"]).order_by("start")
                ]
                gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
                assert all(g >= cryo.spacing_days for g in gaps), (course.pk, gaps)
            for companion in Session.objects.filter(companion_of__isnull=False, status="scheduled").select_related(
                "companion_of"
            ):
                lead = companion.companion_of
                if lead.status == "scheduled":
                    assert companion.start - lead.end == datetime.timedelta(minutes=30), "partners lost their offset"

    run_state_machine_as_test(ClinicDays, settings=MACHINE)
    print("steps that changed the schedule:", STEPS)
    # The machine must really exercise the engine: each kind of change happened at least once.
    assert {"book", "move", "cancel_session", "closure_and_replan"} <= set(STEPS), STEPS
