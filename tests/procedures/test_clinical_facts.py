"""One patient's clinical facts, read for a booking in one query (the day calendar's SQL asked for one
patient), are the facts the bulk read gives, in either language."""

import datetime

import pytest
from django.utils import timezone

from procedures.eligibility import load_clinical_facts, load_clinical_facts_bulk
from procedures.services import ice_test_amend, ice_test_record, screening_amend, screening_sign

pytestmark = pytest.mark.django_db


def test_one_patients_screenings_and_ice_tests_are_read_in_one_query(
    clinician, patient, cryo, all_absent, django_assert_num_queries
):
    earlier = timezone.now() - datetime.timedelta(days=20)
    first = screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2, examined_at=earlier
    )
    screening_amend(
        actor=clinician, previous=first, reason="phototype", procedures=[cryo], answers=all_absent, fitzpatrick=3
    )
    screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=4)
    failed = ice_test_record(
        actor=clinician, patient=patient, area="nape", exposure_seconds=10, redness=True, performed_at=earlier
    )
    ice_test_amend(actor=clinician, previous=failed, reason="misread", area="nape", exposure_seconds=10)
    ice_test_record(actor=clinician, patient=patient, area="temple", exposure_seconds=10, itching=True)
    with django_assert_num_queries(1):
        facts = load_clinical_facts(patient.pk)
    assert facts == load_clinical_facts_bulk([patient.pk])[patient.pk]
    # current versions only, newest first
    assert [s.fitzpatrick for s in facts.screenings] == [4, 3]
    assert [t.passed for t in facts.ice_tests] == [False, True]
    assert all(cryo.pk in s.procedure_ids for s in facts.screenings)


def test_present_contraindications_are_named_as_the_bulk_read_names_them(
    clinician, patient, cryo, cryo_contraindications
):
    relative = [c for c in cryo_contraindications if c.severity == "relative"]
    cleared = relative[0]
    answers = {c.id: (True, "seen, mild" if c == cleared else "") for c in cryo_contraindications}
    screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2)
    facts = load_clinical_facts(patient.pk)
    assert facts == load_clinical_facts_bulk([patient.pk])[patient.pk]
    found = facts.screenings[0]
    assert found.relative_present_not_cleared == tuple(c.name for c in relative[1:])
    assert len(found.absolute_present) == len(cryo_contraindications) - len(relative) > 0


def test_a_patient_without_records_has_no_facts(patient):
    facts = load_clinical_facts(patient.pk)
    assert facts.screenings == () and facts.ice_tests == ()


def test_the_names_follow_the_readers_language(clinician, patient, cryo, cryo_contraindications):
    from django.utils import translation

    absolute = next(c for c in cryo_contraindications if c.severity == "absolute")
    answers = {c.id: (c == absolute, "") for c in cryo_contraindications}
    screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2)
    for language in ("ru", "en"):
        with translation.override(language):
            facts = load_clinical_facts(patient.pk)
            assert facts == load_clinical_facts_bulk([patient.pk])[patient.pk]
            assert facts.screenings[0].absolute_present == (absolute.name,)
