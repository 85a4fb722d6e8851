"""Warning signs a patient reports after a session: they reach the session's clinician once, stay in the
record, and only clinicians and the patient read them."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from audit.models import Action, AuditEvent
from reminders import services as reminders
from reminders.links import session_report_link
from reminders.models import Dispatch, DispatchStatus
from scheduling.models import ResourceBooking, Session, SessionStatus, WarningReport, WarningReportAction
from scheduling.services import warning_report_create, warning_report_record_action

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from ..helpers import page_queries
from .conftest import book_course

pytestmark = pytest.mark.django_db


def _held(session, days_ago=2):
    """The session took place `days_ago` days ago and is recorded completed."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    end = start + datetime.timedelta(minutes=20)
    Session.objects.filter(pk=session.pk).update(start=start, end=end, status=SessionStatus.COMPLETED, outcome_at=end)
    ResourceBooking.objects.filter(session=session).update(start=start, end=end)
    session.refresh_from_db()
    return session


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location):
    return book_course(registrar, eligible_patient, cryo, location)


@pytest.fixture
def held(course):
    session = _held(course.sessions.order_by("start").first())
    type(session.clinician).objects.filter(pk=session.clinician_id).update(email="doctor@example.com")
    session.clinician.refresh_from_db()
    return session


@pytest.fixture
def doctor(held):
    return held.clinician


@pytest.fixture
def me(patient_user):
    return login(patient_user)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _report(session, signs=("irritation",), **kwargs):
    return warning_report_create(patient=session.patient, session=session, signs=list(signs), **kwargs)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 120, 120))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}  # GPSInfo: Moscow
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _deliver_all():
    for ids in reminders.enqueue():
        reminders.send_batch(ids)


# ---------------------------------------------------------------- reaching the clinician


def test_a_report_reaches_the_sessions_clinician_by_one_email_even_if_the_scan_runs_twice(me, held, doctor):
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["swelling"], "text": "eyelids"})
    assert answer.status_code == 302
    report = WarningReport.objects.get()
    assert (report.session, report.signs, report.urgent) == (held, ["swelling"], True)

    for _ in range(2):  # a second scan, or a second beat, adds nothing
        reminders.scan()
        _deliver_all()
    [dispatch] = Dispatch.objects.filter(report=report)
    assert (dispatch.kind, dispatch.channel, dispatch.status) == ("warning_report", "email", DispatchStatus.SENT)
    [email] = mail.outbox
    assert email.to == ["doctor@example.com"]
    body = email.body
    assert reverse("scheduling:warning-report", args=[report.pk]) in body
    assert "Urgent" in email.subject and "Urgent." in body
    # Email is not a secure channel: no name, no sign, no words of the patient's.
    for private in (held.patient.full_name, "swelling", "eyelids", held.course.procedure.name):
        assert private.lower() not in body.lower() and private.lower() not in email.subject.lower()


@pytest.fixture
def eager_celery():
    """The beat task's body and the send task run in this process, as a worker would run them."""
    from clinic.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_two_beat_ticks_through_celery_send_the_clinician_one_email(
    held, doctor, eager_celery, django_capture_on_commit_callbacks
):
    report = _report(held, signs=["scars"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.tick()
    assert [d.status for d in Dispatch.objects.filter(report=report)] == [DispatchStatus.SENT]
    assert len(mail.outbox) == 1 and "Not urgent." in mail.outbox[0].body


def test_a_second_report_on_the_same_session_is_notified_too(held, doctor):
    _report(held)
    _report(held, signs=["dryness"])
    reminders.scan()
    reminders.scan()
    assert Dispatch.objects.filter(report__isnull=False).count() == 2


def test_a_clinician_without_an_email_gets_no_dispatch_but_the_worklist_shows_it(held, doctor):
    type(doctor).objects.filter(pk=doctor.pk).update(email="")
    _report(held)
    reminders.scan()
    assert not Dispatch.objects.filter(report__isnull=False).exists()
    page = login(doctor).get(reverse("scheduling:worklist")).content.decode()
    assert "Patients reported problems" in page


# ---------------------------------------------------------------- the patient's side


def test_an_urgent_sign_shows_the_clinics_phone_at_once(me, held, location):
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["fever"]}, follow=True)
    page = answer.content.decode()
    assert 'id="urgent-phone"' in page and "Call the clinic now" in page and location.phone in page


def test_a_sign_that_can_wait_says_the_clinician_will_contact_you(me, held):
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["dryness"]}, follow=True)
    page = answer.content.decode()
    assert 'id="urgent-phone"' not in page and "Your clinician will read it and contact you." in page
    assert WarningReport.objects.get().urgent is False


def test_other_needs_a_description(me, held):
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["other"], "text": " "})
    assert answer.status_code == 400 and "Describe the problem in a few words." in answer.content.decode()
    assert not WarningReport.objects.exists()


def test_the_home_page_offers_a_report_on_a_recent_completed_session(me, held):
    page = me.get(reverse("portal:home")).content.decode()
    assert reverse("portal:session-report", args=[held.pk]) in page


def test_a_session_more_than_two_weeks_ago_cannot_be_reported_online(me, held, location):
    _held(held, days_ago=15)
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["scars"]})
    page = answer.content.decode()
    assert answer.status_code == 409 and "more than 14 days ago" in page and location.phone in page
    assert not WarningReport.objects.exists()


def test_a_session_still_ahead_cannot_be_reported(me, course):
    session = course.sessions.order_by("start").first()
    answer = me.post(reverse("portal:session-report", args=[session.pk]), {"signs": ["scars"]})
    assert answer.status_code == 409 and not WarningReport.objects.exists()


def test_another_patient_can_neither_report_on_my_session_nor_read_my_report(held, location):
    stranger_login = UserFactory(username="patient2", role="patient")
    PatientFactory(home_location=location, user=stranger_login)
    report = _report(held)
    stranger = login(stranger_login)
    assert stranger.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["scars"]}).status_code == 404
    assert stranger.get(reverse("portal:warning-report", args=[report.pk])).status_code == 404
    assert WarningReport.objects.count() == 1


def test_the_patient_reads_their_own_report(me, held):
    report = _report(held, text="itchy patches")
    page = me.get(reverse("portal:warning-report", args=[report.pk])).content.decode()
    assert "itching, irritation, red spots" in page and "itchy patches" in page


def test_the_aftercare_link_opens_the_form_without_a_password(held, client):
    landing = client.get(session_report_link(held))
    assert landing.status_code == 302 and landing["Referrer-Policy"] == "no-referrer"
    form = client.get(landing["Location"])
    # In the patient's own language (Russian here), as the session link's page is.
    assert form.status_code == 200 and "Сообщить о проблеме после сеанса" in form.content.decode()
    assert 'name="signs"' in form.content.decode()
    sent = client.post(landing["Location"], {"signs": ["swelling"]})
    assert sent.status_code == 200 and 'id="urgent-phone"' in sent.content.decode()
    report = WarningReport.objects.get()
    assert (report.via, report.session) == ("link", held)


def test_the_aftercare_email_carries_the_report_link(held, eligible_patient):
    type(eligible_patient).objects.filter(pk=eligible_patient.pk).update(
        consent_email=True, email="maria@example.com", preferred_language="en"
    )
    _held(held, days_ago=0.5)  # the aftercare note goes out within a day of the outcome
    reminders.scan()
    dispatch = Dispatch.objects.get(session=held, kind="aftercare", channel="email")
    assert "/s/" in reminders.compose(dispatch).text and "/report/" in reminders.compose(dispatch).text


# ---------------------------------------------------------------- the photo


def test_a_photo_is_kept_without_its_gps_and_camera_data(me, held):
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    assert Image.open(io.BytesIO(_jpeg_with_gps())).getexif().get(0x8825)  # the test's photo has GPS
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["scars"], "photo": upload})
    assert answer.status_code == 302
    report = WarningReport.objects.get()
    with report.photo.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data and b"PhoneMaker" not in data
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}
    assert report.photo.name.startswith(f"warning-reports/{held.patient_id}/")


def test_a_file_that_is_not_an_image_is_refused_with_a_message(me, held):
    upload = SimpleUploadedFile("p.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["scars"], "photo": upload})
    assert answer.status_code == 400
    assert "This file is not a photo we can read" in answer.content.decode()
    assert not WarningReport.objects.exists()


def test_the_photo_is_served_to_a_clinician_only_and_the_read_is_audited(held, doctor, registrar):
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    report = _report(held, photo=upload)
    url = reverse("scheduling:warning-report-photo", args=[report.pk])
    answer = login(doctor).get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert b"".join(answer.streaming_content)[:2] == b"\xff\xd8"
    assert AuditEvent.objects.filter(action=Action.VIEW, record_id=report.pk, detail__photo=True).exists()
    assert login(registrar).get(url).status_code == 403


# ---------------------------------------------------------------- the clinician's side


def test_reading_a_report_is_audited_and_only_clinicians_of_the_location_may(held, doctor, registrar, administrator):
    report = _report(held)
    url = reverse("scheduling:warning-report", args=[report.pk])
    assert login(doctor).get(url).status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.VIEW, record_type="scheduling.warningreport", record_id=report.pk, actor=doctor
    ).exists()
    assert login(registrar).get(url).status_code == 403
    assert login(administrator).get(url).status_code == 403
    elsewhere = UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])
    assert login(elsewhere).get(url).status_code == 404


def test_the_clinician_records_what_was_done_and_closes_the_report(held, doctor):
    report = _report(held)
    client = login(doctor)
    url = reverse("scheduling:warning-report", args=[report.pk])
    assert client.post(url, {"action": ""}).status_code == 400
    client.post(url, {"action": "Called the patient; cold compress."})
    client.post(url, {"action": "Seen in clinic, settled.", "resolved": "on"})
    rows = list(WarningReportAction.objects.filter(report=report).order_by("pk"))
    assert [(r.action, r.resolved, r.recorded_by) for r in rows] == [
        ("Called the patient; cold compress.", False, doctor),
        ("Seen in clinic, settled.", True, doctor),
    ]
    assert AuditEvent.objects.filter(action=Action.CREATE, record_type="scheduling.warningreportaction").count() == 2
    page = client.get(url).content.decode()
    assert "Resolved" in page and 'name="action"' not in page  # closed: no more actions
    with pytest.raises(Exception, match="already marked resolved"):
        warning_report_record_action(actor=doctor, report=report, action="again", resolved=True)


def test_reports_and_actions_are_never_edited(held, doctor):
    report = _report(held)
    action = warning_report_record_action(actor=doctor, report=report, action="Called")
    for statement in (
        lambda: WarningReport.objects.filter(pk=report.pk).update(text="changed"),
        lambda: WarningReportAction.objects.filter(pk=action.pk).update(action="changed"),
        lambda: WarningReport.objects.filter(pk=report.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()


def test_the_database_keeps_urgent_to_the_signs(held):
    with pytest.raises(IntegrityError), transaction.atomic():
        WarningReport.objects.create(session=held, patient=held.patient, signs=["fever"], urgent=False, via="portal")
    with pytest.raises(IntegrityError), transaction.atomic():
        WarningReport.objects.create(session=held, patient=held.patient, signs=["nonsense"], urgent=False, via="portal")


def test_the_worklist_lists_open_reports_urgent_first_in_a_fixed_number_of_queries(held, doctor):
    client = login(doctor)
    _report(held, signs=["dryness"])
    one = page_queries(client, reverse("scheduling:worklist"))
    urgent = _report(held, signs=["dark_circles"])
    _report(held, signs=["scars"])
    three = page_queries(client, reverse("scheduling:worklist"))
    assert one == three
    page = client.get(reverse("scheduling:worklist")).content.decode()
    alert = page[page.index("Patients reported problems") :]
    assert alert.index(urgent.get_absolute_url()) < alert.index("excessive dryness")
    warning_report_record_action(actor=doctor, report=urgent, action="Seen", resolved=True)
    page = client.get(reverse("scheduling:worklist")).content.decode()
    assert urgent.get_absolute_url() not in page  # resolved: off the alert


def test_the_patient_record_and_the_course_page_show_reports_to_clinicians_only(held, doctor, registrar):
    report = _report(held)
    for url in (held.patient.get_absolute_url(), held.course.get_absolute_url()):
        assert report.get_absolute_url() in login(doctor).get(url).content.decode()
        assert report.get_absolute_url() not in login(registrar).get(url).content.decode()


def test_the_patients_export_carries_their_reports_and_what_was_done(held, doctor, administrator):
    from records.services import export_patient

    report = _report(held, signs=["scars", "other"], text="a thin line")
    warning_report_record_action(actor=doctor, report=report, action="Seen", resolved=True)
    [exported] = export_patient(actor=administrator, patient=held.patient)["warning_reports"]
    assert (exported["signs"], exported["text"], exported["urgent"]) == (["scars", "other"], "a thin line", False)
    assert [(a["action"], a["resolved"]) for a in exported["actions"]] == [("Seen", True)]


def test_the_session_links_page_of_a_completed_session_offers_the_report_form(held, client):
    from reminders.links import session_link

    page = client.get(session_link(held), follow=True).content.decode()
    assert reverse("session-link-report-page") in page


def test_the_api_lists_a_clinicians_open_reports_and_shows_one_with_its_actions(held, doctor, registrar):
    from rest_framework.test import APIClient

    from ..accounts.test_api_matrix import _client

    report = _report(held, signs=["fever"], text="38.2")
    warning_report_record_action(actor=doctor, report=report, action="Called")
    api = _client(doctor)
    [row] = api.get(reverse("api-warning-reports")).json()
    assert (row["id"], row["signs"], row["urgent"], row["resolved_at"]) == (report.pk, ["fever"], True, None)
    assert AuditEvent.objects.filter(action=Action.VIEW_LIST, record_type="scheduling.warningreport").exists()
    detail = api.get(reverse("api-warning-report", args=[report.pk])).json()
    assert [a["action"] for a in detail["actions"]] == ["Called"] and detail["text"] == "38.2"
    assert _client(registrar).get(reverse("api-warning-reports")).status_code == 403
    assert APIClient().get(reverse("api-warning-reports")).status_code == 401
    warning_report_record_action(actor=doctor, report=report, action="Settled", resolved=True)
    assert api.get(reverse("api-warning-reports")).json() == []
    assert len(api.get(reverse("api-warning-reports"), {"open": "false"}).json()) == 1


def test_a_body_far_larger_than_a_photo_may_be_is_refused_unread(me, held):
    upload = SimpleUploadedFile("p.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), content_type="image/jpeg")
    answer = me.post(reverse("portal:session-report", args=[held.pk]), {"signs": ["scars"], "photo": upload})
    assert answer.status_code == 413 and "The photo is too large: at most 10 MB." in answer.content.decode()
    assert not WarningReport.objects.exists()


def test_the_patient_sees_that_the_clinic_took_up_and_then_closed_the_report_but_not_its_notes(held, doctor, me):
    report = _report(held, signs=("swelling",))
    url = reverse("portal:warning-report", args=[report.pk])
    page = me.get(url).content.decode()
    assert 'id="urgent-phone"' in page and 'id="report-state"' not in page
    warning_report_record_action(actor=doctor, report=report, action="Called: cold compress, antihistamine.")
    page = me.get(url).content.decode()
    assert 'class="alert alert-info" id="report-state"' in page and 'id="urgent-phone"' not in page
    assert "antihistamine" not in page  # the clinician's notes are the record's, not the page's
    warning_report_record_action(actor=doctor, report=report, action="Seen, settled.", resolved=True)
    page = me.get(url).content.decode()
    assert 'class="alert alert-success" id="report-state"' in page and "settled" not in page
