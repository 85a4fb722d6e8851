"""Session notes: what was done in a session and how the patient reacted, signed like a screening.

A note is written by whoever may record the session's outcome, from the session's start; it is
never edited: a correction is a new version with its reason. Where the procedure says so
(`Procedure.requires_session_note`), a session is marked completed only once it has a note; the
note form can sign the note and mark the session completed in one step.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from core.dates import short_date

from ..models import Session, SessionNote, SessionStatus
from .sessions import _may_record, session_record_outcome

NUMBERS = ("passes", "exposure_seconds", "volume_ml")
TEXTS = ("zones", "reaction", "notes")


def _fields(data: dict) -> dict:
    """The note's own fields from `data`: numbers may be None, texts are stripped strings."""
    return {**{k: data.get(k) for k in NUMBERS}, **{k: (data.get(k) or "").strip() for k in TEXTS}}


def current_note(session: Session) -> SessionNote | None:
    """The newest version of the session's note, or None."""
    return SessionNote.objects.filter(session=session).order_by("-version").first()


def _check_writable(session: Session) -> None:
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.COMPLETED):
        raise ValidationError(_("A note is written for a session that took place."), code="not_held")
    if timezone.now() < session.start:
        raise ValidationError(
            _("The session starts at %(when)s: its note can be written from then on.")
            % {"when": short_date(session.start.astimezone(session.location.tz), time=True)},
            code="too_early",
        )


def _save(note: SessionNote) -> SessionNote:
    note.full_clean(exclude=["amends", "chain", "version", "patient", "signed_by", "session"])
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:
        raise ValidationError(_("This session already has a note: correct it instead."), code="note_exists") from None
    return note


@transaction.atomic
def session_note_sign(*, actor, session: Session, data: dict, complete: bool = False, request=None) -> SessionNote:
    """Sign the first note of a session; with `complete`, also mark a scheduled session completed."""
    _may_record(actor, session)
    session = Session.objects.select_for_update().select_related("course__procedure", "location").get(pk=session.pk)
    _check_writable(session)
    if SessionNote.objects.filter(session=session).exists():
        raise ValidationError(_("This session already has a note: correct it instead."), code="note_exists")
    note = _save(
        SessionNote(
            session=session,
            patient_id=session.patient_id,
            signed_by=actor,
            signed_at=timezone.now(),
            **_fields(data),
        )
    )
    audit_record(request=request, actor=actor, action=Action.CREATE, patient=session.patient_id, record=note)
    if complete and session.status == SessionStatus.SCHEDULED:
        session_record_outcome(actor=actor, session=session, outcome=SessionStatus.COMPLETED, request=request)
    return note


@transaction.atomic
def session_note_amend(*, actor, previous: SessionNote, reason: str, data: dict, request=None) -> SessionNote:
    """Correct a note: a new version with the reason; the old one stays as it was."""
    _may_record(actor, previous.session)
    if not (reason or "").strip():
        raise ValidationError({"amendment_reason": _("Say why the note is corrected.")}, code="reason_required")
    locked = SessionNote.objects.select_for_update().get(pk=previous.pk)
    if SessionNote.objects.filter(amends=locked).exists():
        raise ValidationError(
            _("This version has already been corrected; amend the newest version."), code="not_current"
        )
    note = _save(
        SessionNote(
            session_id=locked.session_id,
            patient_id=locked.patient_id,
            signed_by=actor,
            signed_at=timezone.now(),
            chain=locked.chain,
            version=locked.version + 1,
            amends=locked,
            amendment_reason=reason.strip(),
            **_fields(data),
        )
    )
    audit_record(
        request=request,
        actor=actor,
        action=Action.CREATE,
        patient=locked.patient_id,
        record=note,
        detail={"amends": locked.pk},
    )
    return note
