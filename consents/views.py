"""Consent pages for staff (the clinic's tablet, sending a link, a signed form and its PDF), the link
a patient signs at home with, and the public privacy page.

Every object is fetched through a helper already scoped to the user (patients.selectors,
consents.selectors); reading a signed form or its PDF is an audit event.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import Action
from audit.services import audit_record
from core.branding import clinic
from core.forms import apply_service_error
from core.http import no_referrer, no_store, token_landing
from core.policy import allowed, permission_required
from patients.selectors import patient_get_for_user

from . import selectors, services
from .forms import AskCodeForm, EnterCodeForm, InClinicForm, SendLinkForm
from .models import Decision, text_hash
from .pdf import consent_pdf
from .signature import as_data_url

LINK_SESSION_KEY = "consent_link"


def _next(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _language() -> str:
    return "en" if (get_language() or "ru").startswith("en") else "ru"


def _current(template):
    version = selectors.current_version(template)
    if version is None:
        raise Http404
    return version


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


# ---------------------------------------------------------------- staff


@permission_required("consent.witness")
@require_http_methods(["GET", "POST"])
def sign_in_clinic_view(request, patient_pk: int, template_pk: int):
    """The tablet page: the patient reads, signs by drawing or by typing and ticking (or refuses);
    the clinician signed in confirms as witness."""
    patient = patient_get_for_user(request.user, patient_pk, action="consent.view")
    template = selectors.template_get(template_pk)
    version, language = _current(template), _language()
    text = version.text(language)
    form = InClinicForm(request.POST or None, initial={"version": version.pk, "text_hash": text_hash(text)})
    back = _next(request, patient.get_absolute_url())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.consent_record_in_clinic(
                actor=request.user,
                patient=patient,
                template=template,
                version_id=data["version"],
                shown_hash=data["text_hash"],
                language=language,
                decision=request.POST.get("decision", ""),
                signature=data["signature"],
                typed_name=data["typed_name"],
                ticked=data["ticked"],
                witnessed=data["witnessed"],
                request=request,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            if request.POST.get("decision") == Decision.REFUSED:
                messages.warning(request, _("The refusal is recorded."))
            else:
                messages.success(request, _("The consent is signed."))
            return redirect(back)
    context = {
        "patient": patient,
        "template": template,
        "version": version,
        "paragraphs": _paragraphs(text),
        "form": form,
        "back": back,
    }
    return no_store(render(request, "consents/sign_in_clinic.html", context))


@permission_required("consent.send")
@require_POST
def send_link_view(request, patient_pk: int, template_pk: int):
    """Send the patient a link to sign at home: by SMS or e-mail."""
    patient = patient_get_for_user(request.user, patient_pk, action="consent.send")
    template = selectors.template_get(template_pk)
    form = SendLinkForm(request.POST)
    back = _next(request, patient.get_absolute_url())
    if not form.is_valid():
        messages.error(request, _("Choose SMS or e-mail."))
        return redirect(back)
    try:
        services.signing_link_send(
            actor=request.user,
            patient=patient,
            template=template,
            channel=form.cleaned_data["channel"],
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The signing link is sent."))
    return redirect(back)


@permission_required("consent.view")
def consent_detail_view(request, pk: int):
    """A signed form as stored: its state and text for everyone who sees the patient; the evidence
    (address, browser, hashes, the drawn signature, the code) for clinicians only. Audited."""
    consent = selectors.consent_get_for_staff(request.user, pk)
    evidence = allowed(request.user, "consent.evidence")
    audit_record(
        request=request, action=Action.VIEW, patient=consent.patient, record=consent, detail={"evidence": evidence}
    )
    context = {"consent": consent, "paragraphs": _paragraphs(consent.text), "evidence": None, "signature": None}
    if evidence:
        context |= {"evidence": selectors.consent_evidence(consent), "signature": as_data_url(consent.signature_png)}
    return no_store(render(request, "consents/detail.html", context))


def pdf_response(request, consent) -> HttpResponse:
    audit_record(request=request, action=Action.VIEW, patient=consent.patient, record=consent, detail={"pdf": True})
    response = HttpResponse(consent_pdf(consent, clinic=clinic()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}.pdf"'
    return no_store(response)


@permission_required("consent.evidence")  # the PDF carries the signature and the evidence
def consent_pdf_view(request, pk: int):
    return pdf_response(request, selectors.consent_get_for_staff(request.user, pk))


# ---------------------------------------------------------------- the link a patient signs at home with


@login_not_required
def link_landing_view(request, token: str):
    return token_landing(request, key=LINK_SESSION_KEY, value=token, next_name="consents:link-page")


def code_flow(request, *, patient, template, link=None):
    """Ask for a code (sign or refuse), then enter it. Returns (context, signed consent or None)."""
    ask, enter, consent = AskCodeForm(), None, None
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "ask":
        ask = AskCodeForm(request.POST)
        if ask.is_valid():
            try:
                code = services.code_request(
                    patient=patient,
                    template=template,
                    decision=ask.cleaned_data["decision"],
                    channel=ask.cleaned_data["channel"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_error(ask, error)
            else:
                enter = EnterCodeForm(initial={"code_id": code.pk})
                enter.decision, enter.channel = code.decision, code.channel
    elif action == "code":
        enter = EnterCodeForm(request.POST)
        if enter.is_valid():
            try:
                consent = services.code_sign(
                    patient=patient,
                    code_id=enter.cleaned_data["code_id"],
                    raw=enter.cleaned_data["code"],
                    language=_language(),
                    request=request,
                    link=link,
                )
            except ValidationError as error:
                apply_service_error(enter, error)
    version = _current(template)
    context = {
        "template": template,
        "version": version,
        "paragraphs": _paragraphs(version.text(_language())),
        "ask": ask,
        "enter": enter,
        "patient": patient,
    }
    return context, consent


@login_not_required
@require_http_methods(["GET", "POST"])
def link_page_view(request):
    token = request.session.get(LINK_SESSION_KEY, "")
    try:
        link = services.signing_link_check(token)
    except services.LinkRefused as refused:
        return no_referrer(render(request, "consents/link_refused.html", {"message": refused.message}, status=410))
    context, consent = code_flow(request, patient=link.patient, template=link.template, link=link)
    if consent is not None:
        request.session.pop(LINK_SESSION_KEY, None)
        return no_referrer(render(request, "consents/done.html", {"consent": consent}))
    return no_referrer(render(request, "consents/link_page.html", context))


# ---------------------------------------------------------------- public


@login_not_required
def privacy_view(request):
    """The privacy policy: the current text of the personal-data consent form."""
    version = selectors.personal_data_version()
    paragraphs = _paragraphs(version.text(_language())) if version else []
    return render(request, "consents/privacy.html", {"version": version, "paragraphs": paragraphs})
