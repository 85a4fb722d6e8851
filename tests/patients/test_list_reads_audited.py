"""Reading many patients at once is audited: one event naming the records returned, not one per row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent

from ..conftest import login
from ..factories import PatientFactory


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def reads(**filters):
    return list(AuditEvent.objects.filter(action="view_list", **filters).order_by("id"))


def queries_of(get) -> tuple[int, int]:
    """(queries, audit inserts) of one request, leaving out savepoints and the session row."""
    with CaptureQueriesContext(connection) as ctx:
        response = get()
    assert response.status_code == 200, response.status_code
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"] and "django_session" not in q["sql"]]
    return len(sql), sum(s.startswith('INSERT INTO "audit_auditevent"') for s in sql)


@pytest.mark.django_db
def test_the_patients_api_list_is_one_audit_event_naming_every_patient_returned(registrar, location):
    patients = PatientFactory.create_batch(43, home_location=location, notes="private note")

    body = api(registrar).get("/api/v1/patients/", {"limit": 1000}).json()

    assert len(body["results"]) == 43
    [event] = reads(actor=registrar)
    assert event.patient_id is None
    assert event.record_type == "patients.patient"
    assert sorted(event.detail["ids"]) == sorted(p.pk for p in patients)
    assert event.detail["count"] == 43
    assert event.detail["path"] == "/api/v1/patients/"


@pytest.mark.django_db
def test_the_patients_api_list_pays_one_insert_whatever_the_number_of_patients(registrar, location):
    client = api(registrar)
    PatientFactory.create_batch(3, home_location=location)
    client.get("/api/v1/patients/")  # the first request also caches the user's roles
    few = queries_of(lambda: client.get("/api/v1/patients/", {"limit": 1000}))
    PatientFactory.create_batch(40, home_location=location)
    many = queries_of(lambda: client.get("/api/v1/patients/", {"limit": 1000}))
    assert few == many
    assert many[1] == 1


@pytest.mark.django_db
def test_an_empty_search_result_reads_nobody_and_writes_nothing(registrar, patient):
    assert api(registrar).get("/api/v1/patients/", {"q": "Nobody Atall"}).json()["results"] == []
    assert reads() == []


@pytest.mark.django_db
def test_the_patient_list_page_is_one_audit_event_naming_the_patients_shown(as_registrar, registrar, location):
    patients = PatientFactory.create_batch(3, home_location=location)
    few = queries_of(lambda: as_registrar.get("/patients/?q=Number"))
    PatientFactory.create_batch(30, home_location=location)
    many = queries_of(lambda: as_registrar.get("/patients/?q=Number"))
    assert few[0] == many[0] and few[1] == many[1] == 1
    first, second = reads(actor=registrar)
    assert sorted(first.detail["ids"]) == sorted(p.pk for p in patients)
    assert second.detail["count"] == 33 and second.detail["path"] == "/patients/"


@pytest.mark.django_db
def test_the_data_protection_search_is_audited(administrator, patient, other_patient):
    page = login(administrator).get(reverse("records:data-protection"), {"q": "Ivanova"})
    assert patient.full_name in page.content.decode()
    [event] = reads(actor=administrator)
    assert event.detail["ids"] == [patient.pk]


@pytest.mark.django_db
def test_the_eligibility_api_is_an_audit_event_of_that_patient(registrar, patient, cryo):
    response = api(registrar).get(f"/api/v1/patients/{patient.pk}/eligibility/", {"procedure": cryo.slug})
    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(actor=registrar, record_type="procedures.eligibility")
    assert (event.action, event.patient_id) == ("view", patient.pk)
    assert event.detail["eligibility"] == cryo.slug and event.detail["eligible"] is False


@pytest.mark.django_db
def test_the_export_of_a_patient_names_the_lists_that_showed_them(as_registrar, administrator, patient, other_patient):
    from records.services import export_patient

    as_registrar.get("/patients/", {"q": "Smirnova"})  # shows the other patient only
    as_registrar.get("/patients/")
    data = export_patient(actor=administrator, patient=patient)
    lists = [e for e in data["access_log"] if e["action"] == "view_list"]
    assert [(e["actor_name"], e["record_type"]) for e in lists] == [("registrar1", "patients.patient")]
