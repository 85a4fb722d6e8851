"""API times must carry their UTC offset: a bare "2026-12-24T10:30:00" would be read in the server's
zone, which is nobody's clinic. Tested at a Magadan branch (UTC+11), far from the server's Moscow."""

import datetime

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from scheduling.models import Course

from ..factories import LocationFactory
from .conftest import book_course, next_weekday


@pytest.fixture
def location(db):
    return LocationFactory(name="Magadan branch", time_zone="Asia/Magadan")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_field_refuses_a_time_without_an_offset_in_plain_words():
    from rest_framework.exceptions import ValidationError

    from core.api import AwareDateTimeField

    field = AwareDateTimeField()
    assert field.run_validation("2026-12-24T10:30:00+11:00") == datetime.datetime(
        2026, 12, 23, 23, 30, tzinfo=datetime.UTC
    )
    assert field.run_validation("2026-12-23T23:30:00Z") == datetime.datetime(2026, 12, 23, 23, 30, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as refused:
        field.run_validation("2026-12-24T10:30:00")
    assert refused.value.detail[0].code == "offset_required"
    assert "UTC offset" in str(refused.value.detail[0])
    with translation.override("ru"), pytest.raises(ValidationError) as refused_ru:
        AwareDateTimeField().run_validation("2026-12-24T10:30:00")
    assert "смещ" in str(refused_ru.value.detail[0])  # "со смещением от UTC"


@pytest.mark.django_db
def test_moving_a_session_to_a_time_without_an_offset_is_refused_and_changes_nothing(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    session = course.sessions.order_by("start")[1]
    before = (session.start, session.sequence)
    day = session.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    naive = f"{day.isoformat()}T10:30:00"
    refused = api(registrar).post(
        f"/api/v1/sessions/{session.pk}/move/", {"start": naive, "shift_following": True}, format="json"
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "offset_required" and "UTC offset" in error["fields"]["start"][0]
    session.refresh_from_db()
    assert (session.start, session.sequence) == before


@pytest.mark.django_db
def test_a_time_with_its_offset_lands_at_that_local_time(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    session = course.sessions.order_by("start")[1]
    day = session.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    moved = api(registrar).post(
        f"/api/v1/sessions/{session.pk}/move/",
        {"start": f"{day.isoformat()}T10:30:00+11:00", "shift_following": True},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    session.refresh_from_db()
    assert session.start.astimezone(location.tz).replace(tzinfo=None) == datetime.datetime.combine(
        day, datetime.time(10, 30)
    )


@pytest.mark.django_db
def test_booking_with_a_session_time_without_an_offset_is_refused(registrar, clinic, eligible_patient, location):
    day = next_weekday(0, location.tz)
    body = {
        "patient": eligible_patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "sessions": [{"start": f"{day.isoformat()}T10:00:00", "clinician": clinic[0].pk}],
    }
    refused = api(registrar).post("/api/v1/courses/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "offset_required"
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_an_ice_test_time_without_an_offset_is_refused(clinician, patient):
    body = {"area": "nape", "exposure_seconds": 10, "performed_at": "2026-11-20T10:30:00"}
    refused = api(clinician).post(f"/api/v1/patients/{patient.pk}/ice-tests/", body, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "offset_required"
    from procedures.models import IceTest

    assert not IceTest.objects.filter(patient=patient).exists()
