"""The starting contraindication lists, the relative-contraindication prompt, and reads of correction forms."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from audit.models import AuditEvent
from procedures.models import Contraindication, Procedure, Screening, ScreeningAnswer, Severity
from procedures.services import screening_sign

from ..factories import LocationFactory, UserFactory, days_ago

seed_lists = importlib.import_module("procedures.migrations.0010_seed_contraindication_lists")

PRP = {
    "prp-pregnancy": Severity.ABSOLUTE,
    "prp-blood-disorder": Severity.ABSOLUTE,
    "prp-anticoagulants": Severity.RELATIVE,
    "prp-malignancy": Severity.ABSOLUTE,
    "prp-acute-infection": Severity.ABSOLUTE,
    "prp-autoimmune": Severity.RELATIVE,
    "prp-local-inflammation": Severity.ABSOLUTE,
    "prp-tube-anticoagulant-allergy": Severity.RELATIVE,
}
POST_CRYO = {
    "cold-urticaria": Severity.ABSOLUTE,
    "raynaud": Severity.RELATIVE,
    "cryoglobulinaemia": Severity.ABSOLUTE,
    "post-cryo-open-wound": Severity.ABSOLUTE,
}


def listed(slug: str) -> dict[str, str]:
    return dict(Contraindication.objects.filter(procedures__slug=slug).values_list("slug", "severity"))


@pytest.mark.django_db
def test_plasmolifting_has_the_starting_list_of_the_domain_brief_after_migrate():
    assert listed("plasmolifting") == PRP


@pytest.mark.django_db
def test_post_procedure_cryotherapy_has_the_starting_list_after_migrate():
    assert listed("cryotherapy-post-procedure") == POST_CRYO


@pytest.mark.django_db
def test_every_seeded_starting_item_is_marked_for_the_doctors_review():
    seeded = Contraindication.objects.filter(slug__in=[*PRP, *POST_CRYO])
    assert seeded.count() == len(PRP) + len(POST_CRYO)
    assert not seeded.filter(needs_review=False).exists()
    # the clinic's own cryomassage list came from the brief itself and is not re-flagged
    assert not Contraindication.objects.filter(slug="migraine", needs_review=True).exists()


@pytest.mark.django_db
def test_a_rerun_keeps_what_the_clinic_edited_unlinked_or_switched_off():
    item = Contraindication.objects.get(slug="prp-autoimmune")
    Contraindication.objects.filter(pk=item.pk).update(
        name_ru="Системные аутоиммунные заболевания", severity=Severity.ABSOLUTE, needs_review=False
    )
    item.procedures.clear()
    Contraindication.objects.filter(slug="raynaud").update(active=False)
    Contraindication.objects.filter(slug="cryoglobulinaemia").delete()

    seed_lists.seed(apps, None)

    item.refresh_from_db()
    assert (item.name_ru, item.severity, item.needs_review) == (
        "Системные аутоиммунные заболевания",
        Severity.ABSOLUTE,
        False,
    )
    assert not item.procedures.exists()
    assert not Contraindication.objects.get(slug="raynaud").active
    recreated = Contraindication.objects.get(slug="cryoglobulinaemia")  # a missing one comes back, flagged
    assert recreated.needs_review and list(recreated.procedures.values_list("slug", flat=True)) == [
        "cryotherapy-post-procedure"
    ]


@pytest.mark.django_db
def test_a_seeded_absolute_item_blocks_plasmolifting(clinician, patient):
    prp = Procedure.objects.get(slug="plasmolifting")
    items = list(Contraindication.objects.filter(procedures=prp))
    answers = {c.id: (c.slug == "prp-pregnancy", "") for c in items}
    screening = screening_sign(
        actor=clinician, patient=patient, procedures=[prp], answers=answers, fitzpatrick=2, examined_at=days_ago(1)
    )
    assert not screening.cleared


# The screening form ------------------------------------------------------------------------------


@pytest.fixture
def relative_migraine(cryo_contraindications):
    Contraindication.objects.filter(slug="migraine").update(severity=Severity.RELATIVE)
    return Contraindication.objects.get(slug="migraine")


def form_data(cryo_contraindications, **extra):
    data = {f"ci_{c.id}": "absent" for c in cryo_contraindications}
    data.update({"fitzpatrick": "3", "examined_at": days_ago(1).strftime("%Y-%m-%dT%H:%M")})
    data.update(extra)
    return data


def post_screening(client, patient, cryo, data):
    url = reverse("procedures:screening-create", args=[patient.pk]) + f"?procedures={cryo.slug}"
    return client.post(url, data)


@pytest.mark.django_db
def test_a_present_relative_contraindication_without_a_decision_is_asked_on_the_same_form(
    client, clinician, patient, cryo, cryo_contraindications, relative_migraine
):
    client.force_login(clinician)
    response = post_screening(
        client, patient, cryo, form_data(cryo_contraindications, **{f"ci_{relative_migraine.id}": "present"})
    )
    assert response.status_code == 200
    assert "clear with a reason" in response.text and "not cleared" in response.text
    assert response.context["form"].errors[f"ci_{relative_migraine.id}_decision"]
    assert not Screening.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_clearing_with_a_reason_needs_the_reason(
    client, clinician, patient, cryo, cryo_contraindications, relative_migraine
):
    client.force_login(clinician)
    key = f"ci_{relative_migraine.id}"
    response = post_screening(
        client, patient, cryo, form_data(cryo_contraindications, **{key: "present", f"{key}_decision": "clear"})
    )
    assert response.context["form"].errors[f"{key}_override"] == ["Write why the patient is cleared despite it."]
    assert not Screening.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_clear_with_a_reason_signs_a_cleared_screening_with_that_reason(
    client, clinician, patient, cryo, cryo_contraindications, relative_migraine
):
    client.force_login(clinician)
    key = f"ci_{relative_migraine.id}"
    data = form_data(
        cryo_contraindications,
        **{key: "present", f"{key}_decision": "clear", f"{key}_override": "Rare, mild; neurologist agrees"},
    )
    assert post_screening(client, patient, cryo, data).status_code == 302
    screening = Screening.objects.get(patient=patient)
    assert screening.cleared
    answer = ScreeningAnswer.objects.get(screening=screening, contraindication=relative_migraine)
    assert (answer.present, answer.override_reason) == (True, "Rare, mild; neurologist agrees")


@pytest.mark.django_db
def test_not_cleared_drops_a_reason_typed_before_changing_ones_mind(
    client, clinician, patient, cryo, cryo_contraindications, relative_migraine
):
    client.force_login(clinician)
    key = f"ci_{relative_migraine.id}"
    data = form_data(
        cryo_contraindications, **{key: "present", f"{key}_decision": "not_cleared", f"{key}_override": "maybe"}
    )
    assert post_screening(client, patient, cryo, data).status_code == 302
    screening = Screening.objects.get(patient=patient)
    assert not screening.cleared
    assert ScreeningAnswer.objects.get(screening=screening, contraindication=relative_migraine).override_reason == ""


@pytest.mark.django_db
def test_an_absent_relative_contraindication_needs_no_decision(
    client, clinician, patient, cryo, cryo_contraindications, relative_migraine
):
    client.force_login(clinician)
    assert post_screening(client, patient, cryo, form_data(cryo_contraindications)).status_code == 302
    assert Screening.objects.get(patient=patient).cleared


# Reads of the correction forms --------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_a_screenings_correction_form_is_audited_as_a_read(client, clinician, patient, cryo, all_absent):
    screening = screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=3, examined_at=days_ago(1)
    )
    client.force_login(clinician)
    before = AuditEvent.objects.filter(action="view", record_id=screening.pk).count()
    assert client.get(reverse("procedures:screening-amend", args=[screening.pk])).status_code == 200
    event = AuditEvent.objects.filter(action="view", record_id=screening.pk).latest("id")
    assert AuditEvent.objects.filter(action="view", record_id=screening.pk).count() == before + 1
    assert (event.actor, event.patient_id, event.detail) == (clinician, patient.pk, {"form": "amend"})


@pytest.mark.django_db
def test_opening_an_ice_tests_correction_form_is_audited_as_a_read(client, clinician, patient):
    from procedures.services import ice_test_record

    test = ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, performed_at=days_ago(1))
    client.force_login(clinician)
    assert client.get(reverse("procedures:ice-test-amend", args=[test.pk])).status_code == 200
    event = AuditEvent.objects.filter(action="view", record_type="procedures.icetest", record_id=test.pk).get()
    assert event.detail == {"form": "amend"}


@pytest.mark.django_db
def test_a_stranger_opening_a_correction_form_gets_404_and_no_read_is_recorded(
    client, patient, clinician, all_absent, cryo
):
    stranger = UserFactory(username="far-clinician", role="clinician", locations=[LocationFactory(name="Far branch")])
    screening = screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=3, examined_at=days_ago(1)
    )
    client.force_login(stranger)
    assert client.get(reverse("procedures:screening-amend", args=[screening.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="view", record_id=screening.pk).exists()
