"""Liquid nitrogen: readings, the forecast from booked sessions, the page, the API and the warning."""

import datetime
import email
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from procedures.models import Procedure
from scheduling.models import Dewar, NitrogenAlert, NitrogenReading, Resource
from scheduling.services.dewars import nitrogen_alerts_raise, nitrogen_alerts_send, nitrogen_reading_record

from ..conftest import login
from ..factories import LocationFactory, ResourceFactory, UserFactory
from ..helpers import SmtpSink, free_port
from .conftest import book_course
from .test_pages_and_api import api

pytestmark = pytest.mark.django_db


@pytest.fixture
def dewar(clinic, location):
    resource = Resource.objects.get(location=location, name="Dewar A")
    return Dewar.objects.create(
        resource=resource,
        capacity_litres=Decimal("35"),
        daily_loss_litres=Decimal("0.22"),
        reserve_litres=Decimal("5"),
        refill_lead_days=2,
    )


def read(dewar, actor, litres, *, kind="refill", hours_ago=1):
    return nitrogen_reading_record(
        actor=actor,
        dewar=dewar,
        kind=kind,
        litres=litres,
        measured_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_booked_sessions_on_the_dewar_use_their_procedures_litres_in_the_forecast(
    dewar, registrar, clinician, eligible_patient, cryo, location
):
    Procedure.objects.filter(pk=cryo.pk).update(nitrogen_litres_per_session=Decimal("0.5"))
    cryo.refresh_from_db()
    read(dewar, clinician, "20")
    course = book_course(registrar, eligible_patient, cryo, location)
    response = login(registrar).get(f"/scheduling/nitrogen/{dewar.pk}/")
    assert response.status_code == 200
    days = response.context["state"].forecast.days
    booked = {s.start.astimezone(location.tz).date() for s in course.sessions.all() if s.start.date() <= days[-1].day}
    assert {d.day for d in days if d.sessions == 1} == booked
    assert all(d.used == Decimal("0.50") for d in days if d.sessions == 1)
    # Every booked session's half-litre and the daily loss come off the level.
    total_used = sum(d.used for d in days)
    assert total_used == Decimal("0.5") * len(booked)


def test_a_reading_in_kilograms_becomes_litres_and_is_audited(dewar, clinician):
    reading = nitrogen_reading_record(actor=clinician, dewar=dewar, kind="refill", weight_kg="24.3")
    assert reading.litres == Decimal("30.00") and reading.weight_kg == Decimal("24.30")
    assert AuditEvent.objects.filter(record_type="nitrogen_reading", record_id=reading.pk, actor=clinician).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "refill"}, "one of the two"),
        ({"kind": "refill", "litres": "10", "weight_kg": "8"}, "one of the two"),
        ({"kind": "refill", "litres": "40"}, "more than the dewar holds"),
        ({"kind": "refill", "litres": "-1"}, "zero or more"),
        ({"kind": "refill", "litres": "abc"}, "Enter a number"),
        ({"kind": "weighing", "litres": "25"}, "record it as a refill"),
        ({"kind": "weighing", "litres": "10", "hours_ago": 5}, "A later reading is already recorded"),
        ({"kind": "weighing", "litres": "10", "hours_ago": -1}, "cannot be in the future"),
        ({"kind": "spill", "litres": "10"}, "refill or a weighing"),
    ],
)
def test_a_bad_reading_is_refused_with_its_reason_and_nothing_is_saved(dewar, clinician, kwargs, message):
    read(dewar, clinician, "20")
    hours_ago = kwargs.pop("hours_ago", 0)
    before = NitrogenReading.objects.count()
    with pytest.raises(Exception) as error:
        nitrogen_reading_record(
            actor=clinician, dewar=dewar, measured_at=timezone.now() - datetime.timedelta(hours=hours_ago), **kwargs
        )
    assert message in str(error.value)
    assert NitrogenReading.objects.count() == before


def test_staff_of_the_location_record_a_reading_on_the_page(dewar, registrar):
    client = login(registrar)
    page = client.get(f"/scheduling/nitrogen/{dewar.pk}/")
    assert "Record a reading" in page.content.decode()
    response = client.post(f"/scheduling/nitrogen/{dewar.pk}/", {"kind": "refill", "litres": "33.5"})
    assert response.status_code == 302
    assert dewar.readings.get().litres == Decimal("33.50")
    bad = client.post(f"/scheduling/nitrogen/{dewar.pk}/", {"kind": "weighing"})
    assert bad.status_code == 400 and "Give the level in litres" in bad.content.decode()
    assert dewar.readings.count() == 1


def test_a_dewar_of_another_location_is_not_found_and_patients_are_refused(dewar, patient_user):
    elsewhere = LocationFactory(name="Other branch")
    stranger = UserFactory(role="registrar", locations=[elsewhere])
    assert login(stranger).get(f"/scheduling/nitrogen/{dewar.pk}/").status_code == 404
    assert (
        login(stranger).post(f"/scheduling/nitrogen/{dewar.pk}/", {"kind": "refill", "litres": "5"}).status_code == 404
    )
    assert dewar.pk not in [r["state"].dewar.pk for r in login(stranger).get("/scheduling/nitrogen/").context["rows"]]
    assert login(patient_user).get("/scheduling/nitrogen/").status_code == 403
    assert not dewar.readings.exists()


def test_the_nitrogen_page_costs_the_same_queries_however_many_dewars(dewar, clinician, administrator, location):
    read(dewar, clinician, "20")
    client = login(administrator)
    client.get("/scheduling/nitrogen/")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/scheduling/nitrogen/").status_code == 200
    for n in range(3):
        other = ResourceFactory(location=location, name=f"Dewar {n}", kind_slug="nitrogen-dewar")
        more = Dewar.objects.create(resource=other, capacity_litres=10, daily_loss_litres=Decimal("0.3"))
        read(more, clinician, "8")
    with CaptureQueriesContext(connection) as four:
        response = client.get("/scheduling/nitrogen/")
    assert len(response.context["rows"]) == 4
    assert len(four) == len(one)


def test_a_low_forecast_warns_the_administrators_once_by_email(dewar, clinician, administrator, settings):
    administrator.email = "admin@clinic.example"
    administrator.save()
    read(dewar, clinician, "5.5")  # under the 5 l reserve within three days: order today
    assert nitrogen_alerts_raise() == 1
    assert nitrogen_alerts_raise() == 0  # the same reading: no second warning
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpSink() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        assert nitrogen_alerts_send() == 1
        assert nitrogen_alerts_send() == 0
    assert len(smtp.raw) == 1
    message = email.message_from_bytes(smtp.raw[0])
    assert "Dewar A" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert "order it by" in body and "/scheduling/nitrogen/" in body
    assert NitrogenAlert.objects.get().sent_at is not None


def test_a_warning_not_sent_while_the_mail_server_is_down_goes_on_the_next_run(
    dewar, clinician, administrator, settings
):
    administrator.email = "admin@clinic.example"
    administrator.save()
    read(dewar, clinician, "5.5")
    nitrogen_alerts_raise()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    assert nitrogen_alerts_send() == 0
    assert NitrogenAlert.objects.get().sent_at is None
    with SmtpSink() as smtp:
        settings.EMAIL_PORT = smtp.port
        assert nitrogen_alerts_send() == 1
    assert len(smtp.raw) == 1


def test_enough_nitrogen_raises_no_warning(dewar, clinician):
    read(dewar, clinician, "30")
    assert nitrogen_alerts_raise() == 0


def test_the_api_lists_forecasts_and_takes_a_reading_with_json_errors(dewar, clinician, patient_user):
    client = api(clinician)
    created = client.post(f"/api/v1/dewars/{dewar.pk}/readings/", {"kind": "refill", "litres": "30"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["last_reading"]["litres"] == "30.00"
    listed = client.get("/api/v1/dewars/").json()
    assert listed[0]["id"] == dewar.pk and len(listed[0]["days"]) >= 30
    too_much = client.post(f"/api/v1/dewars/{dewar.pk}/readings/", {"kind": "refill", "litres": "99"}, format="json")
    assert too_much.status_code == 400
    assert "more than the dewar holds" in str(too_much.json())
    assert api(patient_user).get("/api/v1/dewars/").status_code == 403
    assert dewar.readings.count() == 1


def test_the_administrators_dashboard_names_the_dewar_to_refill(dewar, clinician, administrator):
    client = login(administrator)
    assert "nitrogen-alerts" not in client.get("/admin/").content.decode()
    read(dewar, clinician, "5.5")
    page = client.get("/admin/").content.decode()
    assert "nitrogen-alerts" in page and "Dewar A" in page and "order a refill by" in page


def _dry_in_a_few_days(dewar, clinician):
    # 3 l losing 0.22 a day plus half a litre a session: dry within the first days of a course.
    read(dewar, clinician, "3")


def test_booking_on_days_the_dewar_runs_dry_is_a_warning_by_default(
    dewar, registrar, clinician, eligible_patient, cryo, location
):
    from scheduling.services import course_preview

    from .conftest import next_weekday

    Procedure.objects.filter(pk=cryo.pk).update(nitrogen_litres_per_session=Decimal("0.5"))
    cryo.refresh_from_db()
    _dry_in_a_few_days(dewar, clinician)
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
    )
    assert plan.bookable
    assert any("Dewar A is forecast to run dry" in w for w in plan.warnings)
    course = book_course(registrar, eligible_patient, cryo, location)  # a warning does not stop the booking
    assert course.sessions.count() == 10


def test_booking_on_days_the_dewar_runs_dry_is_refused_where_the_clinic_says_so(
    dewar, registrar, clinician, eligible_patient, cryo, location
):
    from scheduling.models import Course
    from scheduling.services import SessionSpec, course_book, course_preview

    from .conftest import next_weekday

    Procedure.objects.filter(pk=cryo.pk).update(nitrogen_litres_per_session=Decimal("0.5"))
    cryo.refresh_from_db()
    Dewar.objects.filter(pk=dewar.pk).update(refuse_when_dry=True)
    _dry_in_a_few_days(dewar, clinician)
    plan = course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
    )
    assert not plan.bookable
    assert any("Record a refill on the Nitrogen page" in p for p in plan.problems)
    with pytest.raises(Exception) as refused:
        course_book(
            actor=registrar,
            patient=eligible_patient,
            procedure=cryo,
            location=location,
            specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        )
    assert "forecast to run dry" in str(refused.value)
    assert not Course.objects.filter(patient=eligible_patient).exists()
    # A refill recorded: the same booking goes ahead.
    read(dewar, clinician, "30", hours_ago=0)
    assert course_preview(
        patient=eligible_patient,
        procedure=cryo,
        location=location,
        count=10,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
    ).bookable


def test_a_procedure_that_needs_no_dewar_costs_one_query_for_the_nitrogen_check(dewar, clinician, location):
    from scheduling.services.dewars import nitrogen_booking_check

    prp = Procedure.objects.get(slug="plasmolifting")
    _dry_in_a_few_days(dewar, clinician)
    with CaptureQueriesContext(connection) as queries:
        found = nitrogen_booking_check(procedure=prp, location=location, starts=[timezone.now()])
    assert found == ([], []) and len(queries) == 1


def test_a_refill_already_late_says_order_now_not_a_past_date(dewar, clinician, registrar):
    read(dewar, clinician, "5.2")  # under the 5 l reserve tomorrow: the order-by day (2 days before) has passed
    page = login(registrar).get(f"/scheduling/nitrogen/{dewar.pk}/").content.decode()
    assert "order a refill now: under the reserve on" in page
    assert "order a refill by" not in page


def test_the_page_names_the_procedures_whose_litres_a_session_are_not_set(dewar, clinician, registrar, cryo):
    client = login(registrar)
    page = client.get("/scheduling/nitrogen/").content.decode()
    assert 'id="unmeasured"' in page
    assert cryo.name in page.split('id="unmeasured"')[1].split("</div>")[0]
    Procedure.objects.filter(resource_kinds__slug="nitrogen-dewar").update(nitrogen_litres_per_session=Decimal("0.4"))
    assert 'id="unmeasured"' not in client.get("/scheduling/nitrogen/").content.decode()
