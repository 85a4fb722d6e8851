"""Session notes: what was done in a session, signed like a screening; required before "completed" where set."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from procedures.models import Procedure
from records.services import export_patient
from scheduling.models import ResourceBooking, Session, SessionNote, SessionStatus
from scheduling.services import (
    session_cancel,
    session_correct_outcome,
    session_note_amend,
    session_note_sign,
    session_record_outcome,
)

from ..factories import LocationFactory, UserFactory
from .conftest import book_course

pytestmark = pytest.mark.django_db

NOTE = {"zones": "whole head, along the partings", "passes": 3, "exposure_seconds": 6, "reaction": "mild redness"}


def _started(session, hours_ago=1):
    start = timezone.now() - datetime.timedelta(hours=hours_ago)
    Session.objects.filter(pk=session.pk).update(start=start, end=start + datetime.timedelta(minutes=20))
    ResourceBooking.objects.filter(session=session).update(start=start, end=start + datetime.timedelta(minutes=20))
    session.refresh_from_db()
    return session


@pytest.fixture
def first(registrar, clinic, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location)
    return _started(course.sessions.order_by("start").first())


@pytest.fixture
def notes_required(cryo):
    Procedure.objects.filter(pk=cryo.pk).update(requires_session_note=True)


def test_a_clinician_signs_a_note_and_completes_the_session_in_one_step(first):
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE, complete=True)
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED
    assert (note.version, note.zones, note.passes, note.patient_id, note.signed_by) == (
        1,
        "whole head, along the partings",
        3,
        first.patient_id,
        first.clinician,
    )
    assert AuditEvent.objects.filter(action="create", record_type="scheduling.sessionnote", record_id=note.pk).exists()


def test_where_the_procedure_needs_a_note_completed_without_one_is_refused_with_the_reason(first, notes_required):
    with pytest.raises(ValidationError) as error:
        session_record_outcome(actor=first.clinician, session=first, outcome=SessionStatus.COMPLETED)
    assert error.value.code == "note_required"
    assert "Write the session note first" in error.value.messages[0]
    first.refresh_from_db()
    assert first.status == SessionStatus.SCHEDULED
    session_record_outcome(actor=first.clinician, session=first, outcome=SessionStatus.NO_SHOW)  # a no-show needs none
    with pytest.raises(ValidationError) as error:  # nor can a correction to "completed" skip it
        session_correct_outcome(actor=first.clinician, session=first, outcome="completed", reason="she came late")
    assert error.value.code == "note_required"


def test_with_the_note_signed_the_session_can_be_marked_completed(first, notes_required):
    session_note_sign(actor=first.clinician, session=first, data=NOTE)
    session_record_outcome(actor=first.clinician, session=first, outcome=SessionStatus.COMPLETED)
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED


def test_a_note_is_not_written_before_the_start_or_for_a_cancelled_session(
    registrar, clinic, eligible_patient, cryo, location
):
    course = book_course(registrar, eligible_patient, cryo, location)
    later = course.sessions.order_by("start").last()
    with pytest.raises(ValidationError) as error:
        session_note_sign(actor=later.clinician, session=later, data=NOTE)
    assert error.value.code == "too_early"
    session_cancel(actor=registrar, session=later, reason="patient ill")
    _started(later)
    with pytest.raises(ValidationError) as error:
        session_note_sign(actor=later.clinician, session=later, data=NOTE)
    assert error.value.code == "not_held"
    assert not SessionNote.objects.exists()


def test_a_second_note_for_a_session_is_refused_and_the_database_has_the_last_word(first):
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE)
    with pytest.raises(ValidationError) as error:
        session_note_sign(actor=first.clinician, session=first, data=NOTE)
    assert error.value.code == "note_exists"
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionNote.objects.create(
            session=first, patient=first.patient, signed_by=first.clinician, signed_at=timezone.now(), zones="again"
        )
    assert SessionNote.objects.get(session=first) == note


def test_a_correction_is_a_new_version_with_its_reason_and_the_first_stays(first):
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE)
    with pytest.raises(ValidationError):
        session_note_amend(actor=first.clinician, previous=note, reason=" ", data=NOTE)
    amended = session_note_amend(
        actor=first.clinician, previous=note, reason="exposure was 7 s", data={**NOTE, "exposure_seconds": 7}
    )
    assert (amended.version, amended.amends_id, amended.chain, amended.exposure_seconds) == (2, note.pk, note.chain, 7)
    note.refresh_from_db()
    assert note.exposure_seconds == 6
    with pytest.raises(ValidationError) as error:
        session_note_amend(actor=first.clinician, previous=note, reason="again", data=NOTE)
    assert error.value.code == "not_current"


def test_the_database_refuses_to_edit_or_delete_a_signed_note(first):
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE)
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(zones="edited")
    with pytest.raises(DatabaseError), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).delete()


def test_only_a_clinician_who_may_record_the_session_writes_its_note(first, registrar):
    stranger = UserFactory(username="doc_far", role="clinician", locations=[LocationFactory(name="Far branch")])
    for actor in (registrar, stranger):
        with pytest.raises(PermissionDenied):
            session_note_sign(actor=actor, session=first, data=NOTE)
    assert not SessionNote.objects.exists()


# Pages --------------------------------------------------------------------------------------------


def test_the_course_page_sends_completed_through_the_note_form_where_a_note_is_needed(client, first, notes_required):
    client.force_login(first.clinician)
    page = client.get(reverse("scheduling:course", args=[first.course_id]))
    note_url = reverse("scheduling:session-note-create", args=[first.pk])
    assert "Completed: write the note" in page.text and note_url in page.text
    response = client.post(note_url, {"zones": "crown", "passes": "3", "complete": "on"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED and first.notes.get().zones == "crown"


def test_the_note_form_says_what_is_missing_and_saves_nothing(client, first):
    client.force_login(first.clinician)
    response = client.post(reverse("scheduling:session-note-create", args=[first.pk]), {"passes": "99"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["zones"] == ["Say which zones were treated."] and "passes" in errors
    assert not SessionNote.objects.exists()


def test_reading_a_note_is_audited_and_kept_from_registrars_and_strangers(client, first, registrar):
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE)
    url = reverse("scheduling:session-note", args=[note.pk])
    client.force_login(registrar)
    assert client.get(url).status_code == 403
    stranger = UserFactory(username="doc_far", role="clinician", locations=[LocationFactory(name="Far branch")])
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="view", record_type="scheduling.sessionnote").exists()
    client.force_login(first.clinician)
    page = client.get(url)
    assert page.status_code == 200 and "whole head, along the partings" in page.text
    event = AuditEvent.objects.get(action="view", record_type="scheduling.sessionnote")
    assert event.record_id == note.pk and event.patient_id == first.patient_id
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_the_patient_record_lists_notes_for_clinicians_only(client, first, registrar):
    session_note_sign(actor=first.clinician, session=first, data=NOTE)
    url = reverse("patient-detail", args=[first.patient_id])
    client.force_login(first.clinician)
    assert "Session notes" in client.get(url).text
    client.force_login(registrar)
    assert "Session notes" not in client.get(url).text


def test_the_export_carries_every_version_of_the_notes(first, administrator):
    note = session_note_sign(actor=first.clinician, session=first, data={**NOTE, "volume_ml": Decimal("2.5")})
    session_note_amend(actor=first.clinician, previous=note, reason="typo", data=NOTE)
    exported = export_patient(actor=administrator, patient=first.patient)
    notes = next(v for k, v in _walk(exported) if k == "session_notes")
    assert [(n["version"], n["volume_ml"]) for n in notes] == [(1, "2.5"), (2, None)]


def _walk(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value
            yield from _walk(value)


def test_the_note_shows_the_sessions_time_in_its_locations_zone(client, first):
    import zoneinfo

    from accounts.models import Location

    Location.objects.filter(pk=first.location_id).update(time_zone="Asia/Vladivostok")  # UTC+10, Moscow +3
    note = session_note_sign(actor=first.clinician, session=first, data=NOTE)
    client.force_login(first.clinician)
    page = client.get(reverse("scheduling:session-note", args=[note.pk])).text
    local = first.start.astimezone(zoneinfo.ZoneInfo("Asia/Vladivostok")).strftime("%H:%M")
    moscow = first.start.astimezone(zoneinfo.ZoneInfo("Europe/Moscow")).strftime("%H:%M")
    assert local in page and moscow not in page
