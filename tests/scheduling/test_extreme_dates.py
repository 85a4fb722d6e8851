"""Dates at the edges of the calendar (year 1, year 9999) get a clear 400, never a 500; a patient
with an odd record stored before the range was enforced still has a worklist and a preview."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scheduling.models import Session

from ..conftest import login
from ..helpers import store_odd_ice_test
from .conftest import book_course, next_weekday

EXTREMES = ["0001-01-01", "9999-12-31"]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES)
def test_the_calendar_page_and_api_refuse_an_extreme_date(day, registrar, location):
    page = login(registrar).get(reverse("scheduling:calendar"), {"date": day})
    assert page.status_code == 400
    assert "Enter a date from" in page.content.decode()
    answer = api(registrar).get("/api/v1/calendar/", {"location": location.pk, "date": day})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "date_out_of_range"
    assert set(answer.json()["error"]["fields"]) == {"date"}


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES)
def test_the_worklist_and_free_slots_refuse_an_extreme_date(day, registrar, clinician, location, cryo):
    worklist = login(clinician).get(reverse("scheduling:worklist"), {"date": day})
    assert worklist.status_code == 400
    assert "Enter a date from" in worklist.content.decode()
    slots = login(registrar).get(
        reverse("scheduling:free-slots"), {"location": location.pk, "procedure": cryo.slug, "date": day}
    )
    assert slots.status_code == 400
    assert "Enter a date from" in slots.content.decode()


@pytest.mark.django_db
def test_a_worklist_date_that_is_not_a_date_is_a_400_too(clinician):
    response = login(clinician).get(reverse("scheduling:worklist"), {"date": "soon"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES)
def test_the_preview_api_refuses_an_extreme_first_day(day, registrar, patient, location):
    body = {
        "patient": patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "count": 10,
        "first_day": day,
    }
    response = api(registrar).post("/api/v1/courses/preview/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"first_day"}


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00+03:00", "9999-12-31T23:00:00-05:00"])
def test_moving_or_booking_a_session_to_an_extreme_time_is_refused(start, registrar, clinic, eligible_patient, cryo):
    course = book_course(registrar, eligible_patient, cryo, eligible_patient.home_location)
    session = course.sessions.order_by("start").first()
    before = list(Session.objects.order_by("pk").values_list("pk", "start"))
    client = api(registrar)
    moved = client.post(f"/api/v1/sessions/{session.pk}/move/", {"start": start}, format="json")
    assert moved.status_code == 400
    assert set(moved.json()["error"]["fields"]) == {"start"}
    body = {
        "patient": eligible_patient.pk,
        "procedure": cryo.slug,
        "location": eligible_patient.home_location_id,
        "sessions": [{"start": start, "clinician": clinic[0].pk}],
    }
    booked = client.post("/api/v1/courses/", body, format="json")
    assert booked.status_code == 400
    assert list(Session.objects.order_by("pk").values_list("pk", "start")) == before


@pytest.mark.django_db
@pytest.mark.parametrize("day", EXTREMES)
def test_the_move_form_says_why_an_extreme_date_is_refused(
    day, as_registrar, registrar, clinic, eligible_patient, cryo
):
    course = book_course(registrar, eligible_patient, cryo, eligible_patient.home_location)
    session = course.sessions.order_by("start").first()
    response = as_registrar.post(
        reverse("scheduling:session-move", args=[session.pk]), {"day": day, "time": "10:00"}, follow=True
    )
    assert "Enter a date from" in response.content.decode()
    assert Session.objects.get(pk=session.pk).start == session.start


@pytest.mark.django_db
def test_an_odd_ice_test_leaves_the_worklist_and_the_preview_working(
    registrar, clinician, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    first = course.sessions.order_by("start").first()
    store_odd_ice_test(patient=eligible_patient, signed_by=clinician)
    day = first.start.astimezone(location.tz).date().isoformat()
    worklist = login(first.clinician).get(reverse("scheduling:worklist"), {"date": day})
    assert worklist.status_code == 200
    assert eligible_patient.full_name in worklist.content.decode()
    calendar = login(registrar).get(reverse("scheduling:calendar"), {"location": location.pk, "date": day})
    assert calendar.status_code == 200  # the grid reads the facts in its own query, clamped the same way
    assert eligible_patient.full_name in calendar.content.decode()
    body = {
        "patient": eligible_patient.pk,
        "procedure": cryo.slug,
        "location": location.pk,
        "count": 10,
        "first_day": next_weekday(2, location.tz, after_days=40).isoformat(),
    }
    preview = api(registrar).post("/api/v1/courses/preview/", body, format="json")
    assert preview.status_code == 200
    page = login(registrar).post(
        reverse("scheduling:book", args=[eligible_patient.pk]),
        {"procedure": cryo.slug, "location": location.pk, "count": 10, "first_day": body["first_day"]},
    )
    assert page.status_code == 200
