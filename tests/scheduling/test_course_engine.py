"""The course engine in ordinary clinic life: closures, moves, past dates, outcomes, partners, overlaps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procedures.models import Procedure
from scheduling.models import Certification, Closure, Course, ResourceBooking, Session, SessionStatus
from scheduling.services import (
    SessionSpec,
    closure_replan,
    closure_replan_preview,
    course_book,
    course_cancel,
    course_preview,
    fingerprint,
    session_cancel,
    session_cancel_by_patient,
    session_correct_outcome,
    session_move,
    session_move_proposal,
    session_record_outcome,
)

from ..factories import UserFactory
from .conftest import book_course, next_weekday

pytestmark = pytest.mark.django_db


def local_days(course, tz):
    return [s.start.astimezone(tz).date() for s in course.sessions.filter(status="scheduled").order_by("start")]


def assert_course_rules(course, tz, closed: set):
    days = local_days(course, tz)
    assert all(d.weekday() != 6 and d not in closed for d in days), days
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    assert all(2 <= g <= 4 for g in gaps), gaps


# 1. Re-planning is planning -------------------------------------------------------------------


def test_a_closure_replans_each_course_around_closed_days_and_sundays(
    registrar, clinic, eligible_patient, cryo, location
):
    tz = location.tz
    course = book_course(registrar, eligible_patient, cryo, location)  # Mon, Wed, Fri, Mon, ...
    before = local_days(course, tz)
    wednesday, thursday = before[1], before[1] + datetime.timedelta(days=1)
    closure = Closure.objects.create(location=location, starts_on=wednesday, ends_on=thursday, reason="Repairs")
    proposals = closure_replan_preview(closure=closure)
    assert local_days(course, tz) == before  # a preview writes nothing
    assert [p.ok for p in proposals] == [True]
    closure_replan(actor=registrar, closure=closure, expected=fingerprint(proposals))
    after = local_days(course, tz)
    assert len(after) == 10 and after[0] == before[0]
    assert after[1] == wednesday + datetime.timedelta(days=2)  # Friday: the first open day within the gap
    assert_course_rules(course, tz, {wednesday, thursday})


def test_a_closure_replan_that_cannot_place_a_session_names_it_by_its_course_number_and_writes_nothing(
    registrar, clinic, eligible_patient, cryo, location
):
    tz = location.tz
    course = book_course(registrar, eligible_patient, cryo, location)
    before = local_days(course, tz)
    closure = Closure.objects.create(
        location=location, starts_on=before[2], ends_on=before[2] + datetime.timedelta(days=9), reason="Flood"
    )
    [proposal] = closure_replan_preview(closure=closure)
    assert not proposal.ok
    assert proposal.all_problems[0].startswith("Session 3 ")
    closure_replan(actor=registrar, closure=closure, expected=fingerprint([proposal]))
    assert local_days(course, tz) == before  # the course that cannot be placed whole is left as it was


def test_a_confirm_applies_only_the_proposal_that_was_shown(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    day = local_days(course, location.tz)[2]
    closure = Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Repairs")
    seen = fingerprint(closure_replan_preview(closure=closure))
    with pytest.raises(ValidationError) as error:
        closure_replan(actor=registrar, closure=closure, expected=seen + "stale")
    assert error.value.code == "plan_changed"
    assert day in local_days(course, location.tz)


def test_shifting_the_following_sessions_plans_them_again_around_a_sunday(
    registrar, clinic, eligible_patient, cryo, location
):
    tz = location.tz
    course = book_course(registrar, eligible_patient, cryo, location)
    third = course.sessions.order_by("start")[2]  # a Friday
    saturday = third.start.astimezone(tz) + datetime.timedelta(days=1)
    # A fixed shift of one day would put every later Saturday session on a Sunday.
    proposal = session_move_proposal(session=third, new_start=saturday, shift_following=True)
    assert proposal.ok, proposal.all_problems
    session_move(actor=registrar, session=third, new_start=saturday, shift_following=True)
    assert_course_rules(course, tz, set())
    assert local_days(course, tz)[2] == saturday.date()


def test_a_refused_move_names_the_session_by_its_number_in_the_course(
    registrar, clinic, eligible_patient, cryo, location
):
    tz = location.tz
    course = book_course(registrar, eligible_patient, cryo, location)
    fifth = course.sessions.order_by("start")[4]
    sunday = fifth.start.astimezone(tz)
    while sunday.weekday() != 6:
        sunday += datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        session_move(actor=registrar, session=fifth, new_start=sunday)
    assert any(m.startswith("Session 5 ") for m in error.value.messages), error.value.messages


# 2. No session in the past ---------------------------------------------------------------------


def test_a_course_cannot_be_booked_or_previewed_in_the_past(registrar, clinic, eligible_patient, cryo, location):
    tz = location.tz
    yesterday = timezone.localdate(timezone=tz) - datetime.timedelta(days=1)
    plan = course_preview(patient=eligible_patient, procedure=cryo, location=location, count=10, first_day=yesterday)
    assert not plan.bookable and "The first day is in the past." in plan.problems
    good = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, tz),
        preferred_time=datetime.time(10),
    )
    specs = [SessionSpec(s.start, s.clinician_id) for s in good.sessions]
    specs[0].start = datetime.datetime.combine(yesterday, datetime.time(10), tzinfo=tz)
    with pytest.raises(ValidationError) as error:
        course_book(actor=registrar, patient=eligible_patient, procedure=cryo, location=location, specs=specs)
    assert any("in the past" in m for m in error.value.messages)
    assert not Course.objects.exists()


def test_the_api_refuses_a_course_that_started_an_hour_ago(registrar, clinic, eligible_patient, cryo, location):
    tz = location.tz
    good = course_preview(
        patient=eligible_patient, procedure=cryo, location=location, count=10, first_day=next_weekday(0, tz)
    )
    sessions = [{"start": s.start.isoformat(), "clinician": s.clinician_id} for s in good.sessions]
    sessions[0]["start"] = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    api = APIClient()
    api.force_authenticate(registrar)
    answer = api.post(
        "/api/v1/courses/",
        {"patient": eligible_patient.pk, "procedure": cryo.slug, "location": location.pk, "sessions": sessions},
        format="json",
    )
    assert answer.status_code == 400, answer.content
    assert "in the past" in answer.content.decode() and not Course.objects.exists()


# 3. Outcomes from the session's start, corrected within a window -------------------------------


def _started(session, hours_ago=1):
    Session.objects.filter(pk=session.pk).update(
        start=timezone.now() - datetime.timedelta(hours=hours_ago),
        end=timezone.now() - datetime.timedelta(hours=hours_ago) + datetime.timedelta(minutes=20),
    )
    ResourceBooking.objects.filter(session=session).update(
        start=timezone.now() - datetime.timedelta(hours=hours_ago),
        end=timezone.now() - datetime.timedelta(hours=hours_ago) + datetime.timedelta(minutes=20),
    )
    session.refresh_from_db()
    return session


def test_an_outcome_cannot_be_recorded_before_the_session_starts(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = course.sessions.order_by("start").first()
    Session.objects.filter(pk=first.pk).update(start=timezone.now() + datetime.timedelta(hours=2))
    first.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        session_record_outcome(actor=first.clinician, session=first, outcome="completed")
    assert error.value.code == "too_early"
    first.refresh_from_db()
    assert first.status == SessionStatus.SCHEDULED and first.outcome_at is None


def test_a_mistaken_no_show_is_corrected_with_a_reason_and_audited(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = _started(course.sessions.order_by("start").first())
    session_record_outcome(actor=first.clinician, session=first, outcome="no_show")
    assert not ResourceBooking.objects.filter(session=first, active=True).exists()
    with pytest.raises(ValidationError):
        session_correct_outcome(actor=first.clinician, session=first, outcome="completed", reason=" ")
    session_correct_outcome(actor=first.clinician, session=first, outcome="completed", reason="she came late")
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED
    assert ResourceBooking.objects.filter(session=first, active=True).exists()
    event = AuditEvent.objects.filter(record_id=str(first.pk)).order_by("-id").first()
    assert event.detail["corrected_from"] == "no_show" and event.detail["reason"] == "she came late"


def test_an_outcome_cannot_be_corrected_after_the_window(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = _started(course.sessions.order_by("start").first(), hours_ago=30)
    session_record_outcome(actor=first.clinician, session=first, outcome="completed")
    with pytest.raises(ValidationError) as error:
        session_correct_outcome(actor=first.clinician, session=first, outcome="no_show", reason="typo")
    assert error.value.code == "correction_too_late"


def test_a_clinician_of_another_location_cannot_record_an_outcome(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = _started(course.sessions.order_by("start").first())
    stranger = UserFactory(username="doc_elsewhere", role="clinician")  # works at no location of ours
    with pytest.raises(PermissionDenied):
        session_record_outcome(actor=stranger, session=first, outcome="completed")
    colleague = clinic[1] if first.clinician_id == clinic[0].pk else clinic[0]
    session_record_outcome(actor=colleague, session=first, outcome="completed")  # same location: allowed
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED and first.outcome_by_id == colleague.pk


# 4. A combined visit is one unit -------------------------------------------------------------


def test_moving_a_combined_session_moves_its_partner_by_the_same_offset(
    registrar, eligible_patient, cryo, cryotherapy, location
):
    course = book_course(registrar, eligible_patient, cryo, location, hour=11, combined_procedure=cryotherapy)
    third = course.sessions.order_by("start")[2]
    partner = third.companion
    offset = partner.start - third.start
    new_start = third.start + datetime.timedelta(hours=3)
    session_move(actor=registrar, session=third, new_start=new_start)
    partner.refresh_from_db()
    assert partner.start == new_start + offset


def test_cancelling_one_half_of_a_combined_visit_cancels_the_other(
    registrar, eligible_patient, cryo, cryotherapy, location
):
    course = book_course(registrar, eligible_patient, cryo, location, hour=11, combined_procedure=cryotherapy)
    third = course.sessions.order_by("start")[2]
    session_cancel(actor=registrar, session=third.companion, reason="ill")
    third.refresh_from_db()
    assert third.status == SessionStatus.CANCELLED
    course_cancel(actor=registrar, course=course, reason="moved away")
    follower = Course.objects.get(combined_with=course)
    assert follower.status == "cancelled"
    assert not follower.sessions.filter(status="scheduled").exists()


def test_a_patient_cancelling_one_half_of_a_combined_visit_cancels_the_other_and_frees_its_rooms(
    registrar, eligible_patient, cryo, cryotherapy, location
):
    course = book_course(registrar, eligible_patient, cryo, location, hour=11, combined_procedure=cryotherapy)
    third = course.sessions.order_by("start")[2]
    partner = third.companion
    session_cancel_by_patient(session=third)
    partner.refresh_from_db()
    assert partner.status == SessionStatus.CANCELLED and partner.cancel_reason == "cancelled by the patient"
    assert not ResourceBooking.objects.filter(session__in=[third, partner], active=True).exists()
    with pytest.raises(ValidationError) as error:
        session_cancel_by_patient(session=third)
    assert error.value.code == "not_scheduled"


# 5. A course that outlasts the records' validity ----------------------------------------------


@pytest.fixture
def prp_clinic(clinic, location):
    prp = Procedure.objects.get(slug="plasmolifting")
    from procedures.models import ResourceKind
    from scheduling.models import Resource

    for kind in prp.resource_kinds.all():
        if not Resource.objects.filter(location=location, kind=kind).exists():
            Resource.objects.create(location=location, kind=kind, name=f"{kind.slug} 1")
    assert ResourceKind.objects.exists()
    for doctor in clinic:
        Certification.objects.create(
            clinician=doctor, procedure=prp, valid_until=timezone.localdate() + datetime.timedelta(days=365)
        )
    return prp


def test_the_seeded_plasmolifting_course_is_bookable_out_of_the_box(prp_clinic, eligible_patient, location):
    assert prp_clinic.records_cover_course  # seeded so: 4 sessions 14 days apart outlast 30 days
    plan = course_preview(
        patient=eligible_patient,
        procedure=prp_clinic,
        location=location,
        count=4,
        first_day=next_weekday(0, location.tz),
    )
    assert plan.bookable, plan.problems


def test_a_course_that_outlasts_its_screening_says_which_sessions_need_a_new_one(
    prp_clinic, eligible_patient, location
):
    Procedure.objects.filter(pk=prp_clinic.pk).update(records_cover_course=False)
    prp_clinic.refresh_from_db()
    plan = course_preview(
        patient=eligible_patient,
        procedure=prp_clinic,
        location=location,
        count=4,
        first_day=next_weekday(0, location.tz),
    )
    assert not plan.bookable
    assert any("covers sessions up to" in p and "sessions 3, 4 need a new one" in p for p in plan.problems), (
        plan.problems
    )


# 6. One course of a procedure at a time -------------------------------------------------------


def test_a_second_active_course_of_the_same_procedure_is_refused(registrar, clinic, eligible_patient, cryo, location):
    book_course(registrar, eligible_patient, cryo, location, hour=10)
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(15),
    )
    assert not plan.bookable and "already has an active course" in plan.problems[0]
    with pytest.raises(ValidationError):
        course_book(
            actor=registrar,
            patient=eligible_patient,
            procedure=cryo,
            location=location,
            specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        )
    assert Course.objects.count() == 1


def test_the_database_keeps_one_active_course_of_a_procedure(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(
            patient=eligible_patient,
            procedure=cryo,
            location=location,
            session_count=10,
            price_per_session=1,
            discount_percent=0,
            total_price=10,
            created_by=course.created_by,
        )


# 7. Gaps are judged between active sessions, by the gaps a move changes -----------------------


def test_a_gap_a_cancellation_widened_does_not_refuse_an_unrelated_move(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    sessions = list(course.sessions.order_by("start"))
    for cancelled in sessions[2:4]:  # sessions 3 and 4: a gap of about 6 days between 2 and 5
        session_cancel(actor=registrar, session=cancelled, reason="ill")
    last = sessions[-1]
    wanted = last.start + datetime.timedelta(days=1)
    session_move(actor=registrar, session=last, new_start=wanted)
    last.refresh_from_db()
    assert last.start == wanted


def test_a_move_that_widens_a_gap_past_the_largest_is_refused(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    last = course.sessions.order_by("start").last()
    with pytest.raises(ValidationError) as error:
        session_move(actor=registrar, session=last, new_start=last.start + datetime.timedelta(days=4))
    assert any("at most 4 are allowed" in m for m in error.value.messages)


# 10. Warnings where registrars look ---------------------------------------------------------


def test_the_course_page_and_the_calendar_warn_of_an_ineligible_patient_and_a_closure(
    as_registrar, registrar, clinician, clinic, eligible_patient, cryo, location
):
    from django.urls import reverse

    from procedures.services import ice_test_record

    course = book_course(registrar, eligible_patient, cryo, location)
    third = course.sessions.order_by("start")[2]
    day = third.start.astimezone(location.tz).date()
    Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Burst pipe")
    ice_test_record(actor=clinician, patient=eligible_patient, area="nape", exposure_seconds=10, redness=True)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "Falls on a closure: Burst pipe" in page
    assert "No longer eligible: ice test failed" in page  # a small letter after the colon
    calendar = as_registrar.get(
        f"{reverse('scheduling:calendar')}?location={location.pk}&date={day.isoformat()}"
    ).content.decode()
    assert "Falls on a closure: Burst pipe" in calendar and "No longer eligible" in calendar


def test_the_course_page_reports_a_gap_a_cancellation_widened_once(
    as_registrar, registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    for cancelled in list(course.sessions.order_by("start"))[2:4]:
        session_cancel(actor=registrar, session=cancelled, reason="ill")
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert page.count("at most 4 are allowed") == 1


def test_the_api_previews_a_move_with_the_following_sessions_then_applies_that_proposal(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    third = course.sessions.order_by("start")[2]
    before = local_days(course, location.tz)
    api = APIClient()
    api.force_authenticate(registrar)
    url = f"/api/v1/sessions/{third.pk}/move/"
    body = {"start": (third.start + datetime.timedelta(days=1)).isoformat(), "shift_following": True}
    preview = api.post(url, {**body, "preview": True}, format="json")
    assert preview.status_code == 200 and preview.json()["ok"], preview.content
    assert [s["number"] for s in preview.json()["sessions"]] == list(range(3, 11))
    assert local_days(course, location.tz) == before
    stale = api.post(url, {**body, "expected": "something else"}, format="json")
    assert stale.status_code == 400 and stale.json()["error"]["code"] == "plan_changed"
    done = api.post(url, {**body, "expected": preview.json()["fingerprint"]}, format="json")
    assert done.status_code == 200, done.content
    assert local_days(course, location.tz) != before
    assert_course_rules(course, location.tz, set())


# 4b. Procedures with different counts combine for the visits they share -----------------------


def _twelve_cryomassage_with_plasmolifting(patient, cryo, prp, location):
    assert cryo.combined_lead_minutes == 30  # seeded: cryomassage ends half an hour before the other
    return course_preview(
        patient=patient,
        procedure=cryo,
        location=location,
        count=12,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
        combined_procedure=prp,
    )


def test_plasmolifting_every_14_days_shares_every_seventh_cryomassage_visit(
    registrar, clinic, prp_clinic, eligible_patient, cryo, location
):
    plan = _twelve_cryomassage_with_plasmolifting(eligible_patient, cryo, prp_clinic, location)
    assert plan.bookable, plan.problems
    shared = [s.number for s in plan.sessions if s.companion is not None]
    assert shared == [1, 8] and len(plan.companion_rest) == 2  # 4 plasmolifting sessions in all
    for s in plan.sessions:
        if s.companion is not None:
            assert s.companion.start - s.end == datetime.timedelta(minutes=30)
    course = course_book(
        actor=registrar,
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        combined_procedure=prp_clinic,
        combined_sessions=[SessionSpec(s.start, s.clinician_id) for s in plan.companion_rest],
    )
    follower = Course.objects.get(combined_with=course)
    assert follower.sessions.count() == 4 and follower.session_count == 4
    partnered = follower.sessions.filter(companion_of__isnull=False)
    assert sorted(p.companion_of.start for p in partnered) == sorted(
        s.start for s in plan.sessions if s.companion is not None
    )


def test_a_combined_course_without_its_own_sessions_is_refused_with_the_count(
    registrar, clinic, prp_clinic, eligible_patient, cryo, location
):
    plan = _twelve_cryomassage_with_plasmolifting(eligible_patient, cryo, prp_clinic, location)
    with pytest.raises(ValidationError) as error:
        course_book(
            actor=registrar,
            patient=eligible_patient,
            procedure=cryo,
            location=location,
            specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
            combined_procedure=prp_clinic,
        )
    assert "Give the 2 sessions" in error.value.messages[0]
    assert not Course.objects.exists()
