"""The waiting list's pages: the front desk's list and form (their locations only), the patient's block and form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from scheduling.models import WaitlistEntry, WaitlistStatus, WaitlistVia

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from ..helpers import page_queries
from .waitlist_helpers import join

pytestmark = pytest.mark.django_db


def _form(location, cryo, **extra):
    today = timezone.localdate(timezone=location.tz)
    return {
        "procedure": cryo.pk,
        "location": location.pk,
        "earliest_on": today.isoformat(),
        "latest_on": (today + datetime.timedelta(days=20)).isoformat(),
        "weekdays": ["0", "2"],
        "time_from": "09:00",
        "time_to": "13:00",
        **extra,
    }


def test_a_registrar_puts_a_patient_on_the_list_from_the_patient_page(as_registrar, patient, cryo, location):
    record = as_registrar.get(reverse("patient-detail", args=[patient.pk]))
    assert reverse("scheduling:waitlist-add", args=[patient.pk]) in record.content.decode()
    answer = as_registrar.post(reverse("scheduling:waitlist-add", args=[patient.pk]), _form(location, cryo))
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.patient, entry.weekdays, entry.via, entry.sessions) == (patient, [0, 2], "desk", cryo.min_sessions)
    assert AuditEvent.objects.filter(action=Action.CREATE, record_type="scheduling.waitlistentry").exists()


def test_a_bad_window_is_a_form_error_and_nothing_is_saved(as_registrar, patient, cryo, location):
    answer = as_registrar.post(
        reverse("scheduling:waitlist-add", args=[patient.pk]), _form(location, cryo, time_from="14:00")
    )
    assert answer.status_code == 400
    assert "The end of the time window must be after its start." in answer.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_the_list_shows_the_entries_in_order_with_pinned_queries_and_audits_the_read(
    as_registrar, registrar, cryo, location
):
    patients = PatientFactory.create_batch(3, home_location=location)
    for patient in patients:
        join(registrar, patient, cryo, location)
    url = reverse("scheduling:waitlist")
    body = as_registrar.get(url).content.decode()
    positions = [body.index(p.full_name) for p in patients]
    assert positions == sorted(positions)
    queries = page_queries(as_registrar, url)
    join(registrar, PatientFactory(home_location=location), cryo, location)
    assert page_queries(as_registrar, url) == queries  # one more entry, no more queries
    assert AuditEvent.objects.filter(action=Action.VIEW_LIST, record_type="scheduling.waitlistentry").exists()


def test_a_registrar_of_another_location_neither_sees_nor_withdraws_the_entry(registrar, patient, cryo, location):
    entry = join(registrar, patient, cryo, location)
    elsewhere = UserFactory(role="registrar", locations=[LocationFactory(name="Other branch")])
    client = login(elsewhere)
    assert patient.full_name not in client.get(reverse("scheduling:waitlist")).content.decode()
    assert client.post(reverse("scheduling:waitlist-withdraw", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING


def test_the_patient_joins_from_the_portal_and_sees_the_entry_on_the_home_page(patient_user, patient, cryo, location):
    client = login(patient_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:waitlist") in home
    answer = client.post(reverse("portal:waitlist"), _form(location, cryo, clinician="", sessions="30"))
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get()
    # The portal's form has no clinician and no count: the desk settles those.
    assert (entry.via, entry.created_by, entry.clinician, entry.sessions) == (
        WaitlistVia.PORTAL,
        None,
        None,
        cryo.min_sessions,
    )
    assert cryo.name in client.get(reverse("portal:home")).content.decode()


def test_a_patient_withdraws_their_own_entry_only(patient_user, patient, other_patient, registrar, cryo, location):
    mine = join(registrar, patient, cryo, location)
    theirs = join(registrar, other_patient, cryo, location)
    client = login(patient_user)
    assert client.post(reverse("portal:waitlist-withdraw", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal:waitlist-withdraw", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (WaitlistStatus.WITHDRAWN, WaitlistStatus.WAITING)


# ---------------------------------------------------------------- the API


def _api(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.cookies = login(user).cookies
    return api


def test_the_api_adds_lists_and_withdraws_entries(registrar, patient, cryo, location):
    api = _api(registrar)
    body = {**_form(location, cryo), "patient": patient.pk, "weekdays": [0, 2]}
    created = api.post(reverse("api-waitlist"), body, format="json")
    assert created.status_code == 201, created.json()
    entry_id = created.json()["id"]
    listed = api.get(reverse("api-waitlist"))
    assert [e["id"] for e in listed.json()] == [entry_id]
    assert listed.json()[0]["weekdays"] == [0, 2] and listed.json()[0]["offers"] == []
    withdrawn = api.post(reverse("api-waitlist-withdraw", args=[entry_id]), {}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"
    again = api.post(reverse("api-waitlist-withdraw", args=[entry_id]), {}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (400, "not_waiting")


def test_the_api_refuses_a_second_entry_and_a_bad_window_with_codes(registrar, patient, cryo, location):
    api = _api(registrar)
    body = {**_form(location, cryo), "patient": patient.pk, "weekdays": [9]}
    bad = api.post(reverse("api-waitlist"), body, format="json")
    assert bad.status_code == 400 and "weekdays" in str(bad.json()["error"])
    body["weekdays"] = []
    assert api.post(reverse("api-waitlist"), body, format="json").status_code == 201
    twice = api.post(reverse("api-waitlist"), body, format="json")
    assert (twice.status_code, twice.json()["error"]["code"]) == (400, "already_waiting")
    assert WaitlistEntry.objects.count() == 1


def test_the_api_of_a_registrar_elsewhere_refuses_the_location_and_finds_no_entry(registrar, patient, cryo, location):
    entry = join(registrar, patient, cryo, location)
    elsewhere = UserFactory(role="registrar", locations=[LocationFactory(name="Other branch")])
    api = _api(elsewhere)
    assert api.get(reverse("api-waitlist")).json() == []
    assert api.post(reverse("api-waitlist-withdraw", args=[entry.pk]), {}, format="json").status_code == 404


def test_a_registrar_cannot_add_an_entry_at_a_location_they_do_not_work_at(as_registrar, patient, cryo, location):
    other = LocationFactory(name="Other branch")
    answer = as_registrar.post(reverse("scheduling:waitlist-add", args=[patient.pk]), _form(other, cryo))
    assert answer.status_code == 403
    assert not WaitlistEntry.objects.exists()
