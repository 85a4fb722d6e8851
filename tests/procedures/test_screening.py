"""Screenings and ice tests: who records them, what they decide, how they are corrected."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from procedures.eligibility import eligibility
from procedures.models import Contraindication, IceTest, Procedure, Screening, ScreeningAnswer, Severity
from procedures.services import ice_test_amend, ice_test_record, screening_amend, screening_sign

from ..factories import days_ago

TOMORROW = timezone.now() + datetime.timedelta(days=1)


def sign(clinician, patient, cryo, answers, **kwargs):
    return screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo],
        answers=answers,
        fitzpatrick=kwargs.pop("fitzpatrick", 3),
        **kwargs,
    )


def passed_ice_test(clinician, patient, **kwargs):
    return ice_test_record(
        actor=clinician,
        patient=patient,
        area="nape",
        exposure_seconds=10,
        performed_at=kwargs.pop("performed_at", days_ago(2)),
        **kwargs,
    )


@pytest.mark.django_db
def test_the_seed_holds_every_contraindication_of_the_domain_brief(cryo_contraindications):
    assert {c.slug for c in cryo_contraindications} == {
        "cold-allergy",
        "active-herpes",
        "scalp-suppuration",
        "fungal-infectious-skin",
        "migraine",
        "epilepsy-mental",
        # the medical names behind "allergic reaction to cold", seeded for the doctor's review
        "cold-urticaria",
        "raynaud",
    }
    assert Procedure.objects.filter(active=True).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug",
    ["cold-allergy", "active-herpes", "scalp-suppuration", "fungal-infectious-skin", "migraine", "epilepsy-mental"],
)
def test_every_seeded_contraindication_blocks_cryomassage(slug, clinician, patient, cryo, all_absent):
    present = Contraindication.objects.get(slug=slug)
    sign(clinician, patient, cryo, {**all_absent, present.id: (True, "")}, examined_at=days_ago(3))
    passed_ice_test(clinician, patient)
    decision = eligibility(patient=patient, procedure=cryo, when=TOMORROW)
    assert not decision.eligible
    assert [r.message for r in decision.reasons] == [f"Contraindication present: {present.name_en}"]


@pytest.mark.django_db
def test_a_cleared_patient_with_a_passed_ice_test_is_eligible(clinician, patient, cryo, all_absent):
    sign(clinician, patient, cryo, all_absent, examined_at=days_ago(3))
    passed_ice_test(clinician, patient)
    assert eligibility(patient=patient, procedure=cryo, when=TOMORROW).eligible


@pytest.fixture
def relative_migraine(cryo_contraindications):
    migraine = Contraindication.objects.get(slug="migraine")
    Contraindication.objects.filter(pk=migraine.pk).update(severity=Severity.RELATIVE)
    return migraine


@pytest.mark.django_db
def test_a_relative_contraindication_needs_a_reason_to_be_cleared(
    clinician, patient, cryo, all_absent, relative_migraine
):
    passed_ice_test(clinician, patient)
    blocked = sign(clinician, patient, cryo, {**all_absent, relative_migraine.id: (True, "")}, examined_at=days_ago(3))
    assert blocked.cleared is False
    assert [r.code for r in eligibility(patient=patient, procedure=cryo, when=TOMORROW).reasons] == [
        "contraindication_not_cleared"
    ]
    cleared = sign(
        clinician,
        patient,
        cryo,
        {**all_absent, relative_migraine.id: (True, "rare, controlled")},
        examined_at=days_ago(2),
    )
    assert cleared.cleared is True
    assert eligibility(patient=patient, procedure=cryo, when=TOMORROW).eligible


@pytest.mark.django_db
def test_a_reason_to_clear_is_refused_for_an_absolute_or_absent_item(clinician, patient, cryo, all_absent):
    herpes = Contraindication.objects.get(slug="active-herpes")
    for answer in [(True, "I think it is fine"), (False, "nothing to clear")]:
        with pytest.raises(ValidationError) as error:
            sign(clinician, patient, cryo, {**all_absent, herpes.id: answer})
        assert error.value.code == "override_not_allowed"
    assert not Screening.objects.exists()


@pytest.mark.django_db
def test_an_unanswered_item_is_refused_and_nothing_is_saved(clinician, patient, cryo, all_absent):
    herpes = Contraindication.objects.get(slug="active-herpes")
    answers = {k: v for k, v in all_absent.items() if k != herpes.id}
    with pytest.raises(ValidationError, match="Active herpes") as error:
        sign(clinician, patient, cryo, answers)
    assert error.value.code == "unanswered"
    assert not Screening.objects.exists() and not ScreeningAnswer.objects.exists()


@pytest.mark.django_db
def test_an_expired_screening_blocks(clinician, patient, cryo, all_absent):
    sign(clinician, patient, cryo, all_absent, examined_at=days_ago(29))
    passed_ice_test(clinician, patient)
    assert eligibility(patient=patient, procedure=cryo, when=timezone.now()).eligible
    later = timezone.now() + datetime.timedelta(days=3)
    assert [r.code for r in eligibility(patient=patient, procedure=cryo, when=later).reasons] == ["screening_expired"]


@pytest.mark.django_db
def test_an_expired_ice_test_blocks(clinician, patient, cryo, all_absent):
    sign(clinician, patient, cryo, all_absent, examined_at=days_ago(1))
    passed_ice_test(clinician, patient, performed_at=days_ago(31))
    assert [r.code for r in eligibility(patient=patient, procedure=cryo, when=timezone.now()).reasons] == [
        "ice_test_expired"
    ]


@pytest.mark.django_db
def test_a_failed_ice_test_blocks_cryomassage_but_not_plasmolifting(clinician, patient, cryo, all_absent):
    prp = Procedure.objects.get(slug="plasmolifting")
    screening_sign(
        actor=clinician,
        patient=patient,
        procedures=[cryo, prp],
        answers={c.id: (False, "") for c in Contraindication.objects.filter(procedures__in=[cryo, prp])},
        fitzpatrick=2,
        examined_at=days_ago(3),
    )
    test = passed_ice_test(clinician, patient, redness=True)
    assert test.passed is False
    cryo_reasons = eligibility(patient=patient, procedure=cryo, when=TOMORROW).reasons
    local_day = timezone.localtime(test.performed_at, patient.home_location.tz)
    assert [r.message for r in cryo_reasons] == [f"Ice test failed on {local_day:%-d %B %Y}"]
    assert eligibility(patient=patient, procedure=prp, when=TOMORROW).eligible


@pytest.mark.django_db
@pytest.mark.parametrize(
    "observation", [{"discomfort": True}, {"redness": True}, {"itching": True}, {"other_reaction": "small rash"}]
)
def test_any_observation_fails_the_ice_test(observation, clinician, patient):
    assert passed_ice_test(clinician, patient, **observation).passed is False


@pytest.mark.django_db
def test_the_database_refuses_a_passed_ice_test_with_a_reaction(clinician, patient):
    with pytest.raises(IntegrityError, match="icetest_passed_only_without_reaction"), transaction.atomic():
        IceTest.objects.create(
            patient=patient,
            signed_by=clinician,
            signed_at=timezone.now(),
            performed_at=timezone.now(),
            area="nape",
            exposure_seconds=5,
            redness=True,
            passed=True,
        )


@pytest.mark.django_db
def test_a_non_clinician_cannot_record_an_ice_test(registrar, patient):
    with pytest.raises(PermissionDenied):
        ice_test_record(actor=registrar, patient=patient, area="nape", exposure_seconds=10)
    assert not IceTest.objects.exists()


@pytest.mark.django_db
def test_an_amendment_is_a_new_version_and_keeps_the_history(clinician, patient, cryo, all_absent):
    herpes = Contraindication.objects.get(slug="active-herpes")
    first = sign(clinician, patient, cryo, {**all_absent, herpes.id: (True, "")}, examined_at=days_ago(3))
    second = screening_amend(
        actor=clinician,
        previous=first,
        reason="Herpes was healed; misrecorded",
        procedures=[cryo],
        answers=all_absent,
        fitzpatrick=3,
    )
    assert (second.version, second.chain, second.amends_id) == (2, first.chain, first.pk)
    assert second.examined_at == first.examined_at
    first.refresh_from_db()
    assert first.cleared is False and second.cleared is True
    assert ScreeningAnswer.objects.get(screening=first, contraindication=herpes).present is True
    passed_ice_test(clinician, patient)
    assert eligibility(patient=patient, procedure=cryo, when=TOMORROW).eligible
    with pytest.raises(ValidationError) as error:
        screening_amend(
            actor=clinician, previous=first, reason="again", procedures=[cryo], answers=all_absent, fitzpatrick=3
        )
    assert error.value.code == "not_current"
    with pytest.raises(ValidationError):
        screening_amend(
            actor=clinician, previous=second, reason=" ", procedures=[cryo], answers=all_absent, fitzpatrick=3
        )


@pytest.mark.django_db
def test_an_ice_test_correction_keeps_the_failed_original(clinician, patient):
    first = passed_ice_test(clinician, patient, itching=True)
    second = ice_test_amend(
        actor=clinician,
        previous=first,
        reason="itching was from the shampoo, retested",
        area="nape",
        exposure_seconds=10,
    )
    assert second.passed and second.version == 2
    first.refresh_from_db()
    assert first.passed is False


@pytest.mark.django_db
def test_the_database_refuses_to_edit_or_delete_a_signed_screening(clinician, patient, cryo, all_absent):
    screening = sign(clinician, patient, cryo, all_absent)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Screening.objects.filter(pk=screening.pk).update(cleared=False)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ScreeningAnswer.objects.filter(screening=screening).delete()


@pytest.mark.django_db
def test_the_audit_trail_records_changes_and_views_and_cannot_be_edited(
    clinician, as_clinician, patient, cryo, all_absent
):
    screening = sign(clinician, patient, cryo, all_absent)
    as_clinician.get(reverse("procedures:screening", args=[screening.pk]))
    events = list(AuditEvent.objects.filter(record_type="procedures.screening").order_by("id"))
    assert [(e.action, e.actor_id, e.record_id, e.patient_id) for e in events] == [
        ("create", clinician.pk, screening.pk, patient.pk),
        ("view", clinician.pk, screening.pk, patient.pk),
    ]
    assert events[1].ip == "127.0.0.1"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(action="view")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
