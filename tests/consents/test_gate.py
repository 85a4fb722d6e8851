"""The gate: a consent is one more fact of procedures' eligibility function, at booking or at the session."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consents.services import consent_withdraw, version_publish
from procedures.eligibility import eligibility
from scheduling.models import Session, SessionStatus
from scheduling.services import course_preview, session_record_outcome

from ..scheduling.conftest import book_course, next_weekday
from .conftest import require_consent, sign_in_clinic


def _started(session):
    start = timezone.now() - datetime.timedelta(minutes=5)
    Session.objects.filter(pk=session.pk).update(start=start, end=start + datetime.timedelta(minutes=20))
    session.refresh_from_db()
    return session


def test_booking_without_consent_is_refused_with_the_reason(clinic, eligible_patient, cryo, location):
    require_consent(cryo, "booking")
    plan = course_preview(
        patient=eligible_patient, procedure=cryo, location=location, count=10,
        first_day=next_weekday(0, location.tz), preferred_time=datetime.time(10),
    )  # fmt: skip
    assert not plan.bookable
    assert "Consent missing: Scalp cryomassage, contact" in plan.sessions[0].ineligible


def test_booking_goes_ahead_when_consent_is_needed_only_before_the_first_session(
    registrar, clinic, eligible_patient, cryo, location
):
    require_consent(cryo, "session")
    course = book_course(registrar, eligible_patient, cryo, location)
    assert course.sessions.count() == 10


def test_completing_a_session_without_consent_is_refused_with_the_reason(
    registrar, clinic, eligible_patient, cryo, location
):
    require_consent(cryo, "session")
    first = _started(book_course(registrar, eligible_patient, cryo, location).sessions.order_by("start").first())
    with pytest.raises(ValidationError) as error:
        session_record_outcome(actor=first.clinician, session=first, outcome="completed")
    assert error.value.error_list[0].code == "consent_missing"
    assert error.value.messages == ["Consent missing: Scalp cryomassage, contact"]
    first.refresh_from_db()
    assert first.status == SessionStatus.SCHEDULED
    # a no-show needs no consent
    session_record_outcome(actor=first.clinician, session=first, outcome="no_show")


def test_a_signed_consent_lets_the_session_be_completed(
    registrar, clinic, eligible_patient, cryo, cryo_form, clinician, location
):
    require_consent(cryo, "session")
    first = _started(book_course(registrar, eligible_patient, cryo, location).sessions.order_by("start").first())
    sign_in_clinic(clinician, eligible_patient, cryo_form)
    session = session_record_outcome(actor=first.clinician, session=first, outcome="completed")
    assert session.status == SessionStatus.COMPLETED


def test_a_signed_consent_survives_a_new_version_of_the_text(
    eligible_patient, cryo, cryo_form, clinician, administrator
):
    require_consent(cryo, "booking")
    sign_in_clinic(clinician, eligible_patient, cryo_form)
    version_publish(
        actor=administrator, template=cryo_form, text_ru="Новый текст", text_en="New text", needs_new_signature=False
    )
    assert eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now()).eligible


def test_a_version_that_asks_for_a_new_signature_voids_older_ones_and_lists_the_patients(
    eligible_patient, other_patient, cryo, cryo_form, clinician, administrator
):
    from consents.selectors import patients_to_resign

    require_consent(cryo, "booking")
    sign_in_clinic(clinician, eligible_patient, cryo_form)
    version_publish(actor=administrator, template=cryo_form, text_ru="Новый", text_en="New", needs_new_signature=True)
    decision = eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now())
    assert [r.code for r in decision.reasons] == ["consent_outdated"]
    assert patients_to_resign(cryo_form) == [eligible_patient]
    sign_in_clinic(clinician, eligible_patient, cryo_form)  # under the new version
    assert eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now()).eligible
    assert patients_to_resign(cryo_form) == []


def test_a_withdrawn_consent_no_longer_counts(eligible_patient, patient_user, cryo, cryo_form, clinician):
    require_consent(cryo, "booking")
    consent = sign_in_clinic(clinician, eligible_patient, cryo_form)
    consent_withdraw(actor=patient_user, consent=consent)
    decision = eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now())
    assert [r.code for r in decision.reasons] == ["consent_withdrawn"]


def test_a_refusal_blocks_booking_even_when_consent_is_needed_only_before_the_session(
    clinic, eligible_patient, cryo, cryo_form, clinician, location
):
    require_consent(cryo, "session")
    sign_in_clinic(clinician, eligible_patient, cryo_form, decision="refused")
    decision = eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now())
    assert [r.code for r in decision.reasons] == ["consent_refused"]


def test_facts_for_procedures_that_need_no_consent_cost_no_query(eligible_patient, cryo, django_assert_num_queries):
    from procedures.eligibility import load_clinical_facts

    facts = load_clinical_facts(eligible_patient.pk)
    with django_assert_num_queries(0):
        eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now(), facts=facts, tz=datetime.UTC)
    require_consent(cryo, "booking")
    with django_assert_num_queries(1):  # the consents, once for the batch
        for _ in range(3):
            eligibility(patient=eligible_patient, procedure=cryo, when=timezone.now(), facts=facts, tz=datetime.UTC)


def test_the_worklist_and_the_course_page_say_consent_missing(
    registrar, clinic, eligible_patient, cryo, location, as_registrar
):
    require_consent(cryo, "session")
    course = book_course(registrar, eligible_patient, cryo, location)
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "Consent missing: Scalp cryomassage, contact" in page
    assert 'data-consent-state="missing"' in page
    assert "Send the signing link" in page
