"""Rules with one home: the session-count bounds and "session n of m" read the same wherever they are asked."""

import pytest
from django.urls import reverse

from reminders.models import Dispatch
from scheduling.forms import BookingForm
from scheduling.models import Session
from scheduling.planner import Rules, count_problems
from scheduling.progress import course_progress, session_number, session_numbers, with_session_number
from scheduling.selectors import course_with_sessions
from scheduling.services import session_cancel

from ..conftest import login
from .conftest import book_course, next_weekday
from .test_course_engine import _started


@pytest.mark.django_db
def test_the_booking_form_refuses_a_count_out_of_bounds_in_the_planners_words(cryo, location):
    too_many = cryo.max_sessions + 1
    data = {"procedure": cryo.slug, "location": location.pk, "first_day": next_weekday(0, location.tz)}
    form = BookingForm(data={**data, "count": too_many})
    assert not form.is_valid()
    assert form.errors["count"] == count_problems(Rules.of(cryo), too_many) != []
    assert "count" not in BookingForm(data={**data, "count": cryo.min_sessions}).errors


@pytest.mark.django_db
def test_session_n_of_m_is_the_same_in_memory_in_a_batch_and_for_one_session(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location, count=10)
    third = course.sessions.order_by("start")[2]
    session_cancel(actor=registrar, session=third, reason="ill")
    sessions = list(course.sessions.select_related("course").order_by("start"))
    in_memory = session_numbers(sessions)
    assert third.pk not in in_memory and in_memory[sessions[3].pk] == (3, 10)
    batch = with_session_number(Session.objects.filter(course=course).select_related("course"))
    assert {s.pk: session_number(s, s.session_number) for s in batch if s.pk in in_memory} == in_memory
    assert {s.pk: session_number(s) for s in sessions if s.pk in in_memory} == in_memory
    _, page_sessions = course_with_sessions(course.pk)
    assert [s.number for s in page_sessions] == [1, 2, None, *range(3, 10)]


@pytest.mark.django_db
def test_a_dispatch_batch_reads_its_sessions_place_in_the_same_query(
    registrar, clinic, eligible_patient, cryo, location, django_assert_num_queries
):
    course = book_course(registrar, eligible_patient, cryo, location, count=10)
    fifth = course.sessions.order_by("start")[4]
    made = Dispatch.objects.create(
        session=fifth,
        kind="before_24h",
        channel="email",
        sequence=fifth.sequence,
        due_at=fifth.start,
        not_before=fifth.start,
    )
    with django_assert_num_queries(1):
        (dispatch,) = with_session_number(
            Dispatch.objects.filter(pk=made.pk).select_related("session__course"), "session__"
        )
        assert session_number(dispatch.session, dispatch.session_number) == (5, 10)


@pytest.mark.django_db
def test_course_progress_counts_completed_of_the_booked_count(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location, count=10)
    sessions = list(course.sessions.order_by("start"))
    Session.objects.filter(pk__in=[s.pk for s in sessions[:3]]).update(status="completed")
    progress = course_progress(course, list(course.sessions.order_by("start")))
    assert (progress.done, progress.total, progress.percent) == (3, 10, 30)
    assert progress.dots == ["completed"] * 3 + ["scheduled"] * 7


@pytest.mark.django_db
def test_the_course_page_offers_each_action_by_status_compared_with_the_choices(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location, count=10)
    url = reverse("scheduling:course", args=[course.pk])
    page = login(registrar).get(url).content.decode()
    assert page.count("Cancel session") == 10 and "Cancel the whole course" in page
    first, second = course.sessions.order_by("start")[:2]
    session_cancel(actor=registrar, session=second, reason="ill")
    page = login(registrar).get(url).content.decode()
    assert page.count("Cancel session") == 9 and page.count("Add a replacement at the end") == 1
    _started(first)
    page = login(first.clinician).get(url).content.decode()
    assert 'name="outcome" value="completed"' in page and 'name="outcome" value="no_show"' in page


def test_a_reason_after_a_colon_starts_small_unless_it_is_an_abbreviation():
    from scheduling.selectors import after_colon

    assert after_colon("Холодовая проба не пройдена") == "холодовая проба не пройдена"
    assert after_colon("ПРП не проводится при анемии") == "ПРП не проводится при анемии"
    assert after_colon("") == "" and after_colon("A") == "A"
