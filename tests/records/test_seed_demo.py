import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from accounts.models import User
from patients.models import Patient
from procedures.eligibility import eligibility
from procedures.models import Procedure


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_every_role_and_can_run_twice(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (User.objects.count(), Patient.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Patient.objects.count()) == counts
    assert counts[1] >= 40
    roles = {u.username: set(u.roles) for u in User.objects.prefetch_related("groups")}
    assert roles["admin"] == {"administrator"}
    assert roles["registrar"] == {"registrar"}
    assert roles["doctor"] == {"clinician"}
    assert roles["patient"] == roles["patient2"] == {"patient"}
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    cleared = Patient.objects.get(user__username="patient")
    failed = Patient.objects.get(user__username="patient2")
    now = timezone.now()
    assert eligibility(patient=cleared, procedure=cryo, when=now).eligible is True
    assert [r.code for r in eligibility(patient=failed, procedure=cryo, when=now).reasons] == ["ice_test_failed"]


def test_the_demo_staff_work_at_the_demo_clinic(db, settings):
    """Staff attached to no location work at none: the demo's registrar and doctors must be attached."""
    from accounts.locations import locations_of

    settings.DEBUG = True
    call_command("seed_demo")
    for username in ("registrar", "doctor", "doctor2"):
        assert [loc.name for loc in locations_of(User.objects.get(username=username))] == ["Клиника на Тверской"]
    registrar = User.objects.get(username="registrar")
    from patients.selectors import patient_list

    assert len(list(patient_list(query="", limit=100, user=registrar))) == Patient.objects.count()


def test_the_demo_has_consents_a_missing_one_and_a_session_under_way_to_complete_with_a_note(db, settings):
    from consents.models import Consent, ConsentTemplate, Kind, Method
    from scheduling.models import SessionStatus
    from scheduling.selectors import worklist

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # again: nothing doubles
    translation.activate("en")
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    assert (cryo.consent_required, cryo.requires_session_note) == ("session", True)
    form = ConsentTemplate.objects.get(procedure=cryo)
    signed = Consent.objects.filter(template=form)
    assert signed.count() == signed.values("patient").distinct().count() > Patient.objects.count() / 2
    assert not signed.exclude(method__in=[Method.DRAWN, Method.TYPED]).exists()
    assert not signed.filter(witness__isnull=True).exists()
    cleared = Patient.objects.get(user__username="patient")
    assert signed.get(patient=cleared).method == Method.DRAWN
    personal_data = Consent.objects.filter(template__kind=Kind.PERSONAL_DATA)
    assert personal_data.count() == Patient.objects.count()

    doctor = User.objects.get(username="doctor")
    tz = doctor.locations.get().tz
    now = timezone.now()
    day = worklist(clinician=doctor, day=timezone.localdate(now, tz), tz=tz)
    under_way = [s for s in day if s.patient_id == cleared.pk]
    assert len(under_way) == 1 and under_way[0].status == SessionStatus.SCHEDULED
    assert under_way[0].start <= now < under_way[0].end and under_way[0].flags == []
    unsigned = [s for s in day if s.patient_id != cleared.pk]
    assert unsigned and not signed.filter(patient=unsigned[0].patient).exists()
    assert [f.text for f in unsigned[0].flags] == ["Consent missing: Scalp cryomassage, contact"]
    assert eligibility(patient=cleared, procedure=cryo, when=now).eligible is True
