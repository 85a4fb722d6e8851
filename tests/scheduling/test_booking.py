"""Planning and booking courses: spacing, holidays, certification, all-or-nothing, clashes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procedures.models import Procedure
from procedures.services import ice_test_record
from scheduling.models import Certification, Closure, Course, Leave, ResourceBooking, Session, SessionStatus
from scheduling.services import BookingConflict, SessionSpec, course_book, course_preview, session_move

from .conftest import next_weekday

MONDAY = 0


def preview(patient, cryo, location, count=12, first_day=None, **kwargs):
    first_day = first_day or next_weekday(MONDAY, location.tz)
    return course_preview(
        patient=patient,
        procedure=cryo,
        location=location,
        count=count,
        first_day=first_day,
        preferred_time=kwargs.pop("preferred_time", datetime.time(10)),
        **kwargs,
    )


def book(registrar, patient, cryo, location, plan):
    specs = [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]
    return course_book(actor=registrar, patient=patient, procedure=cryo, location=location, specs=specs)


def local_days(sessions, tz):
    return [s.start.astimezone(tz).date() for s in sessions]


@pytest.mark.django_db
def test_a_course_is_planned_on_alternate_days_at_the_same_time_with_the_same_clinician(
    clinic, eligible_patient, cryo, location
):
    plan = preview(eligible_patient, cryo, location)
    assert plan.bookable, plan.problems
    days = local_days(plan.sessions, location.tz)
    gaps = {(b - a).days for a, b in zip(days, days[1:])}
    assert len(plan.sessions) == 12
    assert gaps <= {2, 3}  # alternate days; a Sunday (closed) pushes one session by a day
    assert {s.start.astimezone(location.tz).time() for s in plan.sessions} == {datetime.time(10)}
    assert len({s.clinician_id for s in plan.sessions}) == 1
    assert all(len(s.resource_ids) == 2 for s in plan.sessions)  # a room and the dewar


@pytest.mark.django_db
def test_a_holiday_moves_the_session_to_the_next_day_and_keeps_the_spacing(clinic, eligible_patient, cryo, location):
    first = next_weekday(MONDAY, location.tz)
    Closure.objects.create(
        location=location,
        starts_on=first + datetime.timedelta(days=2),
        ends_on=first + datetime.timedelta(days=2),
        reason="Public holiday",
    )
    plan = preview(eligible_patient, cryo, location, count=10, first_day=first)
    days = local_days(plan.sessions, location.tz)
    assert days[:3] == [first, first + datetime.timedelta(days=3), first + datetime.timedelta(days=5)]
    moved = plan.sessions[1]
    assert moved.moved_from == first + datetime.timedelta(days=2)
    assert "Public holiday" in moved.notes[0]


@pytest.mark.django_db
def test_an_uncertified_clinician_is_never_chosen(registrar, clinic, eligible_patient, cryo, location):
    doc_a, doc_b = clinic
    Certification.objects.filter(clinician=doc_a).delete()
    plan = preview(eligible_patient, cryo, location, count=10, clinician_id=doc_a.pk)
    assert {s.clinician_id for s in plan.sessions} == {doc_b.pk}
    specs = [SessionSpec(s.start, doc_a.pk) for s in plan.sessions]
    with pytest.raises(ValidationError, match="not certified"):
        course_book(actor=registrar, patient=eligible_patient, procedure=cryo, location=location, specs=specs)


@pytest.mark.django_db
def test_an_expired_certificate_or_leave_keeps_a_clinician_off_those_days(clinic, eligible_patient, cryo, location):
    doc_a, doc_b = clinic
    first = next_weekday(MONDAY, location.tz)
    Leave.objects.create(clinician=doc_a, starts_on=first, ends_on=first + datetime.timedelta(days=30))
    plan = preview(eligible_patient, cryo, location, count=10, clinician_id=doc_a.pk, first_day=first)
    assert {s.clinician_id for s in plan.sessions} == {doc_b.pk}
    Leave.objects.all().delete()
    Certification.objects.filter(clinician=doc_b).update(valid_until=first + datetime.timedelta(days=5))
    plan = preview(eligible_patient, cryo, location, count=10, clinician_id=doc_b.pk, first_day=first)
    assert [s.clinician_id for s in plan.sessions][:3] == [doc_b.pk] * 3
    assert plan.sessions[-1].clinician_id == doc_a.pk


@pytest.mark.django_db
def test_booking_creates_every_session_with_its_room_and_dewar_and_the_price(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=10))
    assert course.session_count == 10
    assert course.total_price == 8550  # 10 x 950 less 10 %
    assert Session.objects.filter(course=course, status=SessionStatus.SCHEDULED).count() == 10
    assert ResourceBooking.objects.filter(session__course=course, active=True).count() == 20


@pytest.mark.django_db
def test_each_session_holds_its_own_rooms_at_its_own_times_and_the_audit_names_the_course(
    registrar, clinic, eligible_patient, cryo, location
):
    from audit.models import AuditEvent

    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=12))
    stored = Course.objects.get(pk=course.pk)
    assert stored.created_by == registrar and stored.created_at is not None and stored.status == "active"
    sessions = list(Session.objects.filter(course=course).prefetch_related("bookings"))
    assert sorted(s.pk for s in sessions) == sorted(s.pk for s in course.created_sessions)
    for session in sessions:
        assert session.patient_id == eligible_patient.pk and session.created_at is not None
        assert len(session.bookings.all()) == 2
        assert {(b.start, b.end) for b in session.bookings.all()} == {(session.start, session.end)}
    event = AuditEvent.objects.get(record_type="scheduling.course", record_id=course.pk)
    assert event.detail == {"sessions": 12, "combined": 0}


@pytest.mark.django_db
def test_a_procedure_that_needs_no_room_or_device_books_its_sessions_alone(
    registrar, clinic, eligible_patient, cryo, location
):
    cryo.resource_kinds.clear()
    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=10))
    assert Session.objects.filter(course=course).count() == 10
    assert not ResourceBooking.objects.filter(session__course=course).exists()


@pytest.mark.django_db
def test_a_failed_ice_test_refuses_the_booking_with_the_reason(
    registrar, clinic, eligible_patient, clinician, cryo, location
):
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    plan = preview(eligible_patient, cryo, location, count=10)
    assert not plan.bookable
    assert plan.sessions[0].ineligible[0].startswith("Ice test failed on")
    with pytest.raises(ValidationError, match="Ice test failed on"):
        book(registrar, eligible_patient, cryo, location, plan)
    assert not Course.objects.exists() and not Session.objects.exists()


@pytest.mark.django_db
def test_a_course_with_one_bad_session_books_nothing(registrar, clinic, eligible_patient, cryo, location):
    plan = preview(eligible_patient, cryo, location, count=10)
    specs = [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]
    specs[-1].start = specs[-1].start.replace(hour=22)  # after closing time
    with pytest.raises(ValidationError, match="Session 10 .*outside opening hours"):
        course_book(actor=registrar, patient=eligible_patient, procedure=cryo, location=location, specs=specs)
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_count_and_the_spacing_are_enforced_at_booking(registrar, clinic, eligible_patient, cryo, location):
    plan = preview(eligible_patient, cryo, location, count=10)
    specs = [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]
    with pytest.raises(ValidationError, match="10 to 12 sessions"):
        course_book(actor=registrar, patient=eligible_patient, procedure=cryo, location=location, specs=specs[:9])
    specs[1].start -= datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="at least 2 are needed"):
        course_book(actor=registrar, patient=eligible_patient, procedure=cryo, location=location, specs=specs)


@pytest.mark.django_db
def test_a_clash_with_another_booking_is_a_conflict_naming_the_clinician(
    registrar, clinic, eligible_patient, cryo, location
):
    plan = preview(eligible_patient, cryo, location, count=10)
    book(registrar, eligible_patient, cryo, location, plan)
    doctor = next(d for d in clinic if d.pk == plan.sessions[0].clinician_id)
    with pytest.raises(BookingConflict, match=f"Session 1 .*{doctor} has another session at that time"):
        book(registrar, eligible_patient, cryo, location, plan)
    assert Course.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_overlaps_that_skip_the_checks(registrar, clinic, eligible_patient, cryo, location):
    from django.db import IntegrityError, transaction

    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=10))
    first = course.sessions.order_by("start").first()
    with (
        pytest.raises(IntegrityError, match="session_clinician_no_overlap|session_patient_no_overlap"),
        transaction.atomic(),
    ):
        Session.objects.create(
            course=course,
            patient=first.patient,
            location=location,
            clinician=first.clinician,
            start=first.start + datetime.timedelta(minutes=5),
            end=first.end + datetime.timedelta(minutes=5),
        )
        from django.db import connection

        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_moving_a_session_with_shift_keeps_the_spacing_and_raises_the_sequence(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=10))
    sessions = list(course.sessions.order_by("start"))
    old_days = local_days(sessions, location.tz)
    third = sessions[2]
    new_start = third.start + datetime.timedelta(days=1)
    session_move(actor=registrar, session=third, new_start=new_start, shift_following=True)
    after = list(course.sessions.order_by("start"))
    new_days = local_days(after, location.tz)
    assert new_days[:2] == old_days[:2]
    assert all(n - o == datetime.timedelta(days=1) for n, o in zip(new_days[2:], old_days[2:]))
    assert [s.sequence for s in after] == [0, 0] + [1] * 8
    assert ResourceBooking.objects.filter(session__course=course, active=True, start=new_start).count() == 2


@pytest.mark.django_db
def test_moving_one_session_without_shift_refuses_to_break_the_spacing(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book(registrar, eligible_patient, cryo, location, preview(eligible_patient, cryo, location, count=10))
    second = course.sessions.order_by("start")[1]  # a Wednesday; the third is on Friday
    with pytest.raises(ValidationError, match="at least 2 are needed"):
        session_move(actor=registrar, session=second, new_start=second.start + datetime.timedelta(days=1))
    second.refresh_from_db()
    assert second.sequence == 0


@pytest.mark.django_db
def test_a_clinician_cannot_book(clinic, eligible_patient, cryo, location):
    from django.core.exceptions import PermissionDenied

    plan = preview(eligible_patient, cryo, location, count=10)
    with pytest.raises(PermissionDenied):
        book(clinic[0], eligible_patient, cryo, location, plan)


@pytest.mark.django_db
def test_a_course_across_a_daylight_saving_change_keeps_its_local_time(
    registrar, clinic, eligible_patient, cryo, location
):
    from accounts.models import Location

    Location.objects.filter(pk=location.pk).update(time_zone="Europe/Berlin")
    location.refresh_from_db()
    year = timezone.localdate().year + 1
    change = datetime.date(year, 3, 31)
    while change.weekday() != 6:  # the last Sunday of March
        change -= datetime.timedelta(days=1)
    first = change - datetime.timedelta(days=6)  # a Monday
    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=400, ice_test_valid_days=400)
    cryo.refresh_from_db()
    plan = preview(eligible_patient, cryo, location, count=10, first_day=first)
    assert plan.bookable, plan.problems
    course = book(registrar, eligible_patient, cryo, location, plan)
    starts = list(course.sessions.order_by("start").values_list("start", flat=True))
    assert {s.astimezone(location.tz).time() for s in starts} == {datetime.time(10)}
    utc_hours = {s.astimezone(datetime.UTC).hour for s in starts}
    assert utc_hours == {9, 8}  # 10:00 CET is 09:00 UTC; 10:00 CEST is 08:00 UTC


@pytest.mark.django_db
def test_every_session_is_checked_for_eligibility(registrar, clinic, eligible_patient, cryo, location):
    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=10)
    cryo.refresh_from_db()
    plan = preview(eligible_patient, cryo, location, count=10)
    assert plan.sessions[0].ineligible == []
    assert plan.sessions[-1].ineligible and "No signed screening valid on" in plan.sessions[-1].ineligible[0]
    assert not plan.bookable


def test_the_course_price_is_the_sessions_less_the_discount():
    from decimal import Decimal

    from scheduling.planner import course_price

    assert course_price(Decimal("950"), 12, Decimal("10")) == Decimal("10260.00")
    assert course_price(Decimal("999.99"), 11, Decimal("0")) == Decimal("10999.89")


def test_booking_a_twelve_session_course_runs_a_fixed_handful_of_queries(
    registrar, clinic, eligible_patient, cryo, location
):
    plan = preview(eligible_patient, cryo, location, count=12)
    with CaptureQueriesContext(connection) as queries:
        course = book(registrar, eligible_patient, cryo, location, plan)
    assert course.sessions.count() == 12
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # The permission's groups, the locks, the patient's active courses, what stands over the days
    # (hours, closures, leave, clinicians, rooms), who and what is busy, the screenings and ice
    # tests (one query), the course with its sessions and their rooms (one statement), the exclusion
    # checks, the audit row. No dewar is usable here: the locks' statement says so, and the nitrogen
    # forecast is not read.
    assert len(statements) == 9, "\n".join(statements)
