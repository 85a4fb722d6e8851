"""Signing: in the clinic (drawn or typed, witnessed) and with a one-time code (a simple electronic signature)."""

import json
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.test import RequestFactory

from consents.models import Consent, Decision, Method, SigningCode, text_hash
from consents.selectors import current_version
from consents.services import code_request, code_sign, consent_record_in_clinic, signing_link_send, version_publish
from consents.signature import signature_png
from patients.models import Patient

from .conftest import drawn_png, sign_in_clinic


def _codes_sent(tmp_path) -> list[str]:
    lines = (tmp_path / "sms.jsonl").read_text().splitlines()
    return [re.search(r"\b(\d{6})\b", json.loads(line)["text"]).group(1) for line in lines]


@pytest.fixture
def sms(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    return tmp_path


def _request(ip="10.0.0.1"):
    request = RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT="Tablet")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return request


@pytest.fixture(autouse=True)
def _deliver_on_commit(django_capture_on_commit_callbacks):
    """Codes are sent once the transaction commits, as after a request."""
    global _commit
    _commit = django_capture_on_commit_callbacks


def _ask(patient, form, decision=Decision.SIGNED, ip="10.0.0.1"):
    with _commit(execute=True):
        return code_request(patient=patient, template=form, decision=decision, channel="sms", request=_request(ip))


def test_a_drawn_signature_is_stored_with_the_exact_text_its_hash_the_witness_and_the_address(
    patient, cryo_form, clinician
):
    request = _request("192.0.2.7")
    request.user = clinician
    consent = sign_in_clinic(clinician, patient, cryo_form, signature=drawn_png(), request=request)
    consent.refresh_from_db()
    version = current_version(cryo_form)
    assert consent.method == Method.DRAWN and consent.witness == clinician
    assert consent.text == version.text_en and consent.text_sha256 == text_hash(version.text_en) and consent.text_intact
    assert consent.version == version and consent.ip == "192.0.2.7" and consent.user_agent == "Tablet"
    assert bytes(consent.signature_png).startswith(b"\x89PNG")


def test_a_typed_signature_needs_the_tick_and_every_signature_in_the_clinic_needs_the_witness(
    patient, cryo_form, clinician
):
    with pytest.raises(ValidationError) as error:
        sign_in_clinic(clinician, patient, cryo_form, ticked=False)
    assert "ticked" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        sign_in_clinic(clinician, patient, cryo_form, witnessed=False)
    assert "witnessed" in error.value.error_dict
    assert Consent.objects.count() == 0


@pytest.mark.parametrize(
    "typed",
    ["Соколов Дмитрий", "соколов  дмитрий", "Дмитрий Соколов", " СОКОЛОВ   Дмитрий "],
    ids=["as-registered", "case-and-spaces", "word-order", "upper-and-padding"],
)
def test_a_typed_signature_is_the_patients_full_name_however_typed(patient, cryo_form, clinician, typed):
    Patient.objects.filter(pk=patient.pk).update(full_name="Соколов Дмитрий")
    patient.refresh_from_db()
    consent = sign_in_clinic(clinician, patient, cryo_form, typed_name=typed)
    assert consent.method == Method.TYPED and consent.typed_name == " ".join(typed.split())


def test_a_typed_signature_treats_yo_as_ye(patient, cryo_form, clinician):
    Patient.objects.filter(pk=patient.pk).update(full_name="Фёдоров Пётр Семёнович")
    patient.refresh_from_db()
    assert sign_in_clinic(clinician, patient, cryo_form, typed_name="федоров петр семенович").method == Method.TYPED


@pytest.mark.parametrize(
    "typed",
    ["Иван", "Дмитрий", "Соколов", "Соколов Дмитрий Иванович", "Соколов Соколов Дмитрий", "Соколова Дмитрий"],
    ids=["stranger", "first-name-only", "surname-only", "extra-word", "repeated-word", "other-word"],
)
def test_a_typed_name_that_is_not_the_patients_full_name_is_refused(patient, cryo_form, clinician, typed):
    Patient.objects.filter(pk=patient.pk).update(full_name="Соколов Дмитрий")
    patient.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        sign_in_clinic(clinician, patient, cryo_form, typed_name=typed)
    assert [e.code for e in error.value.error_dict["typed_name"]] == ["typed_name_mismatch"]
    assert Consent.objects.count() == 0


def test_nothing_signed_and_no_witness_says_both(patient, cryo_form, clinician):
    with pytest.raises(ValidationError) as error:
        sign_in_clinic(clinician, patient, cryo_form, typed_name="", ticked=False, witnessed=False)
    assert set(error.value.error_dict) == {"signature", "witnessed"}
    assert error.value.error_dict["signature"][0].code == "unsigned"


def test_only_a_clinician_witnesses(patient, cryo_form, registrar):
    with pytest.raises(PermissionDenied):
        sign_in_clinic(registrar, patient, cryo_form)


def test_a_text_changed_since_the_page_was_opened_is_not_signed(patient, cryo_form, clinician, administrator):
    old = current_version(cryo_form)
    version_publish(
        actor=administrator, template=cryo_form, text_ru="Другой", text_en="Other", needs_new_signature=False
    )
    with pytest.raises(ValidationError) as error:
        consent_record_in_clinic(
            actor=clinician, patient=patient, template=cryo_form, version_id=old.pk,
            shown_hash=text_hash(old.text_en), language="en", decision="signed",
            typed_name="X", ticked=True, witnessed=True,
        )  # fmt: skip
    assert error.value.code == "text_changed"


@pytest.mark.parametrize(
    "data_url",
    [
        "",
        "data:image/jpeg;base64,AAAA",
        "data:image/png;base64,not-base64!",
        "data:image/png;base64," + "A" * 800_000,
        drawn_png(ink=False),
        drawn_png(width=5000, height=200),
    ],
    ids=["empty", "jpeg", "garbage", "too-big", "blank", "too-wide"],
)
def test_a_drawn_signature_that_is_not_a_sane_png_is_refused(data_url):
    with pytest.raises(ValidationError) as error:
        signature_png(data_url)
    assert "signature" in error.value.error_dict


def test_signed_records_cannot_be_changed_or_deleted(patient, cryo_form, clinician):
    consent = sign_in_clinic(clinician, patient, cryo_form)
    for sql in ("UPDATE consents_consent SET text = 'x' WHERE id = %s", "DELETE FROM consents_consent WHERE id = %s"):
        with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [consent.pk])
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE consents_consenttemplateversion SET text_ru = 'x'")


def test_a_code_sent_by_sms_signs_once_and_cannot_be_replayed(patient, cryo_form, sms):
    code = _ask(patient, cryo_form)
    (raw,) = _codes_sent(sms)
    consent = code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert consent.method == Method.SMS_CODE and consent.code == code and consent.language == "ru"
    with pytest.raises(ValidationError) as error:
        code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert error.value.error_dict["code"][0].code == "used_code"
    assert Consent.objects.count() == 1


def test_the_code_is_stored_only_as_a_salted_hmac(patient, cryo_form, sms):
    code = _ask(patient, cryo_form)
    (raw,) = _codes_sent(sms)
    stored = SigningCode.objects.get(pk=code.pk).code_hash
    assert raw not in stored and len(stored) > 64


def test_a_code_cannot_be_used_by_another_patient(patient, other_patient, cryo_form, sms):
    code = _ask(patient, cryo_form)
    (raw,) = _codes_sent(sms)
    with pytest.raises(ValidationError) as error:
        code_sign(patient=other_patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert error.value.error_dict["code"][0].code == "invalid_code"
    assert Consent.objects.count() == 0
    code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())  # still the owner's


def test_a_code_cannot_be_guessed_wrong_tries_kill_it(patient, cryo_form, sms, settings):
    code = _ask(patient, cryo_form)
    (raw,) = _codes_sent(sms)
    wrong = f"{(int(raw) + 1) % 10**6:06d}"
    for left in range(settings.CONSENT_CODE_ATTEMPTS - 1, -1, -1):
        with pytest.raises(ValidationError) as error:
            code_sign(patient=patient, code_id=code.pk, raw=wrong, language="ru", request=_request())
        assert error.value.error_dict["code"][0].code == "wrong_code", left
    with pytest.raises(ValidationError) as error:
        code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert error.value.error_dict["code"][0].code == "too_many_attempts"


def test_asking_for_codes_is_throttled_per_patient(patient, cryo_form, sms, settings):
    for _ in range(settings.CONSENT_CODES_PER_PATIENT):
        _ask(patient, cryo_form, ip="10.0.0.9")
    with pytest.raises(ValidationError) as error:
        _ask(patient, cryo_form, ip="10.0.0.10")
    assert error.value.code == "throttled"
    assert len(_codes_sent(sms)) == settings.CONSENT_CODES_PER_PATIENT


def test_checking_codes_is_throttled_per_address(patient, cryo_form, sms, settings):
    settings.CONSENT_CODE_CHECKS_PER_IP_PER_HOUR = 2
    code = _ask(patient, cryo_form, ip="10.0.0.20")
    for _ in range(2):
        with pytest.raises(ValidationError):
            code_sign(patient=patient, code_id=code.pk, raw="000000", language="ru", request=_request("10.0.0.30"))
    with pytest.raises(ValidationError) as error:
        code_sign(patient=patient, code_id=code.pk, raw="000000", language="ru", request=_request("10.0.0.30"))
    assert error.value.error_dict["code"][0].code == "throttled"


def test_an_expired_code_is_refused(patient, cryo_form, sms):
    import datetime

    from django.utils import timezone

    code = _ask(patient, cryo_form)
    (raw,) = _codes_sent(sms)
    SigningCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError) as error:
        code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert error.value.error_dict["code"][0].code == "expired_code"


def test_a_refusal_is_recorded_the_same_way_by_code(patient, cryo_form, sms):
    code = _ask(patient, cryo_form, decision=Decision.REFUSED)
    (raw,) = _codes_sent(sms)
    consent = code_sign(patient=patient, code_id=code.pk, raw=raw, language="ru", request=_request())
    assert consent.decision == Decision.REFUSED


def test_a_code_by_email_reaches_the_patients_address(patient, cryo_form):
    with _commit(execute=True):
        code_request(patient=patient, template=cryo_form, decision="signed", channel="email", request=_request())
    assert mail.outbox[-1].to == [patient.email]
    assert re.search(r"\b\d{6}\b", mail.outbox[-1].body)


def test_a_code_by_email_is_a_letter_from_the_clinic(patient, cryo_form):
    """Like every email to a patient (core.letters): a greeting by name, a signature, both parts, our headers."""
    Patient.objects.filter(pk=patient.pk).update(full_name="Maria Petrovna Ivanova", preferred_language="en")
    patient.refresh_from_db()
    with _commit(execute=True):
        code_request(patient=patient, template=cryo_form, decision="signed", channel="email", request=_request())
    email = mail.outbox[-1]
    assert email.body.startswith("Dear Maria Petrovna,\n")
    assert "Do not tell anyone." in email.body and "\n-- \n" in email.body  # the signature follows
    assert email.alternatives[0].mimetype == "text/html" and "Maria Petrovna" in email.alternatives[0].content
    assert email.subject.startswith("Your signing code — ") and email.from_email.startswith("Tricho Clinic <")
    assert email.extra_headers["Message-ID"].startswith("<consent-code.")
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"


def test_a_signing_link_by_email_is_a_letter_with_the_link_as_its_action(patient, cryo_form, registrar):
    with _commit(execute=True):
        signing_link_send(actor=registrar, patient=patient, template=cryo_form, channel="email", request=_request())
    email = mail.outbox[-1]
    assert re.search(r"https?://\S+/consent/\S+", email.body)
    assert email.alternatives[0].mimetype == "text/html" and "/consent/" in email.alternatives[0].content
    assert email.extra_headers["Message-ID"].startswith("<consent-link.")
