"""A combined visit: cryomassage ends half an hour before the other procedure begins."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Procedure
from scheduling.models import Certification, Course
from scheduling.services import SessionSpec, course_book, course_preview

from .conftest import next_weekday

HALF_AN_HOUR = datetime.timedelta(minutes=30)


@pytest.mark.django_db
@pytest.mark.parametrize("cryo_is_main", [True, False])
def test_each_pair_puts_cryomassage_first_ending_half_an_hour_before(
    cryo_is_main, cryotherapy, eligible_patient, cryo, location, registrar
):
    main, other = (cryo, cryotherapy) if cryo_is_main else (cryotherapy, cryo)
    plan = course_preview(
        patient=eligible_patient,
        procedure=main,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(11),
        combined_procedure=other,
    )
    assert plan.bookable, plan.problems
    for session in plan.sessions:
        first, second = (session, session.companion) if cryo_is_main else (session.companion, session)
        assert second.start - first.end == HALF_AN_HOUR
        assert first.start.astimezone(location.tz).date() == second.start.astimezone(location.tz).date()
    course = course_book(
        actor=registrar,
        patient=eligible_patient,
        procedure=main,
        location=location,
        specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        combined_procedure=other,
    )
    companion = Course.objects.get(combined_with=course)
    assert companion.procedure == other and companion.sessions.count() == 10
    pairs = zip(course.sessions.order_by("start"), companion.sessions.order_by("start"), strict=True)
    for a, b in pairs:
        first, second = (a, b) if cryo_is_main else (b, a)
        assert second.start - first.end == HALF_AN_HOUR


@pytest.mark.django_db
def test_a_combined_visit_is_booked_whole_or_not_at_all(cryotherapy, eligible_patient, cryo, location, registrar):
    Certification.objects.filter(procedure=cryotherapy).delete()  # nobody may do the second procedure now
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(11),
    )
    with pytest.raises(ValidationError, match="not certified"):
        course_book(
            actor=registrar,
            patient=eligible_patient,
            procedure=cryo,
            location=location,
            specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
            combined_procedure=cryotherapy,
        )
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_two_procedures_without_a_lead_cannot_be_combined(cryotherapy, eligible_patient, location, registrar):
    prp = Procedure.objects.get(slug="plasmolifting")
    with pytest.raises(ValidationError, match="pairs a procedure done first"):
        course_preview(
            patient=eligible_patient,
            procedure=prp,
            location=location,
            count=4,
            first_day=next_weekday(0, location.tz),
            combined_procedure=cryotherapy,
        )


@pytest.mark.django_db
def test_api_previews_and_books_a_combined_visit(cryotherapy, eligible_patient, cryo, location, registrar):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(registrar)
    body = {
        "patient": eligible_patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "count": 10,
        "first_day": next_weekday(0, location.tz).isoformat(),
        "preferred_time": "11:00",
        "combined_procedure": "cryotherapy-post-procedure",
    }
    preview = client.post("/api/v1/courses/preview/", body, format="json").json()
    assert preview["bookable"], preview
    first = preview["sessions"][0]
    gap = datetime.datetime.fromisoformat(
        first["combined"]["start"].replace("Z", "+00:00")
    ) - datetime.datetime.fromisoformat(first["end"].replace("Z", "+00:00"))
    assert gap == HALF_AN_HOUR
    booked = client.post(
        "/api/v1/courses/",
        {
            "patient": eligible_patient.pk,
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "combined_procedure": "cryotherapy-post-procedure",
            "sessions": [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview["sessions"]],
        },
        format="json",
    )
    assert booked.status_code == 201, booked.content
    assert Course.objects.get(combined_with_id=booked.json()["id"]).sessions.count() == 10
