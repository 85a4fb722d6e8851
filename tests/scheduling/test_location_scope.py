"""Which locations a user works at decides what she sees and books, on pages and in the API alike:
the owner (works at the course's location), a registrar or clinician of another branch, and an
anonymous visitor, for each calendar, course, session and booking door."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.locations import location_ids_of, locations_of, user_works_at
from scheduling.models import Closure, Course, SessionStatus

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from .conftest import book_course, next_weekday


@pytest.fixture
def elsewhere(db):
    return LocationFactory(name="Magadan branch", time_zone="Asia/Magadan")


@pytest.fixture
def stranger(elsewhere):
    """A registrar of another branch."""
    return UserFactory(username="registrar_far", role="registrar", locations=[elsewhere])


@pytest.fixture
def far_clinician(elsewhere):
    return UserFactory(username="clinician_far", role="clinician", locations=[elsewhere])


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location):
    return book_course(registrar, eligible_patient, cryo, location)


def api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- the one rule


@pytest.mark.django_db
def test_staff_work_at_their_locations_and_staff_attached_to_none_work_at_none(registrar, location, elsewhere):
    loose = UserFactory(role="registrar")
    admin = UserFactory(role="administrator")
    patient_user = UserFactory(role="patient", locations=[location])
    assert locations_of(registrar) == [location] and user_works_at(registrar, location)
    assert not user_works_at(registrar, elsewhere) and not user_works_at(registrar, elsewhere.pk)
    assert locations_of(loose) == [] and not user_works_at(loose, location)
    assert location_ids_of(admin) == {location.pk, elsewhere.pk}  # administrators keep every location
    assert locations_of(patient_user) == []  # a patient works nowhere, whatever is attached


@pytest.mark.django_db
def test_a_change_of_locations_is_seen_at_once(registrar, elsewhere):
    assert not user_works_at(registrar, elsewhere)
    registrar.locations.add(elsewhere)
    assert user_works_at(registrar, elsewhere)


# ---------------------------------------------------------------- calendars and free slots


@pytest.mark.django_db
def test_the_calendar_page_of_another_location_is_refused(registrar, stranger, course, location, client):
    url = f"{reverse('scheduling:calendar')}?location={location.pk}"
    owner = login(registrar).get(url)
    assert owner.status_code == 200 and f"Calendar: {location.name}" in owner.content.decode()
    refused = login(stranger).get(url)
    assert refused.status_code == 403 and course.patient.full_name not in refused.content.decode()
    assert client.get(url).status_code == 302  # to the login page


@pytest.mark.django_db
def test_the_calendar_page_without_a_location_shows_only_ones_own(stranger, course, location, elsewhere):
    page = login(stranger).get(reverse("scheduling:calendar")).content.decode()
    assert f"Calendar: {elsewhere.name}" in page
    assert location.name not in page and course.patient.full_name not in page


@pytest.mark.django_db
def test_staff_attached_to_no_location_see_no_calendar(course, location):
    loose = UserFactory(role="registrar")
    page = login(loose).get(reverse("scheduling:calendar")).content.decode()
    assert course.patient.full_name not in page and location.name not in page
    assert api(loose).get(f"/api/v1/calendar/?location={location.pk}&date=2026-12-01").status_code == 403


@pytest.mark.django_db
def test_the_calendar_api_of_another_location_is_refused(registrar, stranger, far_clinician, course, location):
    day = course.sessions.order_by("start").first().start.astimezone(location.tz).date()
    url = f"/api/v1/calendar/?location={location.pk}&date={day.isoformat()}"
    assert len(api(registrar).get(url).json()["sessions"]) == 1
    for other in (stranger, far_clinician):
        refused = api(other).get(url)
        assert refused.status_code == 403, other
        assert refused.json()["error"] == {"code": "permission_denied", "message": "You do not work at this location."}
    assert api(None).get(url).status_code == 401


@pytest.mark.django_db
def test_free_slots_of_another_location_are_refused(registrar, stranger, clinic, location, client):
    day = next_weekday(0, location.tz)
    url = f"{reverse('scheduling:free-slots')}?location={location.pk}&procedure=cryomassage-contact&date={day}"
    assert "10:00" in login(registrar).get(url).content.decode()
    assert login(stranger).get(url).status_code == 403
    assert client.get(url).status_code == 302
    page = login(stranger).get(reverse("scheduling:free-slots")).content.decode()
    assert f'value="{location.pk}"' not in page  # not even offered


# ---------------------------------------------------------------- courses and sessions


@pytest.mark.django_db
def test_the_course_page_and_api_answer_404_at_another_location(registrar, stranger, far_clinician, course, client):
    for name in ("scheduling:course", "scheduling:course-print"):
        url = reverse(name, args=[course.pk])
        assert login(registrar).get(url).status_code == 200
        assert login(stranger).get(url).status_code == 404
        assert login(far_clinician).get(url).status_code == 404
        assert client.get(url).status_code == 302
    assert api(registrar).get(f"/api/v1/courses/{course.pk}/").status_code == 200
    refused = api(stranger).get(f"/api/v1/courses/{course.pk}/")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert api(None).get(f"/api/v1/courses/{course.pk}/").status_code == 401


@pytest.mark.django_db
def test_a_registrar_of_another_branch_cannot_move_or_cancel_a_session(stranger, course, location, client):
    session = course.sessions.order_by("start")[1]
    before = session.start
    moved_to = (before + datetime.timedelta(days=1)).isoformat()
    page = login(stranger)
    day = (before.astimezone(location.tz) + datetime.timedelta(days=1)).date().isoformat()
    assert (
        page.post(reverse("scheduling:session-move", args=[session.pk]), {"day": day, "time": "12:00"}).status_code
        == 404
    )
    assert page.post(reverse("scheduling:session-cancel", args=[session.pk]), {"reason": "x"}).status_code == 404
    assert page.post(reverse("scheduling:course-cancel", args=[course.pk]), {"reason": "x"}).status_code == 404
    assert (
        api(stranger).post(f"/api/v1/sessions/{session.pk}/move/", {"start": moved_to}, format="json").status_code
        == 404
    )
    assert (
        api(stranger).post(f"/api/v1/sessions/{session.pk}/cancel/", {"reason": "x"}, format="json").status_code == 404
    )
    assert api(None).post(f"/api/v1/sessions/{session.pk}/cancel/", {"reason": "x"}, format="json").status_code == 401
    assert client.post(reverse("scheduling:session-cancel", args=[session.pk]), {"reason": "x"}).status_code == 302
    session.refresh_from_db()
    assert session.start == before and session.status == SessionStatus.SCHEDULED
    assert course.sessions.filter(status=SessionStatus.SCHEDULED).count() == 10


@pytest.mark.django_db
def test_the_owner_still_cancels_through_the_api(registrar, course):
    session = course.sessions.order_by("start")[1]
    answer = api(registrar).post(f"/api/v1/sessions/{session.pk}/cancel/", {"reason": "ill"}, format="json")
    assert answer.status_code == 200
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


@pytest.mark.django_db
def test_a_clinician_of_another_branch_cannot_record_an_outcome(far_clinician, course):
    session = course.sessions.order_by("start").first()
    answer = login(far_clinician).post(reverse("scheduling:session-outcome", args=[session.pk]), {"outcome": "no_show"})
    assert answer.status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


# ---------------------------------------------------------------- booking


def _plan_body(patient, location, first_day):
    return {
        "patient": patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "count": 10,
        "first_day": first_day.isoformat(),
        "preferred_time": "10:00",
    }


@pytest.mark.django_db
def test_the_api_refuses_to_preview_or_book_at_another_location(
    registrar, clinic, eligible_patient, location, elsewhere
):
    first = next_weekday(0, location.tz)
    preview = api(registrar).post(
        "/api/v1/courses/preview/", _plan_body(eligible_patient, location, first), format="json"
    )
    assert preview.status_code == 200 and preview.json()["bookable"]
    starts = [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview.json()["sessions"]]
    far = _plan_body(eligible_patient, elsewhere, first)
    refused = api(registrar).post("/api/v1/courses/preview/", far, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    body = {"patient": eligible_patient.pk, "procedure": "cryomassage-contact", "location": elsewhere.pk}
    booked = api(registrar).post("/api/v1/courses/", {**body, "sessions": starts}, format="json")
    assert booked.status_code == 403
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_the_api_does_not_know_a_patient_of_another_branch(stranger, clinic, eligible_patient, location, elsewhere):
    body = _plan_body(eligible_patient, elsewhere, next_weekday(0, elsewhere.tz))
    refused = api(stranger).post("/api/v1/courses/preview/", body, format="json")
    assert refused.status_code == 400 and "patient" in refused.json()["error"]["fields"]
    assert "Ivanova" not in refused.content.decode()
    assert api(None).post("/api/v1/courses/preview/", body, format="json").status_code == 401


@pytest.mark.django_db
def test_the_wizard_offers_only_ones_own_locations_and_refuses_another(
    as_registrar, stranger, clinic, eligible_patient, location, elsewhere, client
):
    url = reverse("scheduling:book", args=[eligible_patient.pk])
    page = as_registrar.get(url).content.decode()
    assert f'<option value="{location.pk}" selected>' in page
    assert f'value="{elsewhere.pk}"' not in page
    body = _plan_body(eligible_patient, elsewhere, next_weekday(0, location.tz))
    assert as_registrar.post(url, {**body, "procedure": "cryomassage-contact", "action": "preview"}).status_code == 403
    assert login(stranger).get(url).status_code == 404  # the patient is not hers
    assert client.get(url).status_code == 302
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_a_closure_of_another_branch_is_not_shown(registrar, stranger, location):
    today = datetime.date.today()
    closure = Closure.objects.create(location=location, starts_on=today, ends_on=today, reason="Burst pipe")
    assert login(registrar).get(reverse("scheduling:closure", args=[closure.pk])).status_code == 200
    assert login(stranger).get(reverse("scheduling:closure", args=[closure.pk])).status_code == 404
    assert "Burst pipe" in login(registrar).get(reverse("scheduling:closures")).content.decode()
    assert "Burst pipe" not in login(stranger).get(reverse("scheduling:closures")).content.decode()
