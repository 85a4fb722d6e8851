"""The public gallery: only a publishable, shown photo of a patient whose publication consent is in force
reaches the page or the public photo view; nothing there names the patient or dates a visit to the day."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.models import ConsentTemplate, Decision, Kind, text_hash
from consents.selectors import current_version, publication_consented
from consents.services import consent_record_in_clinic, consent_withdraw, version_publish
from procedures.models import Procedure
from results.models import CheckKind, Photo, PhotoZone
from results.public import photo_token
from tests.billing.conftest import deliver, make_course

from ..conftest import login
from ..factories import UserFactory
from .conftest import make_check, make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def form():
    return ConsentTemplate.objects.get(kind=Kind.PUBLICATION)


def decide(patient, clinician, form, decision=Decision.SIGNED):
    """The patient signs (or refuses) the publication form on the clinic's tablet, the clinician witnessing."""
    version = current_version(form)
    return consent_record_in_clinic(
        actor=clinician,
        patient=patient,
        template=form,
        version_id=version.pk,
        shown_hash=text_hash(version.text("en")),
        language="en",
        decision=decision,
        typed_name=patient.full_name,
        ticked=True,
        witnessed=True,
    )


@pytest.fixture
def published(results_course, patient, clinician, form):
    """The course's before and after photos marked publishable; the patient's consent signed."""
    Photo.objects.filter(result_check__course=results_course).update(publishable=True)
    consent = decide(patient, clinician, form)
    return {"course": results_course, "consent": consent, "photos": list(Photo.objects.order_by("pk"))}


def gallery_url(slug="cryomassage-contact"):
    return reverse("public:gallery", args=[slug])


def photo_url(photo, slug="cryomassage-contact"):
    return reverse("public:photo", args=[slug, photo_token(photo)])


def test_the_publication_form_is_seeded_once_with_both_languages(form):
    assert ConsentTemplate.objects.filter(kind=Kind.PUBLICATION).count() == 1
    version = current_version(form)
    assert form.procedure_id is None and "Результаты" in version.text_ru and "Results" in version.text_en


def test_a_publishable_photo_of_a_consenting_patient_is_shown_and_served_for_caching(published, client):
    page = client.get(gallery_url())
    assert page.status_code == 200
    html = page.content.decode()
    for photo in published["photos"]:
        assert photo_url(photo) in html
    assert "before the course" in html and "after the course" in html
    answer = client.get(photo_url(published["photos"][0]))
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert answer["Cache-Control"] == "public, max-age=3600"
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"
    again = client.get(photo_url(published["photos"][0]), HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304 and again["ETag"] == answer["ETag"]


def test_the_gallery_names_no_patient_and_dates_no_visit_to_the_day(published, client, patient):
    html = client.get(gallery_url()).content.decode()
    for word in patient.full_name.split():
        assert word not in html
    for photo in published["photos"]:
        taken = timezone.localtime(photo.result_check.taken_at)
        assert not re.search(rf"\b{taken.day} {taken:%B}\b", html)
        assert taken.strftime("%d.%m.%Y") not in html and taken.date().isoformat() not in html
    assert f"/{published['course'].pk}/" not in html and str(patient.pk) not in re.findall(
        r'data-[a-z-]+="(\d+)"', html
    )


def _unpublishable(published):
    Photo.objects.update(publishable=False)


def _withdrawn(published):
    Photo.objects.update(
        withdrawn_at=timezone.now(), withdrawn_by=published["photos"][0].uploaded_by, withdrawal_reason="face"
    )


def _erased(published):
    Photo.objects.update(erased_at=timezone.now())


def _consent_withdrawn(published):
    consent_withdraw(actor=published["consent"].patient.user, consent=published["consent"])


def _refused_since(published):
    decide(published["consent"].patient, published["consent"].witness, published["consent"].template, Decision.REFUSED)


def _outdated(published):
    form = published["consent"].template
    version = current_version(form)
    version_publish(
        actor=UserFactory(username="admin9", role="administrator"),
        template=form,
        text_ru=version.text_ru + " Новая редакция.",
        text_en=version.text_en + " A new wording.",
        needs_new_signature=True,
    )


@pytest.mark.parametrize(
    "change",
    [_unpublishable, _withdrawn, _erased, _consent_withdrawn, _refused_since, _outdated],
    ids=["not-publishable", "photo-withdrawn", "photo-erased", "consent-withdrawn", "refused-since", "outdated"],
)
def test_a_photo_that_may_not_be_public_is_neither_listed_nor_served(published, client, change):
    change(published)
    html = client.get(gallery_url()).content.decode()
    for photo in published["photos"]:
        assert photo_url(photo) not in html
        assert client.get(photo_url(photo)).status_code == 404
    assert "No results are published for this procedure yet." in html


def test_a_patient_who_never_signed_the_publication_form_has_no_photo_in_public(results_course, client, patient):
    Photo.objects.filter(result_check__course=results_course).update(publishable=True)
    assert not publication_consented(patient)
    html = client.get(gallery_url()).content.decode()
    for photo in Photo.objects.all():
        assert photo_url(photo) not in html and client.get(photo_url(photo)).status_code == 404


def test_withdrawing_in_the_portal_takes_the_photos_off_at_once(published, patient_user, client):
    url = photo_url(published["photos"][0])
    assert client.get(url).status_code == 200
    me = login(patient_user)
    listed = me.get(reverse("consents:portal-list")).content.decode()
    assert published["consent"].template.title_ru in listed  # her page, in her language
    answer = me.post(reverse("consents:portal-withdraw", args=[published["consent"].pk]), {"confirm": "on"})
    assert answer.status_code == 302
    assert not publication_consented(published["consent"].patient)
    assert client.get(url).status_code == 404
    assert url not in client.get(gallery_url()).content.decode()


def test_a_photo_is_public_only_under_its_own_procedure_and_by_its_own_token(published, client):
    photo = published["photos"][0]
    assert client.get(photo_url(photo, slug="plasmolifting")).status_code == 404
    forged = reverse("public:photo", args=["cryomassage-contact", f"{photo.pk}-0000000000000000"])
    assert client.get(forged).status_code == 404
    assert client.get(reverse("public:photo", args=["cryomassage-contact", "x-1"])).status_code == 404
    assert client.get(gallery_url("no-such-procedure")).status_code == 404


def test_a_withdrawn_procedure_has_no_public_gallery(published, client):
    Procedure.objects.filter(slug="cryomassage-contact").update(active=False)
    assert client.get(gallery_url()).status_code == 404
    assert client.get(photo_url(published["photos"][0])).status_code == 404


def test_the_gallery_reads_in_a_fixed_number_of_queries(
    published, client, registrar, clinician, cryo, other_patient, form, django_assert_max_num_queries
):
    for _ in range(4):  # more cases, of another consenting patient
        course = make_course(registrar, other_patient, cryo, clinician=clinician, count=10, status="completed")
        deliver(course, 10)
        for kind, days in ((CheckKind.BASELINE, 20), (CheckKind.FINAL, 2)):
            check = make_check(course, kind=kind, days_ago=days, clinician=clinician)
            make_photo(check, clinician=clinician, zone=PhotoZone.FRONTAL, publishable=True)
            make_photo(check, clinician=clinician, zone=PhotoZone.VERTEX, publishable=True)
    decide(other_patient, clinician, form)
    client.get(gallery_url())  # warm: the session, the clinic's settings
    with django_assert_max_num_queries(3):
        html = client.get(gallery_url()).content.decode()
    assert html.count('<section class="card mb-3 results-case"') == 5
    assert html.count("<img ") == 2 + 4 * 4


def test_the_patient_reads_and_signs_the_publication_form_in_the_portal(patient, patient_user, form):
    page = login(patient_user).get(reverse("consents:portal-form", args=[form.pk]))
    assert page.status_code == 200
    assert current_version(form).text_ru.split("\n")[0][:60] in page.content.decode()


def test_the_demo_publishes_one_case_and_one_review(settings, client):
    from django.core.management import call_command

    from results.models import Review

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: nothing doubled
    html = client.get(gallery_url()).content.decode()
    assert html.count('<section class="card mb-3 results-case"') == 1 and html.count("<img ") == 2
    assert Review.objects.filter(status="approved").count() == 1
    page = client.get(reverse("public:reviews", args=["cryomassage-contact"])).content.decode()
    assert "of 5 from 1 review" in page
