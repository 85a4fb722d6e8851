"""Reviews: one invitation per completed course, sent once; one review per course, signed without the
surname; only approved ones in public, with the right average; only administrators moderate."""

import datetime
import re
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import Patient
from records.services import anonymise_patient, export_patient
from reminders import services as reminders
from reminders.models import Dispatch, DispatchStatus
from results import reviews
from results.models import Review, ReviewInvitation, ReviewStatus
from scheduling.models import Course, CourseStatus, Session
from tests.billing.conftest import deliver, make_course

from ..conftest import login
from ..factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def complete(course, *, hours_ago=24):
    """All the course's sessions delivered, the last recorded `hours_ago`, the course completed."""
    deliver(course, course.session_count)
    Session.objects.filter(course=course).update(outcome_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.COMPLETED)
    course.refresh_from_db()
    return course


@pytest.fixture
def done(registrar, patient, cryo, clinician):
    """A completed course of a patient who takes email; her clinician named as the clinic shows him."""
    Patient.objects.filter(pk=patient.pk).update(consent_email=True, email="maria@example.com", preferred_language="en")
    type(clinician).objects.filter(pk=clinician.pk).update(first_name="Anna", last_name="Orlova")
    patient.refresh_from_db()
    return complete(make_course(registrar, patient, cryo, clinician=clinician, count=10))


def _deliver_all():
    for ids in reminders.enqueue():
        reminders.send_batch(ids)


def _invitation_url(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/review/[0-9a-f]{32}/)", body).group(1)


# ---------------------------------------------------------------- the invitation


def test_a_completed_course_gets_one_invitation_and_one_email_however_often_the_scan_runs(done):
    for _ in range(2):
        reminders.scan()
        _deliver_all()
    invitation = ReviewInvitation.objects.get()
    assert (invitation.course, invitation.patient) == (done, done.patient)
    [dispatch] = Dispatch.objects.filter(invitation=invitation)
    assert (dispatch.kind, dispatch.channel, dispatch.status) == ("review_invite", "email", DispatchStatus.SENT)
    [email] = mail.outbox
    assert email.to == ["maria@example.com"] and "How was your course" in email.subject
    assert _invitation_url(email.body) == reverse("reviews:write-landing", args=[invitation.token.hex])


@pytest.fixture
def eager_celery():
    from clinic.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_two_beat_ticks_through_celery_send_one_invitation(done, eager_celery, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.tick()
    assert [d.status for d in Dispatch.objects.filter(kind="review_invite")] == [DispatchStatus.SENT]
    assert len(mail.outbox) == 1


def test_an_sms_only_patient_is_invited_by_one_sms(done, settings):
    Patient.objects.filter(pk=done.patient_id).update(consent_email=False, consent_sms=True)
    settings.QUIET_HOURS_START = settings.QUIET_HOURS_END = 0  # never quiet in this test
    reminders.scan()
    reminders.scan()
    [dispatch] = Dispatch.objects.filter(kind="review_invite")
    assert dispatch.channel == "sms"
    text = reminders.compose_sms(Dispatch.objects.select_related("invitation__course__procedure").get())
    assert "/review/" in text and "1 to 5" in text


@pytest.mark.parametrize(
    ("status", "hours_ago", "invited"),
    [
        (CourseStatus.ACTIVE, 24, False),  # not over yet
        (CourseStatus.CANCELLED, 24, False),
        (CourseStatus.COMPLETED, 1, False),  # the patient may still be in the chair
        (CourseStatus.COMPLETED, 24 * 30, False),  # ended long before: not invited out of the blue
        (CourseStatus.COMPLETED, 24, True),
    ],
)
def test_only_a_course_completed_a_while_ago_is_invited(done, status, hours_ago, invited):
    complete(done, hours_ago=hours_ago)
    Course.objects.filter(pk=done.pk).update(status=status)
    reviews.invitations_create()
    assert ReviewInvitation.objects.filter(course=done).exists() is invited


def test_a_course_reviewed_in_the_portal_before_the_message_gets_no_invitation_message(done):
    reviews.invitations_create()
    reviews.review_submit(patient=done.patient, course=done, rating=5)
    reminders.scan()
    assert not Dispatch.objects.filter(kind="review_invite").exists()


def test_a_review_written_between_the_scan_and_the_send_stops_the_message(done):
    reminders.scan()
    reviews.review_submit(patient=done.patient, course=done, rating=4)
    _deliver_all()
    dispatch = Dispatch.objects.get(kind="review_invite")
    assert dispatch.status == DispatchStatus.SKIPPED and dispatch.detail == reminders.SKIP_REVIEWED
    assert mail.outbox == []


# ---------------------------------------------------------------- writing the review


def test_the_invitations_link_opens_the_form_without_a_sign_in_and_takes_one_review(done, client):
    reminders.scan()
    invitation = ReviewInvitation.objects.get()
    landing = client.get(reverse("reviews:write-landing", args=[invitation.token.hex]))
    assert landing.status_code == 302 and landing["Location"] == reverse("reviews:write")
    form = client.get(reverse("reviews:write"))
    assert form.status_code == 200 and 'value="Maria"' in form.content.decode()  # the first name, by default
    assert form.headers.get("Referrer-Policy") != "no-referrer"  # its post would carry "Origin: null" (CSRF)
    sent = client.post(
        reverse("reviews:write"), {"rating": "5", "comment": "Hair is thicker.", "display_name": "Maria"}
    )
    assert sent.status_code == 200 and "Your review is sent" in sent.content.decode()
    review = Review.objects.get()
    assert (review.course, review.rating, review.status, review.display_name) == (done, 5, "pending", "Maria")
    assert review.clinician == done.sessions.first().clinician
    client.get(reverse("reviews:write-landing", args=[invitation.token.hex]))
    again = client.post(reverse("reviews:write"), {"rating": "1", "display_name": "Maria"})
    assert "already been reviewed" in again.content.decode()
    assert Review.objects.count() == 1


def test_a_made_up_link_is_refused(client):
    client.get(reverse("reviews:write-landing", args=["0" * 32]))
    assert client.get(reverse("reviews:write")).status_code == 410


def test_a_second_review_of_the_same_course_is_refused(done):
    reviews.review_submit(patient=done.patient, course=done, rating=5)
    with pytest.raises(ValidationError) as refused:
        reviews.review_submit(patient=done.patient, course=done, rating=1)
    assert refused.value.code == "already_reviewed"


def test_an_unfinished_course_cannot_be_reviewed(registrar, patient, cryo, clinician):
    course = make_course(registrar, patient, cryo, clinician=clinician, count=10)
    with pytest.raises(ValidationError) as refused:
        reviews.review_submit(patient=patient, course=course, rating=5)
    assert refused.value.code == "not_completed"


@pytest.mark.parametrize(
    "name", ["Maria Ivanova", "Ivanova", "MariaIvanova", "Мария Иванова", "M. Ivanova-Petrova", "Maria 8916"]
)
def test_the_shown_name_never_holds_the_surname(done, name):
    if name == "Мария Иванова":
        Patient.objects.filter(pk=done.patient_id).update(full_name="Иванова Мария Петровна")
        done.patient.refresh_from_db()
    with pytest.raises(ValidationError):
        reviews.display_name_check(done.patient, name)


@pytest.mark.parametrize(
    ("full_name", "first_name", "shown"),
    [
        ("Maria Petrovna Ivanova", "Maria Petrovna Ivanova", "Maria"),  # the portal keeps the full name there
        ("Иванова Мария Петровна", "", "Мария"),
        ("Смирнова Елена", "", "Елена"),  # two words: surname first, as the clinic stores names
        ("Elena Smirnova", "Elena Smirnova", "Elena"),  # the word that ends like a surname is not the name
        ("Петров Константин", "", "Константин"),  # both end like surnames: surname first, as stored
    ],
)
def test_the_shown_name_defaults_to_the_first_name_only(location, full_name, first_name, shown):
    user = UserFactory(username="p9", role="patient", first_name=first_name, last_name="")
    patient = PatientFactory(home_location=location, full_name=full_name, user=user)
    assert reviews.default_display_name(patient) == shown
    assert reviews.display_name_check(patient, shown) == shown


def test_a_rating_out_of_range_and_a_long_comment_are_refused(done):
    for fields in ({"rating": 0}, {"rating": 6}, {"rating": "x"}, {"rating": 5, "comment": "a" * 2001}):
        with pytest.raises(ValidationError):
            reviews.review_submit(patient=done.patient, course=done, **fields)
    assert not Review.objects.exists()


def test_the_portal_form_reviews_the_patients_own_completed_course(done, patient_user, other_patient, registrar):
    me = login(patient_user)
    page = me.get(reverse("reviews:portal-write", args=[done.pk]))
    assert page.status_code == 200
    answer = me.post(reverse("reviews:portal-write", args=[done.pk]), {"rating": "4", "display_name": "Masha"})
    assert answer.status_code == 302 and Review.objects.get().display_name == "Masha"
    theirs = make_course(registrar, other_patient, done.procedure, clinician=done.sessions.first().clinician)
    assert me.get(reverse("reviews:portal-write", args=[theirs.pk])).status_code == 404


def test_the_api_takes_one_review_of_ones_own_course(done, patient_user, registrar, other_patient):
    api = APIClient()
    api.cookies = login(patient_user).cookies
    url = reverse("api-me-course-review", args=[done.pk])
    created = api.post(url, {"rating": 5, "comment": "Good"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending" and created.json()["display_name"] == "Maria"
    again = api.post(url, {"rating": 3}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reviewed"
    theirs = make_course(registrar, other_patient, done.procedure, clinician=done.sessions.first().clinician)
    other = api.post(reverse("api-me-course-review", args=[theirs.pk]), {"rating": 5}, format="json")
    assert other.status_code == 404


def test_the_api_refuses_a_surname_with_the_fields_error(done, patient_user):
    api = APIClient()
    api.cookies = login(patient_user).cookies
    answer = api.post(
        reverse("api-me-course-review", args=[done.pk]), {"rating": 5, "display_name": "Ivanova"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "surname_in_name" and "display_name" in answer.json()["error"]["fields"]


# ---------------------------------------------------------------- in public


NAMES = [("Petrova", "Olga"), ("Sidorova", "Irina"), ("Kozlova", "Anna"), ("Morozova", "Vera"), ("Volkova", "Nina")]


@pytest.fixture
def rated(registrar, cryo, clinician, location, done):
    """Five reviews of cryomassage by five patients: 5, 4, 4 approved; 1 pending; 2 rejected."""
    admin = UserFactory(username="admin2", role="administrator")
    out = []
    for index, (rating, status) in enumerate(
        [(5, "approved"), (4, "approved"), (4, "approved"), (1, "pending"), (2, "rejected")]
    ):
        surname, first = NAMES[index]
        someone = PatientFactory(home_location=location, full_name=f"{surname} {first}")
        course = complete(make_course(registrar, someone, cryo, clinician=clinician, count=10))
        review = reviews.review_submit(
            patient=someone, course=course, rating=rating, comment=f"comment {rating}/{status}"
        )
        if status != "pending":
            reviews.review_moderate(actor=admin, review=review, decision=status, note="ok")
        out.append(review)
    return out


def test_only_approved_reviews_appear_in_public_with_the_right_average(rated, client, clinician):
    for url in (
        reverse("public:reviews", args=["cryomassage-contact"]),
        reverse("public:clinician-reviews", args=[clinician.pk]),
    ):
        html = client.get(url).content.decode()
        assert "Average rating 4.3 of 5 from 3 reviews" in html
        assert "comment 5/approved" in html and "comment 4/approved" in html
        assert "pending" not in html and "rejected" not in html
    body = client.get(reverse("api-reviews"), {"procedure": "cryomassage-contact"}).json()
    assert (body["count"], body["average"]) == (3, "4.3")
    assert sorted(r["rating"] for r in body["results"]) == [4, 4, 5]
    assert all(r["clinician"] == "Anna Orlova" and len(r["month"]) == 7 for r in body["results"])


def test_the_public_pages_never_show_a_surname(rated, client, clinician):
    pages = [
        client.get(reverse("public:reviews", args=["cryomassage-contact"])).content.decode(),
        client.get(reverse("public:clinician-reviews", args=[clinician.pk])).content.decode(),
        client.get(reverse("api-reviews"), {"clinician": clinician.pk}).content.decode(),
    ]
    for review in rated:
        surname = review.patient.full_name.split()[0]
        assert all(surname not in page for page in pages)
    assert all("Olga" in page for page in pages)  # the first name the review is signed with


def test_the_public_reviews_page_reads_in_a_fixed_number_of_queries(rated, client, django_assert_max_num_queries):
    url = reverse("public:reviews", args=["cryomassage-contact"])
    client.get(url)
    with django_assert_max_num_queries(4):
        client.get(url)


def test_an_unnamed_or_former_clinician_has_no_public_page(rated, client, clinician):
    url = reverse("public:clinician-reviews", args=[clinician.pk])
    type(clinician).objects.filter(pk=clinician.pk).update(first_name="", last_name="")
    assert client.get(url).status_code == 404
    type(clinician).objects.filter(pk=clinician.pk).update(first_name="Anna", is_active=False)
    assert client.get(url).status_code == 404
    assert client.get(reverse("api-reviews"), {"clinician": clinician.pk}).status_code == 404


# ---------------------------------------------------------------- moderation


def test_an_administrator_publishes_and_rejects_with_a_note(done, client):
    admin = UserFactory(username="admin3", role="administrator")
    review = reviews.review_submit(patient=done.patient, course=done, rating=5, comment="Thank you")
    moderator = login(admin)
    listed = moderator.get(reverse("reviews:moderation")).content.decode()
    assert "Thank you" in listed and done.patient.full_name not in listed
    no_note = moderator.post(reverse("reviews:moderate", args=[review.pk]), {"decision": "rejected"})
    assert no_note.status_code == 302 and Review.objects.get().status == ReviewStatus.PENDING
    moderator.post(reverse("reviews:moderate", args=[review.pk]), {"decision": "approved"})
    review.refresh_from_db()
    assert (review.status, review.moderated_by) == (ReviewStatus.APPROVED, admin)
    assert "Thank you" in client.get(reverse("public:reviews", args=["cryomassage-contact"])).content.decode()
    moderator.post(reverse("reviews:moderate", args=[review.pk]), {"decision": "rejected", "note": "names a patient"})
    assert Review.objects.get().status == ReviewStatus.REJECTED
    assert "Thank you" not in client.get(reverse("public:reviews", args=["cryomassage-contact"])).content.decode()


def test_a_registrar_or_clinician_cannot_moderate(done, as_registrar, as_clinician):
    review = reviews.review_submit(patient=done.patient, course=done, rating=5)
    for staff in (as_registrar, as_clinician):
        assert staff.get(reverse("reviews:moderation")).status_code == 403
        answer = staff.post(reverse("reviews:moderate", args=[review.pk]), {"decision": "approved"})
        assert answer.status_code == 403
    assert Review.objects.get().status == ReviewStatus.PENDING


def test_anonymous_moderation_is_sent_to_the_login(done, client):
    review = reviews.review_submit(patient=done.patient, course=done, rating=5)
    for answer in (
        client.get(reverse("reviews:moderation")),
        client.post(reverse("reviews:moderate", args=[review.pk]), {"decision": "approved"}),
    ):
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert Review.objects.get().status == ReviewStatus.PENDING


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_the_invitation_once_over_two_ticks(done):
    from tests.helpers import SmtpSink, celery_worker
    from tests.reminders.test_reminders_real_worker import smtp_env, wait_for

    with SmtpSink() as smtp, celery_worker(queue="celery", extra_env=smtp_env(smtp)):
        reminders.tick()
        reminders.tick()  # a second beat before the first message went: nothing more is queued
        arrived = wait_for(lambda: len(smtp.messages) >= 1, 60)
        time.sleep(3)  # anything sent twice would arrive by now
        reminders.tick()
        time.sleep(2)
    assert arrived and len(smtp.messages) == 1
    assert Dispatch.objects.get(kind="review_invite").status == DispatchStatus.SENT
    assert ReviewInvitation.objects.count() == 1


def test_the_moderation_list_reads_in_a_fixed_number_of_queries_and_is_audited(rated, django_assert_max_num_queries):
    from audit.models import AuditEvent

    moderator = login(UserFactory(username="admin4", role="administrator"))
    url = reverse("reviews:moderation") + "?status=approved"
    moderator.get(url)
    with django_assert_max_num_queries(12):
        page = moderator.get(url).content.decode()
    assert page.count("data-review=") == 3
    event = AuditEvent.objects.filter(record_type="results.review").latest("at")
    approved = Review.objects.filter(status=ReviewStatus.APPROVED).values_list("pk", flat=True)
    assert sorted(event.detail["ids"]) == sorted(approved) and len(approved) == 3


def test_the_export_holds_her_review_and_anonymisation_keeps_only_its_rating(done, administrator):
    review = reviews.review_submit(patient=done.patient, course=done, rating=4, comment="Волосы гуще, спасибо Анне")
    exported = export_patient(actor=administrator, patient=done.patient)
    assert [(r["rating"], r["comment"]) for r in exported["reviews"]] == [(4, "Волосы гуще, спасибо Анне")]
    anonymise_patient(actor=administrator, patient=done.patient, reason="Written request")
    review.refresh_from_db()
    assert (review.rating, review.comment, review.display_name) == (4, "", "—")
