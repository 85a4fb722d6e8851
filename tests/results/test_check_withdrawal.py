"""A check recorded in error (the wrong course, patient or kind) is withdrawn with its reason: kept for
the record, out of every comparison and the public gallery, its place in the course free again."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import Action, AuditEvent
from consents.models import ConsentTemplate, Kind
from results import services
from results.compare_selectors import patient_results
from results.models import Check, CheckKind, Photo
from results.public import published_photos
from tests.billing.conftest import make_course

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from .conftest import make_check, make_photo, make_trichoscopy
from .test_public_gallery import decide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def course(registrar, patient, cryo, clinician):
    return make_course(registrar, patient, cryo, clinician=clinician)


@pytest.fixture
def baseline(course, clinician):
    check = make_check(course, kind=CheckKind.BASELINE, days_ago=2, clinician=clinician)
    make_trichoscopy(check, clinician=clinician, density=150, terminal="55.0")
    make_photo(check, clinician=clinician, publishable=True)
    return check


def test_a_withdrawn_check_keeps_its_record_frees_its_place_and_withdraws_its_photos(course, baseline, clinician):
    services.check_withdraw(actor=clinician, check=baseline, reason="  Recorded on the wrong course  ")
    baseline.refresh_from_db()
    assert baseline.withdrawn_by == clinician and baseline.withdrawal_reason == "Recorded on the wrong course"
    assert baseline.trichoscopies.count() == 1  # the signed figures stay as they were
    photo = Photo.objects.get(result_check=baseline)
    assert photo.withdrawn_at == baseline.withdrawn_at and not photo.publishable
    assert "Recorded on the wrong course" in photo.withdrawal_reason
    event = AuditEvent.objects.get(action=Action.UPDATE, record_type="results.check", record_id=baseline.pk)
    assert event.detail["withdrawn"] is True and event.detail["photos"] == [photo.pk]
    again = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
    assert again.pk != baseline.pk and again.withdrawn_at is None


def test_a_withdrawal_needs_a_reason_and_happens_once(baseline, clinician):
    with pytest.raises(ValidationError) as caught:
        services.check_withdraw(actor=clinician, check=baseline, reason="   ")
    assert caught.value.error_dict["reason"][0].code == "withdrawal_reason_required"
    baseline.refresh_from_db()
    assert baseline.withdrawn_at is None
    services.check_withdraw(actor=clinician, check=baseline, reason="Wrong patient")
    with pytest.raises(ValidationError) as caught:
        services.check_withdraw(actor=clinician, check=baseline, reason="Wrong patient")
    assert caught.value.code == "already_withdrawn"


def test_only_a_clinician_of_the_checks_location_withdraws_it(baseline, registrar):
    far = UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])
    for actor in (registrar, far):
        with pytest.raises(PermissionDenied):
            services.check_withdraw(actor=actor, check=baseline, reason="Wrong course")
    baseline.refresh_from_db()
    assert baseline.withdrawn_at is None


def test_a_withdrawn_check_takes_no_new_figures_or_photos(baseline, clinician):
    from .test_checks import _reading

    services.check_withdraw(actor=clinician, check=baseline, reason="Wrong course")
    with pytest.raises(ValidationError) as caught:
        services.trichoscopy_amend(
            actor=clinician, previous=baseline.trichoscopies.get(), reason="Typo", reading=_reading()
        )
    assert caught.value.code == "check_withdrawn"
    assert baseline.trichoscopies.count() == 1


def test_a_withdrawn_check_leaves_the_comparison_the_portal_and_the_gallery(course, baseline, clinician, patient):
    decide(patient, clinician, ConsentTemplate.objects.get(kind=Kind.PUBLICATION))  # publication consented
    final = make_check(course, kind=CheckKind.FINAL, days_ago=1, clinician=clinician)
    make_trichoscopy(final, clinician=clinician, density=180, terminal="66.0")
    assert [c.pk for c in patient_results(patient)[0].comparison.checks] == [baseline.pk, final.pk]
    assert published_photos(course.procedure).filter(result_check=baseline).exists()
    services.check_withdraw(actor=clinician, check=baseline, reason="Taken on the wrong patient")
    assert [c.pk for c in patient_results(patient)[0].comparison.checks] == [final.pk]
    assert not published_photos(course.procedure).filter(result_check=baseline).exists()
    # Even a photo somehow left publishable on a withdrawn check stays out of the gallery.
    Photo.objects.filter(result_check=baseline).update(withdrawn_at=None, withdrawn_by=None, withdrawal_reason="")
    Photo.objects.filter(result_check=baseline).update(publishable=True)
    assert not published_photos(course.procedure).filter(result_check=baseline).exists()


def test_the_database_holds_one_check_of_a_kind_per_course_among_those_in_force(course, baseline, clinician):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)
    Check.objects.filter(pk=baseline.pk).update(
        withdrawn_at=timezone.now(), withdrawn_by=clinician, withdrawal_reason="Wrong course"
    )
    make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)
    make_check(course, kind=CheckKind.CHECKPOINT, after_session=5, days_ago=1, clinician=clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_check(course, kind=CheckKind.CHECKPOINT, after_session=5, days_ago=1, clinician=clinician)
    with pytest.raises(IntegrityError), transaction.atomic():  # a withdrawal says who and why
        Check.objects.filter(pk=baseline.pk).update(withdrawal_reason="")


def test_the_page_withdraws_with_a_reason_and_then_offers_nothing_to_add(baseline, clinician, registrar):
    as_clinician = login(clinician)
    url = reverse("results:check-withdraw", args=[baseline.pk])
    page = as_clinician.get(baseline.get_absolute_url()).content.decode()
    assert url in page and reverse("results:photo-upload", args=[baseline.pk]) in page
    assert login(registrar).post(url, {"reason": "Wrong course"}).status_code == 403
    refused = as_clinician.post(url, {"reason": ""}, follow=True)
    assert "Say why the check is withdrawn." in refused.content.decode()
    assert '<details class="mb-4" id="check-withdraw" open>' in refused.content.decode()  # the form stays open
    assert (
        '<details class="mb-4" id="check-withdraw">' in as_clinician.get(baseline.get_absolute_url()).content.decode()
    )
    answer = as_clinician.post(url, {"reason": "Wrong course"})
    assert answer.status_code == 302 and answer.url == baseline.course.get_absolute_url()
    page = as_clinician.get(baseline.get_absolute_url()).content.decode()
    assert "This check is withdrawn" in page and "Wrong course" in page
    assert url not in page and reverse("results:photo-upload", args=[baseline.pk]) not in page
    # Nothing can be added now: not "No photos yet", as if more were to come.
    assert "No photos yet." not in page and "No photos." in page
    course_page = as_clinician.get(baseline.course.get_absolute_url()).content.decode()
    assert baseline.get_absolute_url() not in course_page


def test_the_api_withdraws_and_says_why_it_refuses(baseline, clinician, registrar):
    api = APIClient()
    api.force_authenticate(clinician)
    url = reverse("api-check-withdraw", args=[baseline.pk])
    answer = api.post(url, {"reason": ""}, format="json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "withdrawal_reason_required"
    answer = api.post(url, {"reason": "Wrong kind of check"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["withdrawal_reason"] == "Wrong kind of check" and answer.json()["photos"] == []
    again = api.post(url, {"reason": "Wrong kind of check"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "already_withdrawn"
    listed = api.get(reverse("api-course-checks", args=[baseline.course_id])).json()
    assert baseline.pk not in [c["id"] for c in listed]
    desk = APIClient()
    desk.force_authenticate(registrar)
    assert desk.post(url, {"reason": "x"}, format="json").status_code == 403


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the seeded rows come back after it
def test_two_clinicians_recording_the_same_check_at_once_get_the_plain_refusal(course, clinician):
    """The service's own read misses a check another clinician is committing that moment; the
    partial unique constraint refuses the second, and the refusal is the plain one."""
    import threading

    import psycopg2
    from django.db import connection, connections

    other = psycopg2.connect(**connection.get_connection_params())  # the other clinician's session
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO results_check (patient_id, course_id, location_id, kind, taken_at, created_by_id,"
            " created_at, withdrawal_reason) VALUES (%s, %s, %s, 'baseline', now(), %s, now(), '')",
            [course.patient_id, course.pk, course.location_id, clinician.pk],
        )  # not committed yet: invisible to the service's check, but it holds the unique index
    outcome = {}

    def record():
        try:
            services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
            outcome["code"] = "recorded"
        except ValidationError as error:
            outcome["code"] = error.code
        finally:
            connections.close_all()

    worker = threading.Thread(target=record)
    worker.start()
    worker.join(1.5)  # it waits on the index for the other transaction
    other.commit()
    other.close()
    worker.join(10)
    assert outcome == {"code": "check_exists"}
    assert Check.objects.filter(course=course, kind=CheckKind.BASELINE).count() == 1
