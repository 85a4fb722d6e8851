"""Calendars, day lists, closure pages and the inbox show many patients: each read is one audit event."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from scheduling.models import BookingRequest, Closure

from ..conftest import login
from ..factories import PatientFactory
from .conftest import book_course, next_weekday
from .test_pages_and_api import _make_eligible


def reads(**filters):
    return list(AuditEvent.objects.filter(action="view_list", **filters).order_by("id"))


def audit_inserts(get) -> tuple[int, int]:
    """(queries, audit inserts) of one request, leaving out savepoints and the session row."""
    with CaptureQueriesContext(connection) as ctx:
        response = get()
    assert response.status_code == 200, response.status_code
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"] and "django_session" not in q["sql"]]
    return len(sql), sum(s.startswith('INSERT INTO "audit_auditevent"') for s in sql)


@pytest.fixture
def two_courses(registrar, clinic, eligible_patient, cryo, location):
    """Two patients with a course from the same Monday, at 10:00 and 12:00."""
    first = next_weekday(0, location.tz)
    other = PatientFactory(home_location=location)
    _make_eligible(other, cryo)
    return first, [
        book_course(registrar, eligible_patient, cryo, location, first_day=first),
        book_course(registrar, other, cryo, location, first_day=first, hour=12),
    ]


def sessions_on(courses, day, tz):
    return sorted(s.pk for c in courses for s in c.sessions.all() if s.start.astimezone(tz).date() == day)


@pytest.mark.django_db
def test_the_calendar_api_is_one_audit_event_naming_the_sessions_and_patients(clinician, two_courses, location):
    first, courses = two_courses
    client = APIClient()
    client.force_authenticate(clinician)
    url = f"/api/v1/calendar/?location={location.pk}&date={first.isoformat()}"

    data = client.get(url).json()

    [event] = reads(actor=clinician)
    assert event.record_type == "scheduling.session" and event.patient_id is None
    assert (
        sorted(event.detail["ids"])
        == sorted(s["id"] for s in data["sessions"])
        == sessions_on(courses, first, location.tz)
    )
    assert event.detail["patients"] == sorted(c.patient_id for c in courses)


@pytest.mark.django_db
def test_the_calendar_page_pays_one_insert_whatever_the_sessions(
    as_registrar, registrar, clinic, eligible_patient, cryo, location
):
    first = next_weekday(0, location.tz)
    url = f"{reverse('scheduling:calendar')}?location={location.pk}&date={first.isoformat()}&view=week"
    courses = [book_course(registrar, eligible_patient, cryo, location, first_day=first)]
    few = audit_inserts(lambda: as_registrar.get(url))
    for hour in (12, 14):
        other = PatientFactory(home_location=location)
        _make_eligible(other, cryo)
        courses.append(book_course(registrar, other, cryo, location, first_day=first, hour=hour))
    many = audit_inserts(lambda: as_registrar.get(url))
    assert few == many and many[1] == 1
    event = reads(actor=registrar)[-1]
    assert len(event.detail["ids"]) == 9  # three days of the week for each course
    assert event.detail["patients"] == sorted(c.patient_id for c in courses)


@pytest.mark.django_db
def test_an_empty_calendar_day_writes_no_event(as_registrar, registrar, clinic, location):
    url = f"{reverse('scheduling:calendar')}?location={location.pk}&date={next_weekday(6, location.tz).isoformat()}"
    assert as_registrar.get(url).status_code == 200
    assert reads(actor=registrar) == []


@pytest.mark.django_db
def test_the_worklist_is_one_audit_event(two_courses, location):
    first, courses = two_courses
    session = courses[0].sessions.order_by("start").first()
    doctor = login(session.clinician)
    assert doctor.get(f"{reverse('scheduling:worklist')}?date={first.isoformat()}").status_code == 200
    [event] = reads(actor=session.clinician)
    mine = [s.pk for c in courses for s in c.sessions.all() if s.clinician_id == session.clinician_id]
    assert set(event.detail["ids"]) <= set(mine) and session.pk in event.detail["ids"]


@pytest.mark.django_db
def test_the_closure_page_is_one_audit_event(as_registrar, registrar, two_courses, location):
    first, courses = two_courses
    closure = Closure.objects.create(location=location, starts_on=first, ends_on=first, reason="Burst pipe")
    assert as_registrar.get(reverse("scheduling:closure", args=[closure.pk])).status_code == 200
    [event] = reads(actor=registrar)
    assert sorted(event.detail["ids"]) == sessions_on(courses, first, location.tz)


@pytest.mark.django_db
def test_the_request_inbox_is_one_audit_event(as_registrar, registrar, patient):
    requests = [
        BookingRequest.objects.create(name="Anna", phone="+79160001122"),
        BookingRequest.objects.create(name="Maria", phone="+79161234567", patient=patient),
    ]
    assert as_registrar.get(reverse("scheduling:requests")).status_code == 200
    [event] = reads(actor=registrar)
    assert event.record_type == "scheduling.bookingrequest"
    assert sorted(event.detail["ids"]) == sorted(r.pk for r in requests)
    assert event.detail["patients"] == [patient.pk]
