"""Recording a check: its signed trichoscopy with the figures of each zone, corrections as versions,
the check page and the course's results panel; clinicians of the check's location only."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import Action, AuditEvent
from results import services
from results.models import Check, CheckKind, Checkpoint, MeasurementZone, Trichoscopy, ZoneMeasurement
from results.validation import Figures, Reading
from scheduling.models import Course, CourseStatus
from tests.billing.conftest import deliver, make_course

from ..conftest import login
from ..factories import LocationFactory, UserFactory
from ..helpers import page_queries
from .conftest import make_check, make_trichoscopy

pytestmark = pytest.mark.django_db


def _reading(density=180, terminal="62.0", vellus="38.0", **fields):
    figures = Figures(density, D(terminal), D(vellus), D("58.5"), D("84.0"), D("14.0"))
    return Reading(method="trichoscopy", device="Aramo SG", zones={"frontoparietal": figures}, **fields)


@pytest.fixture
def course(registrar, patient, cryo, clinician):
    return make_course(registrar, patient, cryo, clinician=clinician)


@pytest.fixture
def stranger(db):
    """A clinician of another branch."""
    return UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])


def test_a_check_is_recorded_with_its_signed_trichoscopy_and_figures_in_one_step(course, clinician):
    check = services.check_create(
        actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading(scale="hamilton", grade="3")
    )
    record = Trichoscopy.objects.get(result_check=check)
    assert (record.version, record.signed_by, record.grade) == (1, clinician, "3")
    figures = ZoneMeasurement.objects.get(trichoscopy=record)
    assert (figures.zone.code, figures.density, figures.terminal_share) == ("frontoparietal", 180, D("62.0"))
    assert check.patient_id == course.patient_id and check.location_id == course.location_id
    assert AuditEvent.objects.filter(action=Action.CREATE, record_type="results.check", record_id=check.pk).exists()


def test_figures_that_cannot_be_right_save_nothing_and_say_which(course, clinician):
    with pytest.raises(ValidationError) as caught:
        services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading(terminal="80"))
    assert "frontoparietal-vellus_share" in caught.value.message_dict
    assert "add up to 100" in caught.value.message_dict["frontoparietal-vellus_share"][0]
    assert not Check.objects.exists() and not Trichoscopy.objects.exists()


def test_only_a_clinician_of_the_courses_location_records(course, registrar, stranger):
    with pytest.raises(PermissionDenied):
        services.check_create(actor=registrar, course=course, kind=CheckKind.BASELINE, reading=_reading())
    with pytest.raises(PermissionDenied):
        services.check_create(actor=stranger, course=course, kind=CheckKind.BASELINE, reading=_reading())
    assert not Check.objects.exists()


def test_a_course_has_one_baseline_one_final_and_one_checkpoint_per_session(course, clinician):
    services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
    with pytest.raises(ValidationError, match="already has its check before the course"):
        services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
    services.check_create(actor=clinician, course=course, kind=CheckKind.CHECKPOINT, after_session=6)
    with pytest.raises(ValidationError, match="checkpoint after session 6"):
        services.check_create(actor=clinician, course=course, kind=CheckKind.CHECKPOINT, after_session=6)
    with pytest.raises(ValidationError) as caught:
        services.check_create(actor=clinician, course=course, kind=CheckKind.CHECKPOINT, after_session=13)
    assert caught.value.error_dict["after_session"][0].code == "after_session_range"


def test_the_trichoscopy_may_be_added_later_once(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
    assert not check.trichoscopies.exists()
    services.trichoscopy_sign(actor=clinician, check=check, reading=_reading())
    with pytest.raises(ValidationError, match="already has its trichoscopy"):
        services.trichoscopy_sign(actor=clinician, check=check, reading=_reading())


def test_a_correction_is_a_new_version_with_its_reason_and_the_old_one_stays(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    first = check.trichoscopies.get()
    with pytest.raises(ValidationError) as caught:
        services.trichoscopy_amend(actor=clinician, previous=first, reason=" ", reading=_reading(density=190))
    assert caught.value.error_dict["amendment_reason"][0].code == "amendment_reason_required"
    second = services.trichoscopy_amend(
        actor=clinician, previous=first, reason="Counted the wrong area", reading=_reading(density=190)
    )
    assert (second.version, second.chain, second.amends_id) == (2, first.chain, first.pk)
    assert first.measurements.get().density == 180 and second.measurements.get().density == 190
    with pytest.raises(ValidationError) as caught:
        services.trichoscopy_amend(actor=clinician, previous=first, reason="Again", reading=_reading(density=200))
    assert caught.value.code == "not_current"
    assert AuditEvent.objects.filter(action=Action.AMEND, record_id=second.pk).exists()


def test_the_check_page_shows_the_newest_figures_and_the_history_and_is_audited(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    services.trichoscopy_amend(
        actor=clinician, previous=check.trichoscopies.get(), reason="Wrong zone counted", reading=_reading(density=205)
    )
    page = login(clinician).get(reverse("results:check", args=[check.pk])).content.decode()
    assert "<td>205</td>" in page and "Earlier versions" in page and "Wrong zone counted" in page
    assert 'capture="environment"' in page and 'accept="image/*"' in page and 'name="photo-vertex"' in page
    assert AuditEvent.objects.filter(action=Action.VIEW, record_type="results.check", record_id=check.pk).exists()


def test_the_check_page_answers_the_owner_only(course, clinician, registrar, stranger, client):
    check = make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)
    url = reverse("results:check", args=[check.pk])
    assert login(clinician).get(url).status_code == 200
    assert login(registrar).get(url).status_code == 403  # a registrar sees no measurements
    assert login(stranger).get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_the_check_page_runs_as_many_queries_whatever_the_versions(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    client = login(clinician)
    url = reverse("results:check", args=[check.pk])
    one = page_queries(client, url)
    previous = check.trichoscopies.get()
    for n in range(3):
        previous = services.trichoscopy_amend(
            actor=clinician, previous=previous, reason=f"Fix {n}", reading=_reading(density=181 + n)
        )
    assert page_queries(client, url) == one <= 16


def test_recording_a_check_on_its_page_signs_it_and_shows_plain_messages(course, clinician):
    client = login(clinician)
    url = reverse("results:check-create", args=[course.pk])
    form = {"kind": "baseline", "method": "trichoscopy", "grade": "ludwig:II", "frontoparietal-density": "900"}
    page = client.post(url, form)
    assert page.status_code == 200 and "from 1 to 700" in page.content.decode()
    form["frontoparietal-density"] = "160"
    form["frontoparietal-terminal_share"], form["frontoparietal-vellus_share"] = "60", "40"
    answer = client.post(url, form)
    check = Check.objects.get()
    assert answer.status_code == 302 and answer["Location"] == check.get_absolute_url()
    record = check.trichoscopies.get()
    assert (record.scale, record.grade, record.measurements.get().density) == ("ludwig", "II", 160)


def test_a_check_without_figures_is_recorded_for_its_trichoscopy_later(course, clinician):
    answer = login(clinician).post(
        reverse("results:check-create", args=[course.pk]), {"kind": "baseline", "method": "trichoscopy"}
    )
    assert answer.status_code == 302 and not Check.objects.get().trichoscopies.exists()


def test_the_correction_form_starts_from_the_version_and_needs_a_reason(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    record = check.trichoscopies.get()
    client = login(clinician)
    url = reverse("results:trichoscopy-amend", args=[record.pk])
    assert 'value="180"' in client.get(url).content.decode()
    form = {"method": "trichoscopy", "frontoparietal-density": "175"}
    assert "This field is required" in client.post(url, form).content.decode()
    assert client.post(url, {**form, "amendment_reason": "Recounted"}).status_code == 302
    assert check.trichoscopies.order_by("-version").first().measurements.get().density == 175


# ---------------------------------------------------------------- the course's panel


def _panel(client, course) -> str:
    return client.get(reverse("scheduling:course", args=[course.pk])).content.decode()


def test_the_course_panel_offers_the_baseline_and_the_clinics_checkpoints(course, clinician, cryo):
    Checkpoint.objects.create(procedure=cryo, after_session=6)
    page = _panel(login(clinician), course)
    assert "Record the baseline check" in page and "Checkpoint after session 6" in page
    assert "The course is done" not in page


def test_the_final_check_is_offered_prominently_once_all_sessions_are_done(course, clinician):
    deliver(course, course.session_count)
    page = _panel(login(clinician), course)
    assert "The course is done" in page and "?kind=final" in page
    services.check_create(actor=clinician, course=course, kind=CheckKind.FINAL)
    assert "The course is done" not in _panel(login(clinician), course)


def test_a_completed_course_offers_the_final_check(course, clinician):
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.COMPLETED)
    assert "The course is done" in _panel(login(clinician), course)


def test_a_registrar_sees_no_results_on_the_course_page(course, clinician, registrar):
    services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    page = _panel(login(registrar), course)
    assert 'id="results-title"' not in page and "180/cm²" not in page
    assert "180/cm²" in _panel(login(clinician), course)


def test_the_course_panel_runs_as_many_queries_whatever_the_checks(course, clinician, cryo):
    client = login(clinician)
    url = reverse("scheduling:course", args=[course.pk])
    services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    one = page_queries(client, url)
    for n in (3, 6, 9):
        services.check_create(
            actor=clinician, course=course, kind=CheckKind.CHECKPOINT, after_session=n, reading=_reading()
        )
    occipital = MeasurementZone.objects.get(code="occipital")
    check = Check.objects.last()
    make_trichoscopy(
        make_check(course, kind=CheckKind.FINAL, days_ago=0, clinician=clinician),
        clinician=clinician,
        density=190,
        terminal="70",
        zone=occipital,
    )
    assert check is not None and page_queries(client, url) == one


def test_the_demo_has_a_completed_course_with_its_first_and_last_checks(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # again: nothing doubles
    checks = Check.objects.select_related("course").order_by("taken_at")
    assert [c.kind for c in checks] == ["baseline", "final"]
    assert checks[0].course.status == CourseStatus.COMPLETED
    densities = [c.trichoscopies.get().measurements.get().density for c in checks]
    assert densities == [148, 171]
    assert all(c.photos.count() == 2 for c in checks)


def test_administrators_keep_zones_and_checkpoints_and_only_read_checks(course, clinician, administrator):
    check = make_check(course, kind=CheckKind.BASELINE, days_ago=1, clinician=clinician)
    admin = login(administrator)
    answer = admin.post(
        reverse("admin:results_measurementzone_add"),
        {"code": "vertex", "name_ru": "Теменная зона", "name_en": "Vertex", "position": 3, "active": "on"},
    )
    assert answer.status_code == 302 and MeasurementZone.objects.filter(code="vertex").exists()
    assert admin.get(reverse("admin:results_checkpoint_add")).status_code == 200
    assert admin.get(reverse("admin:results_check_changelist")).status_code == 200
    assert admin.get(reverse("admin:results_photo_changelist")).status_code == 200
    assert admin.get(reverse("admin:results_check_add")).status_code == 403
    page = admin.get(reverse("admin:results_check_change", args=[check.pk])).content.decode()
    assert 'name="_save"' not in page
    assert login(clinician).get(reverse("admin:results_checkpoint_changelist")).status_code in (302, 403)


def test_a_zone_the_clinic_adds_appears_on_the_form(course, clinician):
    MeasurementZone.objects.create(code="vertex", name_ru="Теменная зона", name_en="Vertex", position=3)
    page = login(clinician).get(reverse("results:check-create", args=[course.pk])).content.decode()
    assert 'name="vertex-density"' in page and "Vertex" in page


def test_a_correction_that_changes_nothing_is_refused(course, clinician):
    check = services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE, reading=_reading())
    first = check.trichoscopies.get()
    with pytest.raises(ValidationError) as caught:
        services.trichoscopy_amend(actor=clinician, previous=first, reason="Checked again", reading=_reading())
    assert caught.value.code == "unchanged"
    assert Trichoscopy.objects.filter(result_check=check).count() == 1
    notes = services.trichoscopy_amend(
        actor=clinician, previous=first, reason="Added the notes", reading=_reading(notes="Перхоть меньше")
    )
    assert notes.version == 2


def test_the_check_after_the_course_waits_for_a_session_that_took_place(course, clinician):
    with pytest.raises(ValidationError) as caught:
        services.check_create(actor=clinician, course=course, kind=CheckKind.FINAL)
    assert caught.value.error_dict["kind"][0].code == "final_too_early"
    deliver(course, 1)
    assert services.check_create(actor=clinician, course=course, kind=CheckKind.FINAL).kind == CheckKind.FINAL


def test_a_cancelled_course_may_have_its_check_after_the_course_at_once(course, clinician):
    Course.objects.filter(pk=course.pk).update(status=CourseStatus.CANCELLED)
    course.refresh_from_db()
    assert services.check_create(actor=clinician, course=course, kind=CheckKind.FINAL).kind == CheckKind.FINAL
