"""A record whose time is odd (year 1, stored as a BC date) can be read, shown and corrected."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from procedures.eligibility import eligibility
from procedures.models import IceTest, Screening
from procedures.services import ice_test_amend, screening_amend

from ..conftest import login
from ..factories import days_ago
from ..helpers import ODD_MOMENT_SQL, store_odd_ice_test, store_odd_screening


@pytest.mark.django_db
def test_the_ice_test_form_refuses_year_one_and_saves_nothing(clinician, patient):
    client = login(clinician)
    response = client.post(
        reverse("procedures:ice-test-create", args=[patient.pk]),
        {"performed_at": "0001-01-01T00:00", "area": "nape", "exposure_seconds": 10},
    )
    assert response.status_code == 200
    assert "check the date" in response.context["form"].errors["performed_at"][0]
    assert not IceTest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("performed_at", ["0001-01-01T00:00:00+03:00", "1999-12-31T12:00:00Z", "9999-12-31T23:00:00Z"])
def test_the_ice_test_api_refuses_an_implausible_time(performed_at, clinician, patient):
    client = login(clinician)
    response = client.post(
        f"/api/v1/patients/{patient.pk}/ice-tests/",
        {"performed_at": performed_at, "area": "nape", "exposure_seconds": 10},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"performed_at"}
    assert not IceTest.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_an_odd_time_the_app_did_not_check(clinician, patient):
    insert = (
        "INSERT INTO procedures_icetest (chain, version, amendment_reason, patient_id, signed_by_id, signed_at,"
        " performed_at, area, exposure_seconds, discomfort, redness, itching, other_reaction, passed)"
        " VALUES (gen_random_uuid(), 1, '', %s, %s, now(), {}, 'nape', 10, false, false, false, '', true)"
    )
    for moment in (ODD_MOMENT_SQL, "now() + interval '3 days'", "'1999-12-31 23:00+00'"):
        with pytest.raises(IntegrityError, match="icetest_performed_at_plausible"), transaction.atomic():
            connection.cursor().execute(insert.format(moment), [patient.pk, clinician.pk])


@pytest.mark.django_db
def test_an_odd_ice_test_is_read_as_the_first_day_python_holds(clinician, patient, cryo):
    pk = store_odd_ice_test(patient=patient, signed_by=clinician)
    test = IceTest.objects.get(pk=pk)
    assert test.performed_at == datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
    assert not test.moment_is_plausible
    # The failed test is still on record: it is the oldest, so a later passed one decides.
    decision = eligibility(patient=patient, procedure=cryo, when=timezone.now())
    assert "ice_test_failed" in [r.code for r in decision.reasons]


@pytest.mark.django_db
def test_every_page_of_a_patient_with_an_odd_ice_test_opens(clinician, registrar, patient):
    pk = store_odd_ice_test(patient=patient, signed_by=clinician)
    doctor = login(clinician)
    for url in (
        reverse("patient-detail", args=[patient.pk]),
        reverse("procedures:ice-test", args=[pk]),
        reverse("procedures:ice-test-amend", args=[pk]),
        f"/api/v1/patients/{patient.pk}/eligibility/?procedure=cryomassage-contact",
    ):
        response = doctor.get(url)
        assert response.status_code == 200, url
    page = doctor.get(reverse("procedures:ice-test", args=[pk])).content.decode()
    assert "time not plausible: correct it" in page
    assert login(registrar).get(reverse("patient-detail", args=[patient.pk])).status_code == 200


@pytest.mark.django_db
def test_an_odd_ice_test_is_repaired_by_an_amendment_that_gives_the_right_time(clinician, patient, cryo):
    pk = store_odd_ice_test(patient=patient, signed_by=clinician)
    client = login(clinician)
    url = reverse("procedures:ice-test-amend", args=[pk])
    form = {"area": "nape", "exposure_seconds": 10, "amendment_reason": "The time was mistyped; retested"}
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert refused.context["form"].errors["performed_at"]
    right = timezone.localtime(days_ago(2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**form, "performed_at": right})
    assert response.status_code == 302
    amended = IceTest.objects.get(amends_id=pk)
    assert amended.version == 2 and amended.passed and amended.moment_is_plausible
    assert timezone.localtime(amended.performed_at).strftime("%Y-%m-%dT%H:%M") == right
    assert IceTest.objects.get(pk=pk).passed is False  # the odd original stays, superseded
    assert client.get(reverse("patient-detail", args=[patient.pk])).status_code == 200
    assert "ice_test" not in " ".join(
        r.code for r in eligibility(patient=patient, procedure=cryo, when=timezone.now()).reasons
    )


@pytest.mark.django_db
def test_the_amend_service_will_not_copy_an_odd_time(clinician, patient):
    odd = IceTest.objects.get(pk=store_odd_ice_test(patient=patient, signed_by=clinician))
    with pytest.raises(ValidationError) as error:
        ice_test_amend(actor=clinician, previous=odd, reason="retested", area="nape", exposure_seconds=10)
    assert error.value.error_dict["performed_at"][0].code == "implausible_time"
    with pytest.raises(ValidationError) as error:
        ice_test_amend(
            actor=clinician,
            previous=odd,
            reason="retested",
            area="nape",
            exposure_seconds=10,
            performed_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert error.value.error_dict["performed_at"][0].code == "in_future"
    assert IceTest.objects.count() == 1


@pytest.mark.django_db
def test_an_unchanged_time_on_the_amend_form_keeps_the_recorded_one(clinician, patient):
    client = login(clinician)
    client.post(
        reverse("procedures:ice-test-create", args=[patient.pk]),
        {"area": "nape", "exposure_seconds": 10, "itching": "on"},
    )
    first = IceTest.objects.get()
    page = client.get(reverse("procedures:ice-test-amend", args=[first.pk]))
    shown = page.context["form"]["performed_at"].value()
    client.post(
        reverse("procedures:ice-test-amend", args=[first.pk]),
        {"performed_at": shown, "area": "nape", "exposure_seconds": 10, "amendment_reason": "itching was the shampoo"},
    )
    assert IceTest.objects.get(amends=first).performed_at == first.performed_at  # to the microsecond


@pytest.mark.django_db
def test_an_odd_screening_opens_and_is_repaired_by_an_amendment(clinician, patient, cryo, all_absent):
    pk = store_odd_screening(patient=patient, signed_by=clinician, procedure=cryo)
    client = login(clinician)
    for url in (
        reverse("patient-detail", args=[patient.pk]),
        reverse("procedures:screening", args=[pk]),
        reverse("procedures:screening-amend", args=[pk]),
    ):
        assert client.get(url).status_code == 200, url
    odd = Screening.objects.get(pk=pk)
    with pytest.raises(ValidationError) as error:
        screening_amend(
            actor=clinician, previous=odd, reason="time", procedures=[cryo], answers=all_absent, fitzpatrick=2
        )
    assert error.value.error_dict["examined_at"][0].code == "implausible_time"
    form = {f"ci_{cid}": "absent" for cid in all_absent}
    form |= {"fitzpatrick": 2, "amendment_reason": "The time was mistyped"}
    form["examined_at"] = timezone.localtime(days_ago(1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("procedures:screening-amend", args=[pk]), form)
    assert response.status_code == 302
    amended = Screening.objects.get(amends_id=pk)
    assert amended.moment_is_plausible and amended.version == 2
    assert client.get(reverse("patient-detail", args=[patient.pk])).status_code == 200
