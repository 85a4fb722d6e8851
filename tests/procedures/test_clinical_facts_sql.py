"""The clinical facts read inside another query (procedures.eligibility.clinical_facts_sql, the day
calendar's way) are the facts load_clinical_facts_bulk reads: the same screenings, answers, ice tests,
order and names, odd times clamped alike, in both languages."""

import pytest
from django.db import connection
from django.utils import translation

from procedures.eligibility import clinical_facts_from_json, clinical_facts_sql, load_clinical_facts_bulk
from procedures.models import Contraindication, Procedure, Severity
from procedures.services import ice_test_amend, ice_test_record, screening_amend, screening_sign

from ..factories import PatientFactory, UserFactory, days_ago
from ..helpers import store_odd_ice_test, store_odd_screening


def _facts_in_sql(patient_ids) -> dict:
    english = translation.get_language().startswith("en")
    with connection.cursor() as cursor:
        cursor.execute(clinical_facts_sql("%(ids)s::int[]", english=english), {"ids": list(patient_ids)})
        return clinical_facts_from_json(dict(cursor.fetchall()))


def _answers(procedures, present_absolute, present_relative, cleared_relative):
    """Every contraindication of the procedures answered: the first absolute ones present, the
    first relative ones present (and of those, some cleared by the clinician)."""
    asked = Contraindication.objects.filter(procedures__in=procedures, active=True).distinct().order_by("-slug")
    absolute = [c for c in asked if c.severity == Severity.ABSOLUTE]
    relative = [c for c in asked if c.severity == Severity.RELATIVE]
    answers = {c.id: (False, "") for c in asked}
    answers |= {c.id: (True, "") for c in absolute[:present_absolute]}
    answers |= {c.id: (True, "") for c in relative[:present_relative]}
    answers |= {c.id: (True, "seen, mild") for c in relative[present_relative : present_relative + cleared_relative]}
    return answers


@pytest.fixture
def patients(db, location):
    doctor = UserFactory(role="clinician", locations=[location])
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    others = list(Procedure.objects.exclude(pk=cryo.pk).filter(contraindications__isnull=False).distinct()[:2])
    both = [cryo, *others]
    full, empty, odd = (PatientFactory(home_location=location) for _ in range(3))
    store_odd_ice_test(patient=odd, signed_by=doctor)  # first: these drop a constraint for a moment
    store_odd_screening(patient=odd, signed_by=doctor, procedure=cryo)
    old = screening_sign(
        actor=doctor, patient=full, procedures=[cryo], answers=_answers([cryo], 0, 0, 0), fitzpatrick=2,
        examined_at=days_ago(90),
    )  # fmt: skip
    first = screening_sign(
        actor=doctor, patient=full, procedures=both, answers=_answers(both, 1, 0, 0), fitzpatrick=3,
        examined_at=days_ago(20),
    )  # fmt: skip
    screening_amend(
        actor=doctor, previous=first, reason="two more present", procedures=both, answers=_answers(both, 2, 2, 1),
        fitzpatrick=5,
    )  # fmt: skip
    assert old.pk
    ice_test_record(
        actor=doctor, patient=full, area="nape", exposure_seconds=10, redness=True, performed_at=days_ago(60)
    )
    passed = ice_test_record(actor=doctor, patient=full, area="nape", exposure_seconds=10, performed_at=days_ago(10))
    ice_test_amend(
        actor=doctor, previous=passed, reason="itched after all", area="nape", exposure_seconds=10, itching=True
    )
    ice_test_record(actor=doctor, patient=full, area="wrist", exposure_seconds=10, performed_at=days_ago(2))
    return [full.pk, empty.pk, odd.pk]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_facts_read_in_sql_are_the_facts_read_by_the_orm(patients, language):
    with translation.override(language):
        expected = load_clinical_facts_bulk(patients)
        found = _facts_in_sql(patients)
    assert found == expected
    full = found[patients[0]]
    assert len(full.screenings) == 2 and len(full.ice_tests) == 3  # the amended versions left out
    assert full.screenings[0].absolute_present and full.screenings[0].relative_present_not_cleared
    assert found[patients[1]].screenings == () and found[patients[1]].ice_tests == ()
    assert found[patients[2]].ice_tests[0].performed_at.year == 1  # clamped as core.db reads it


def test_an_english_name_missing_falls_back_to_the_russian_one(patients):
    with translation.override("en"):
        named = {n for s in load_clinical_facts_bulk(patients)[patients[0]].screenings for n in s.absolute_present}
        contraindication = Contraindication.objects.filter(name_en__in=named).first()
        Contraindication.objects.filter(pk=contraindication.pk).update(name_en="")
        found = _facts_in_sql(patients)
        assert found == load_clinical_facts_bulk(patients)
    assert any(contraindication.name_ru in s.absolute_present for s in found[patients[0]].screenings)
