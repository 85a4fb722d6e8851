"""The patient's "My results": their own checks in plain words, the chart, their own photos; nobody else's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from results.models import Check, CheckKind, Photo
from scheduling.models import CourseStatus
from tests.billing.conftest import make_course
from tests.factories import UserFactory

from ..conftest import login
from .conftest import make_check, make_photo, make_trichoscopy

pytestmark = pytest.mark.django_db

URL = "/portal/results/"


@pytest.fixture
def as_patient(patient_user, patient):
    return login(patient_user)


def test_the_patient_reads_the_latest_comparison_in_plain_russian_with_the_ten_percent_note(
    results_course, patient, as_patient
):
    assert reverse("portal:results") == URL
    response = as_patient.get(URL, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Плотность волос выросла со 150 до 180 на см² (+20 %)" in body
    assert "Доля толстых (терминальных) волос выросла с 55 до 66 %" in body
    assert "примерно на 10 %" in body  # automatic counts can differ by about 10 %: the trend matters
    assert body.count("<svg") == 2  # the chart: density and terminal share


def test_the_patient_sees_their_own_photos_through_the_portal_not_the_clinics_address(results_course, as_patient):
    response = as_patient.get(URL)
    (pair,) = response.context["sections"][0]["result"].photos
    body = response.content.decode()
    assert reverse("portal:results-photo-thumb", args=[pair.before.pk]) in body
    assert reverse("portal:results-photo", args=[pair.after.pk]) in body
    assert "/results/photos/" not in body.replace("/portal/results/photos/", "")
    photo = as_patient.get(reverse("portal:results-photo", args=[pair.after.pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert "no-store" in photo["Cache-Control"]
    event = AuditEvent.objects.filter(record_type="results.photo").latest("id")
    assert (event.record_id, event.patient_id, event.detail["thumbnail"]) == (
        pair.after.pk,
        pair.after.patient_id,
        False,
    )


def test_another_patients_photo_is_not_found_and_nor_is_a_withdrawn_one(
    results_course, registrar, cryo, clinician, other_patient, as_patient
):
    other_course = make_course(registrar, other_patient, cryo, clinician=clinician)
    strangers = make_photo(
        make_check(other_course, kind=CheckKind.BASELINE, days_ago=2, clinician=clinician), clinician=clinician
    )
    assert as_patient.get(reverse("portal:results-photo", args=[strangers.pk])).status_code == 404
    assert as_patient.get(reverse("portal:results-photo-thumb", args=[strangers.pk])).status_code == 404
    own = Photo.objects.filter(patient=results_course.patient).first()
    Photo.objects.filter(pk=own.pk).update(
        withdrawn_at=timezone.now(), withdrawn_by=clinician, withdrawal_reason="Blurred"
    )
    assert as_patient.get(reverse("portal:results-photo", args=[own.pk])).status_code == 404


def test_another_patients_checks_never_show(results_course, registrar, cryo, clinician, other_patient, as_patient):
    other_course = make_course(registrar, other_patient, cryo, clinician=clinician)
    theirs = make_check(other_course, kind=CheckKind.BASELINE, days_ago=2, clinician=clinician)
    make_trichoscopy(theirs, clinician=clinician, density=321, terminal="50.0")
    response = as_patient.get(URL)
    checks = [c.pk for s in response.context["sections"] for c in s["result"].checks]
    assert theirs.pk not in checks and len(checks) == 2
    assert "321" not in response.content.decode()


def test_checks_of_every_course_are_shown_the_latest_course_first(
    results_course, registrar, patient, cryo, clinician, as_patient
):
    from scheduling.models import Course

    Course.objects.filter(pk=results_course.pk).update(status=CourseStatus.COMPLETED)
    earlier = make_course(registrar, patient, cryo, clinician=clinician, status=CourseStatus.COMPLETED)
    old = make_check(earlier, kind=CheckKind.BASELINE, days_ago=400, clinician=clinician)
    make_trichoscopy(old, clinician=clinician, density=120, terminal="50.0")
    sections = as_patient.get(URL).context["sections"]
    assert [s["course"].pk for s in sections] == [results_course.pk, earlier.pk]
    assert sections[1]["result"].complete is False  # one check only: no comparison yet


def test_a_patient_with_no_checks_reads_what_will_come(patient, as_patient):
    body = as_patient.get(URL).content.decode()
    assert "Контролей результатов пока нет" in body  # the portal speaks the patient's language


def test_the_portal_results_are_audited_and_read_in_a_bounded_number_of_queries(
    results_course, clinician, patient, as_patient, django_assert_max_num_queries
):
    for n in range(5):
        check = make_check(
            results_course, kind=CheckKind.CHECKPOINT, after_session=n + 1, days_ago=20 - 3 * n, clinician=clinician
        )
        make_trichoscopy(check, clinician=clinician, density=155 + n, terminal="57.0")
        make_photo(check, clinician=clinician)
    with django_assert_max_num_queries(14):
        response = as_patient.get(URL)
    assert len(response.context["sections"][0]["result"].checks) == 7
    event = AuditEvent.objects.filter(patient_id=patient.pk, detail__portal_results=7).get()
    assert event.actor == patient.user


def test_staff_cannot_open_the_portal_results_and_the_portal_photo(results_course, clinician, registrar):
    photo = Photo.objects.filter(patient=results_course.patient).first()
    assert login(clinician).get(URL).status_code == 403
    assert login(registrar).get(reverse("portal:results-photo", args=[photo.pk])).status_code == 403
    stranger = UserFactory(username="patient2", role="patient")
    assert login(stranger).get(reverse("portal:results-photo", args=[photo.pk])).status_code == 404


def test_the_patients_api_gives_their_checks_figures_and_changes(results_course, patient_user, patient):
    from rest_framework.test import APIClient

    patient.preferred_language = "en"  # the portal speaks the patient's language, the API too
    patient.save(update_fields=["preferred_language"])
    api = APIClient()
    api.cookies = login(patient_user).cookies
    body = api.get(reverse("api-me-results")).json()
    (course,) = body
    first, last = Check.objects.filter(course=results_course).order_by("taken_at")
    assert (course["course"], course["from"], course["to"]) == (results_course.pk, first.pk, last.pk)
    density = next(c for c in course["zones"][0]["changes"] if c["metric"] == "density")
    assert (density["change"], density["percent"]) == (30.0, 20.0)
    assert course["summary"][0] == "Hair density rose from 150 to 180 per cm² (+20 %)"
    assert course["photos"][0]["before"]["url"].startswith("/portal/results/photos/")
