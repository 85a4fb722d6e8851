"""Session notes: write one (and complete the session), read one (audited), correct one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import audit_record
from core.forms import apply_service_error
from core.policy import allowed, permission_required

from . import selectors, services
from .models import SessionNote, SessionStatus
from .note_forms import SessionNoteForm


def _note_for_user(user, pk: int, action: str) -> SessionNote:
    """The note if the user may do `action` and works at its session's location; else 403 or 404."""
    note = get_object_or_404(SessionNote.objects.only("session_id"), pk=pk)
    session = selectors.session_get_for_user(user, note.session_id, action=action)
    note = SessionNote.objects.select_related("signed_by").get(pk=pk)
    note.session = session
    return note


@permission_required("session.record")
@require_http_methods(["GET", "POST"])
def session_note_create_view(request, pk: int):
    session = selectors.session_get_for_user(request.user, pk, action="session.record")
    existing = services.current_note(session)
    if existing is not None:
        return redirect(existing)
    form = SessionNoteForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_note_sign(
                actor=request.user,
                request=request,
                session=session,
                data=form.note_data(),
                complete=form.cleaned_data.get("complete", False),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            session.refresh_from_db()
            if session.status == SessionStatus.COMPLETED and form.cleaned_data.get("complete"):
                messages.success(request, _("The note is signed and the session is marked completed."))
            else:
                messages.success(request, _("The note is signed."))
            return redirect(session.course)
    with timezone.override(session.location.tz):
        return render(request, "scheduling/note_form.html", {"session": session, "form": form})


@permission_required("clinical.view")
def session_note_view(request, pk: int):
    note = _note_for_user(request.user, pk, "clinical.view")
    chain = list(SessionNote.objects.filter(chain=note.chain).select_related("signed_by").order_by("-version"))
    audit_record(
        request=request,
        action=Action.VIEW,
        patient=note.patient_id,
        record=note,
        detail={"versions": [n.pk for n in chain]},
    )
    with timezone.override(note.session.location.tz):
        return render(
            request,
            "scheduling/note_detail.html",
            {
                "note": note,
                "session": note.session,
                "chain": chain,
                "is_current": chain[0].pk == note.pk,
                "can_record": allowed(request.user, "session.record"),
            },
        )


@permission_required("session.record")
@require_http_methods(["GET", "POST"])
def session_note_amend_view(request, pk: int):
    previous = _note_for_user(request.user, pk, "session.record")
    if request.method == "GET":  # the form shows the note on record: audited like a read
        audit_record(
            request=request, action=Action.VIEW, patient=previous.patient_id, record=previous, detail={"form": "amend"}
        )
    form = SessionNoteForm(
        request.POST or None,
        instance=None,
        session=previous.session,
        amending=previous,
        initial={k: getattr(previous, k) for k in SessionNoteForm._meta.fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            note = services.session_note_amend(
                actor=request.user,
                request=request,
                previous=previous,
                reason=form.cleaned_data["amendment_reason"],
                data=form.note_data(),
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The correction is signed as a new version."))
            return redirect(note)
    with timezone.override(previous.session.location.tz):
        return render(
            request, "scheduling/note_form.html", {"session": previous.session, "form": form, "amending": previous}
        )
