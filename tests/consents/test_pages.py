"""Consent pages: the tablet, the signing link, the portal's "My consents", the PDF, the privacy page,
and the website request form's personal-data consent."""

import hashlib
import io
import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from audit.models import Action, AuditEvent
from consents.models import Consent, Decision, Method, SigningLink, Withdrawal, text_hash
from consents.selectors import current_version, personal_data_version
from consents.services import code_request, code_sign
from patients.models import Patient
from scheduling.models import BookingRequest

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from .conftest import drawn_png, require_consent, sign_in_clinic


@pytest.fixture
def sms(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def _sent(sms) -> list[str]:
    return [json.loads(line)["text"] for line in sms.read_text().splitlines()]


def _tablet_post(client, patient, form, **data):
    version = current_version(form)
    url = reverse("consents:sign", args=[patient.pk, form.pk])
    body = {"version": version.pk, "text_hash": text_hash(version.text_en), "decision": "signed", **data}
    return client.post(url, body)


# ---------------------------------------------------------------- the tablet


def test_the_clinician_opens_the_tablet_page_and_the_patient_signs_by_drawing(as_clinician, patient, cryo_form):
    page = as_clinician.get(reverse("consents:sign", args=[patient.pk, cryo_form.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "js/consent-sign.js" in page.content.decode() and "<canvas" in page.content.decode()
    response = _tablet_post(as_clinician, patient, cryo_form, signature=drawn_png(), witnessed="on")
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.method == Method.DRAWN and consent.patient == patient


def test_the_tablet_page_says_what_is_missing(as_clinician, patient, cryo_form):
    response = _tablet_post(as_clinician, patient, cryo_form, signature="", typed_name="", witnessed="on")
    assert response.status_code == 200
    assert "Sign in the box, or type your full name and tick the box." in response.content.decode()
    assert not Consent.objects.exists()


def test_the_empty_tablet_form_says_the_signature_is_missing_as_well_as_the_witness(as_clinician, patient, cryo_form):
    page = _tablet_post(as_clinician, patient, cryo_form).content.decode()
    assert "Sign in the box, or type your full name and tick the box." in page
    assert "Confirm that you witnessed the patient&#x27;s decision." in page
    assert not Consent.objects.exists()


def test_the_tablet_refuses_a_typed_name_that_is_not_the_patient_in_russian(
    client, clinician, patient, cryo_form, settings
):
    Patient.objects.filter(pk=patient.pk).update(full_name="Соколов Дмитрий")
    client = login(clinician)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    version = current_version(cryo_form)
    url = reverse("consents:sign", args=[patient.pk, cryo_form.pk])
    body = {"version": version.pk, "text_hash": text_hash(version.text_ru), "decision": "signed"}
    response = client.post(url, {**body, "typed_name": "Иван", "ticked": "on", "witnessed": "on"})
    assert response.status_code == 200
    assert "Введите имя пациента полностью, как в карте: Соколов Дмитрий." in response.content.decode()
    assert not Consent.objects.exists()
    response = client.post(url, {**body, "typed_name": "дмитрий соколов", "ticked": "on", "witnessed": "on"})
    assert response.status_code == 302
    assert Consent.objects.get().typed_name == "дмитрий соколов"


def test_a_registrar_cannot_witness_and_a_stranger_clinician_does_not_find_the_patient(
    as_registrar, patient, cryo_form
):
    assert as_registrar.get(reverse("consents:sign", args=[patient.pk, cryo_form.pk])).status_code == 403
    stranger = UserFactory(username="far-doc", role="clinician", locations=[LocationFactory(name="Far away")])
    assert login(stranger).get(reverse("consents:sign", args=[patient.pk, cryo_form.pk])).status_code == 404


def test_the_signed_form_page_and_its_pdf_are_audited_reads(as_clinician, patient, cryo_form, clinician):
    consent = sign_in_clinic(clinician, patient, cryo_form)
    assert as_clinician.get(reverse("consents:detail", args=[consent.pk])).status_code == 200
    assert as_clinician.get(reverse("consents:pdf", args=[consent.pk])).status_code == 200
    reads = AuditEvent.objects.filter(action=Action.VIEW, record_type="consents.consent", record_id=consent.pk)
    assert reads.filter(actor=clinician).count() == 2
    assert reads.filter(actor=clinician, detail__evidence=True).count() == 1


def _drawn_in_clinic(clinician, patient, cryo_form):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="ClinicTablet/7.1")
    request.user = clinician
    return sign_in_clinic(clinician, patient, cryo_form, signature=drawn_png(), request=request)


def test_the_clinician_sees_the_evidence_of_a_signature(as_clinician, patient, cryo_form, clinician):
    consent = _drawn_in_clinic(clinician, patient, cryo_form)
    page = as_clinician.get(reverse("consents:detail", args=[consent.pk])).content.decode()
    image_hash = hashlib.sha256(bytes(consent.signature_png)).hexdigest()
    for shown in ("192.0.2.44", "ClinicTablet/7.1", consent.text_sha256, image_hash, "data:image/png;base64,"):
        assert shown in page
    assert reverse("consents:pdf", args=[consent.pk]) in page


def test_the_registrar_sees_the_state_and_the_text_but_no_evidence(
    as_registrar, patient, cryo_form, clinician, registrar
):
    consent = _drawn_in_clinic(clinician, patient, cryo_form)
    response = as_registrar.get(reverse("consents:detail", args=[consent.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "signed" in page and consent.text.split("\n\n")[0][:40] in page  # the state and the text
    image_hash = hashlib.sha256(bytes(consent.signature_png)).hexdigest()
    for hidden in ("192.0.2.44", "ClinicTablet", consent.text_sha256, image_hash, "data:image/png", "Evidence"):
        assert hidden not in page
    assert reverse("consents:pdf", args=[consent.pk]) not in page
    assert as_registrar.get(reverse("consents:pdf", args=[consent.pk])).status_code == 403
    read = AuditEvent.objects.get(action=Action.VIEW, record_id=consent.pk, actor=registrar)
    assert read.detail["evidence"] is False


def test_a_code_signature_shows_the_clinician_the_codes_hash_not_the_code(
    as_clinician, as_registrar, patient, cryo_form, sms, django_capture_on_commit_callbacks
):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.45")
    request.user = AnonymousUser()
    with django_capture_on_commit_callbacks(execute=True):
        code = code_request(patient=patient, template=cryo_form, decision="signed", channel="sms", request=request)
    raw = re.search(r"\b(\d{6})\b", _sent(sms)[-1]).group(1)
    consent = code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=request)
    code.refresh_from_db()
    clinician_page = as_clinician.get(reverse("consents:detail", args=[consent.pk])).content.decode()
    assert code.code_hash in clinician_page and raw not in clinician_page.replace(code.code_hash, "")
    registrar_page = as_registrar.get(reverse("consents:detail", args=[consent.pk])).content.decode()
    assert code.code_hash not in registrar_page and "192.0.2.45" not in registrar_page


def test_a_clinician_of_another_location_finds_no_signed_form(patient, cryo_form, clinician):
    consent = sign_in_clinic(clinician, patient, cryo_form)
    stranger = login(UserFactory(username="far-doc", role="clinician", locations=[LocationFactory(name="Far")]))
    assert stranger.get(reverse("consents:detail", args=[consent.pk])).status_code == 404
    assert stranger.get(reverse("consents:pdf", args=[consent.pk])).status_code == 404


# ---------------------------------------------------------------- the PDF


def test_the_pdf_renders_the_cyrillic_text_as_signed(client, patient, cryo_form, clinician, patient_user):
    consent = sign_in_clinic(clinician, patient, cryo_form, language="ru", signature=drawn_png())
    response = login(patient_user).get(reverse("consents:portal-pdf", args=[consent.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Информированное добровольное согласие на медицинское вмешательство" in flat
    assert "Криомассаж кожи головы (контактный)" in flat
    assert patient.full_name in flat and consent.text_sha256 in flat.replace(" ", "")


# ---------------------------------------------------------------- the registrar's link


def test_the_registrar_sends_a_signing_link_and_the_patient_signs_with_a_code(
    as_registrar, client, patient, cryo_form, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_registrar.post(
            reverse("consents:send", args=[patient.pk, cryo_form.pk]), {"channel": "sms", "next": "/x/"}
        )
    assert response.status_code == 302
    (text,) = _sent(sms)
    path = re.search(r"https?://[^/]+(/consent/[^ ]+/)", text).group(1)
    assert SigningLink.objects.get().token_hash not in text
    landing = client.get(path)
    assert landing.status_code == 302 and landing["Referrer-Policy"] == "no-referrer"
    page = client.get(landing["Location"])
    assert "Криомассаж" in page.content.decode() or "cryomassage" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(landing["Location"], {"action": "ask", "decision": "signed", "channel": "sms"})
    code = re.search(r"\b(\d{6})\b", _sent(sms)[-1]).group(1)
    code_id = Consent._meta.get_field("code").related_model.objects.get().pk
    done = client.post(landing["Location"], {"action": "code", "code_id": code_id, "code": code})
    assert "The consent is signed." in done.content.decode()
    assert Consent.objects.get().method == Method.SMS_CODE
    again = client.get(path, follow=True)
    assert again.status_code == 410  # the link has done its work


def test_only_staff_who_see_the_patient_send_links(patient, cryo_form, patient_user):
    stranger = UserFactory(username="far-reg", role="registrar", locations=[LocationFactory(name="Far away")])
    url = reverse("consents:send", args=[patient.pk, cryo_form.pk])
    assert login(stranger).post(url, {"channel": "sms"}).status_code == 404
    assert login(patient_user).post(url, {"channel": "sms"}).status_code == 403


# ---------------------------------------------------------------- the portal


def test_my_consents_lists_the_personal_data_form_and_signs_it_with_a_code(
    patient, patient_user, personal_data_form, sms, django_capture_on_commit_callbacks
):
    Patient.objects.filter(pk=patient.pk).update(preferred_language="en")  # the page in English
    me = login(patient_user)
    listing = me.get(reverse("consents:portal-list")).content.decode()
    assert personal_data_form.title_en in listing and 'data-consent-state="missing"' in listing
    url = reverse("consents:portal-form", args=[personal_data_form.pk])
    with django_capture_on_commit_callbacks(execute=True):
        page = me.post(url, {"action": "ask", "decision": "signed", "channel": "sms"})
    assert 'name="code"' in page.content.decode()
    code = re.search(r"\b(\d{6})\b", _sent(sms)[-1]).group(1)
    code_id = re.search(r'name="code_id" value="(\d+)"', page.content.decode()).group(1)
    assert me.post(url, {"action": "code", "code_id": code_id, "code": code}).status_code == 302
    assert 'data-consent-state="signed"' in me.get(reverse("consents:portal-list")).content.decode()


def test_the_patient_withdraws_a_consent_and_nobody_else_can(
    patient, other_patient, patient_user, cryo_form, clinician
):
    consent = sign_in_clinic(clinician, patient, cryo_form)
    others = sign_in_clinic(clinician, other_patient, cryo_form)
    me = login(patient_user)
    assert me.post(reverse("consents:portal-withdraw", args=[others.pk]), {"confirm": "on"}).status_code == 404
    assert me.get(reverse("consents:portal-pdf", args=[others.pk])).status_code == 404
    assert me.post(reverse("consents:portal-withdraw", args=[consent.pk]), {"confirm": "on"}).status_code == 302
    assert Withdrawal.objects.get().consent == consent
    assert 'data-consent-state="withdrawn"' in me.get(reverse("consents:portal-list")).content.decode()


def test_the_portal_home_links_my_consents(patient, patient_user):
    assert reverse("consents:portal-list") in login(patient_user).get(reverse("portal:home")).content.decode()


# ---------------------------------------------------------------- public pages


def test_the_privacy_page_shows_the_current_personal_data_text_to_anyone(db, client):
    page = client.get("/privacy/")
    assert page.status_code == 200
    assert personal_data_version().text_en[:40] in page.content.decode()


def test_the_website_form_asks_for_consent_and_stores_its_text_version(db, client):
    form = client.get(reverse("public-request")).content.decode()
    assert 'href="/privacy/"' in form
    data = {"name": "Анна", "phone": "+7 916 000-00-00", "preferred_time": "", "message": ""}
    refused = client.post(reverse("public-request"), data)
    assert "Without this consent the clinic cannot take your request." in refused.content.decode()
    assert not BookingRequest.objects.exists()
    client.post(reverse("public-request"), {**data, "privacy_consent": "on"})
    request = BookingRequest.objects.get()
    assert request.privacy_consent_version == personal_data_version() and request.privacy_consent_at is not None


def test_registering_the_patient_of_a_website_request_records_the_consent_given_there(client, as_registrar, location):
    data = {"name": "Анна Петрова", "phone": "+7 916 000-00-01", "privacy_consent": "on"}
    client.post(reverse("public-request"), data)
    request = BookingRequest.objects.get()
    response = as_registrar.post(
        reverse("scheduling:request-register", args=[request.pk]),
        {"full_name": "Анна Петрова", "phone": "+7 916 000-00-01", "date_of_birth": "1990-01-01", "sex": "female",
         "preferred_language": "ru", "home_location": location.pk, "consent_sms": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    consent = Consent.objects.get()
    assert consent.method == Method.WEB_FORM and consent.decision == Decision.SIGNED
    assert consent.version == request.privacy_consent_version and consent.signed_at == request.privacy_consent_at


def test_the_patient_record_shows_the_consent_status_with_the_buttons_for_the_role(as_clinician, patient, cryo):
    require_consent(cryo, "session")
    page = as_clinician.get(reverse("patient-detail", args=[patient.pk])).content.decode()
    assert "Sign in the clinic" in page and "Send the signing link" in page


def test_the_staff_registration_form_records_the_personal_data_consent_with_its_version(as_registrar, location):
    body = {
        "full_name": "Ирина Соколова", "phone": "+7 916 000-00-02", "date_of_birth": "1991-02-03",
        "sex": "female", "preferred_language": "ru", "home_location": location.pk,
    }  # fmt: skip
    assert as_registrar.post(reverse("patients:create"), body).status_code == 302
    assert not Consent.objects.exists()  # unticked: nothing is recorded
    ticked = {**body, "full_name": "Ольга Соколова", "phone": "+7 916 000-00-03", "personal_data_consent": "on"}
    assert as_registrar.post(reverse("patients:create"), ticked).status_code == 302
    consent = Consent.objects.get()
    assert consent.method == Method.REGISTRATION and consent.version == personal_data_version()
    assert consent.patient.full_name == "Ольга Соколова" and consent.recorded_by.username == "registrar1"


def test_my_consents_and_the_patient_page_cost_the_same_queries_however_many_consents(
    patient, patient_user, cryo_form, personal_data_form, clinician, as_clinician
):
    from ..helpers import page_queries

    me = login(patient_user)
    sign_in_clinic(clinician, patient, personal_data_form)
    page_queries(me, reverse("consents:portal-list"))  # the first page of a session reads its roles once
    few = (page_queries(me, reverse("consents:portal-list")), page_queries(as_clinician, patient.get_absolute_url()))
    for _ in range(3):
        sign_in_clinic(clinician, patient, cryo_form)
        sign_in_clinic(clinician, patient, personal_data_form)
    many = (page_queries(me, reverse("consents:portal-list")), page_queries(as_clinician, patient.get_absolute_url()))
    assert many == few
