"""Post-procedure cryotherapy: the laser, peel or microdermabrasion it follows, its healing phase, and
the warning for darker phototypes (booking wizard, API, course page, worklist)."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procedures.models import Procedure
from scheduling.forms import BookingForm
from scheduling.models import Course
from scheduling.services import PrecedingTreatment, SessionSpec, course_book, course_preview

from ..conftest import login
from ..helpers import page_queries
from .conftest import next_weekday

SLUG = "cryotherapy-post-procedure"


@pytest.fixture
def therapy(cryotherapy):
    """The seeded procedure as the clinic has it: it follows a skin treatment (the shared fixture turns
    that off for the combining tests). The patient's screening for it records phototype V."""
    Procedure.objects.filter(pk=cryotherapy.pk).update(follows_skin_treatment=True)
    cryotherapy.refresh_from_db()
    return cryotherapy


def days_ago(n, tz):
    return timezone.localdate(timezone=tz) - datetime.timedelta(days=n)


def laser(days_before, tz, **kwargs):
    return PrecedingTreatment(kind="laser", day=days_ago(days_before, tz), **kwargs)


def preview(patient, procedure, location, treatment, count=4):
    return course_preview(
        patient=patient,
        procedure=procedure,
        location=location,
        count=count,
        first_day=next_weekday(0, location.tz),
        preferred_time=datetime.time(10),
        preceding_treatment=treatment,
    )


def book(registrar, patient, procedure, location, treatment, count=4, **kwargs):
    plan = preview(patient, procedure, location, treatment, count)
    return course_book(
        actor=registrar,
        patient=patient,
        procedure=procedure,
        location=location,
        specs=[SessionSpec(s.start, s.clinician_id) for s in plan.sessions],
        preceding_treatment=treatment,
        **kwargs,
    )


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_the_seeded_post_procedure_cryotherapy_follows_a_skin_treatment_and_warns_from_phototype_iv():
    therapy = Procedure.objects.get(slug=SLUG)
    assert (therapy.follows_skin_treatment, therapy.healing_phase_days, therapy.phototype_warning_from) == (
        True,
        14,
        4,
    )
    other = Procedure.objects.exclude(slug=SLUG).values_list("follows_skin_treatment", "phototype_warning_from")
    assert set(other) == {(False, None)}


@pytest.mark.django_db
def test_the_seed_keeps_what_the_clinic_changed():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("procedures.migrations.0015_skin_treatment_link")
    Procedure.objects.filter(slug=SLUG).update(follows_skin_treatment=False, phototype_warning_from=5)
    migration.seed(apps, None)
    assert Procedure.objects.filter(slug=SLUG, follows_skin_treatment=False, phototype_warning_from=5).exists()


@pytest.mark.django_db
def test_booking_without_the_treatment_it_follows_is_refused_and_books_nothing(
    registrar, therapy, eligible_patient, location
):
    plan = preview(eligible_patient, therapy, location, None)
    assert not plan.bookable
    assert "Give the laser, peel or microdermabrasion this course follows: its kind and date." in plan.problems
    with pytest.raises(ValidationError) as refused:
        book(registrar, eligible_patient, therapy, location, None)
    assert [e.code for e in refused.value.error_list] == ["preceding_treatment_required"]
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_a_treatment_in_the_future_is_refused(registrar, therapy, eligible_patient, location):
    with pytest.raises(ValidationError) as refused:
        book(registrar, eligible_patient, therapy, location, laser(-1, location.tz))
    assert [e.code for e in refused.value.error_list] == ["preceding_treatment_in_future"]
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_a_course_inside_the_healing_phase_records_the_treatment_and_its_end(
    registrar, therapy, eligible_patient, location
):
    course = book(registrar, eligible_patient, therapy, location, laser(2, location.tz, elsewhere=True))
    assert course.preceding_kind == "laser" and course.preceding_elsewhere
    assert course.preceding_date == days_ago(2, location.tz)
    assert course.healing_phase_until == days_ago(2, location.tz) + datetime.timedelta(days=14)


@pytest.mark.django_db
def test_a_first_session_after_the_healing_phase_is_a_warning_to_acknowledge(
    registrar, therapy, eligible_patient, location
):
    treatment = laser(20, location.tz)  # the healing phase ended six days ago
    plan = preview(eligible_patient, therapy, location, treatment)
    assert plan.bookable and plan.outside_healing_phase
    assert any("is after the healing phase, which ends on" in w for w in plan.warnings)
    with pytest.raises(ValidationError) as refused:
        book(registrar, eligible_patient, therapy, location, treatment)
    assert [e.code for e in refused.value.error_list] == ["outside_healing_phase"]
    assert not Course.objects.exists()
    course = book(registrar, eligible_patient, therapy, location, treatment, acknowledge_outside_healing_phase=True)
    assert AuditEvent.objects.filter(record_id=course.pk, detail__outside_healing_phase=True).exists()


@pytest.mark.django_db
def test_the_preview_warns_about_a_darker_phototype_without_blocking(therapy, eligible_patient, location):
    plan = preview(eligible_patient, therapy, location, laser(1, location.tz))
    assert plan.bookable and not plan.outside_healing_phase
    assert [w for w in plan.warnings if w.startswith("Phototype V: higher risk of pigmentation — ")]


@pytest.mark.django_db
def test_a_lighter_phototype_gets_no_warning(therapy, eligible_patient, location):
    Procedure.objects.filter(pk=therapy.pk).update(phototype_warning_from=6)
    therapy.refresh_from_db()
    assert preview(eligible_patient, therapy, location, laser(1, location.tz)).warnings == []


def wizard_form(location, **extra):
    return {
        "procedure": SLUG,
        "location": location.pk,
        "count": 4,
        "first_day": next_weekday(0, location.tz).isoformat(),
        "preferred_time": "10:00",
        **extra,
    }


@pytest.mark.django_db
def test_the_booking_form_asks_for_the_treatment_in_russian(therapy, location):
    with translation.override("ru"):
        form = BookingForm(wizard_form(location), locations=[location])
        assert not form.is_valid()
        assert form.errors["preceding_kind"] == [
            "Укажите лазер, пилинг или микродермабразию, после которых проводится курс: вид и дату."
        ]
        future = days_ago(-1, location.tz).isoformat()
        form = BookingForm(wizard_form(location, preceding_kind="peel", preceding_date=future), locations=[location])
        assert not form.is_valid() and "не может быть в будущем" in form.errors["preceding_date"][0]


@pytest.mark.django_db
def test_the_booking_form_ignores_the_treatment_for_other_procedures(cryo, location):
    form = BookingForm(
        wizard_form(location, procedure=cryo.slug, preceding_kind="laser", count=10), locations=[location]
    )
    assert form.is_valid(), form.errors
    assert form.preceding_treatment() is None


@pytest.mark.django_db
def test_the_wizard_asks_to_confirm_a_late_start_then_books_it(as_registrar, therapy, eligible_patient, location):
    url = reverse("scheduling:book", args=[eligible_patient.pk])
    form = wizard_form(location, preceding_kind="peel", preceding_date=days_ago(20, location.tz).isoformat())
    page = html.unescape(as_registrar.post(url, {**form, "action": "preview"}).content.decode())
    assert "is after the healing phase, which ends on" in page
    assert "Phototype V: higher risk of pigmentation" in page
    assert 'name="acknowledge_outside_healing_phase"' in page
    plan = preview(eligible_patient, therapy, location, PrecedingTreatment("peel", days_ago(20, location.tz)))
    rows = {"s-TOTAL_FORMS": 4, "s-INITIAL_FORMS": 4, "s-MIN_NUM_FORMS": 1, "s-MAX_NUM_FORMS": 30}
    for i, s in enumerate(plan.sessions):
        local = s.start.astimezone(location.tz)
        rows |= {f"s-{i}-day": local.date(), f"s-{i}-time": local.strftime("%H:%M"), f"s-{i}-clinician": s.clinician_id}
    page = as_registrar.post(url, {**form, **rows, "action": "confirm"}).content.decode()
    assert "The course was not booked." in page and not Course.objects.exists()
    assert 'name="acknowledge_outside_healing_phase"' in page
    confirmed = {**form, **rows, "action": "confirm", "acknowledge_outside_healing_phase": "on"}
    response = as_registrar.post(url, confirmed)
    course = Course.objects.get()
    assert response.status_code == 302 and course.preceding_kind == "peel"


@pytest.mark.django_db
def test_the_wizard_refuses_to_preview_without_the_treatment(as_registrar, therapy, eligible_patient, location):
    url = reverse("scheduling:book", args=[eligible_patient.pk])
    page = html.unescape(as_registrar.post(url, {**wizard_form(location), "action": "preview"}).content.decode())
    assert "Give the laser, peel or microdermabrasion this course follows" in page
    assert 'name="s-0-day"' not in page


@pytest.mark.django_db
def test_api_refuses_a_booking_without_the_treatment_or_with_a_future_one(
    registrar, therapy, eligible_patient, location
):
    plan = preview(eligible_patient, therapy, location, laser(1, location.tz))
    body = {
        "patient": eligible_patient.pk,
        "procedure": SLUG,
        "location": location.pk,
        "sessions": [{"start": s.start.isoformat(), "clinician": s.clinician_id} for s in plan.sessions],
    }
    client = api(registrar)
    missing = client.post("/api/v1/courses/", body, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "preceding_treatment_required"
    future = {"kind": "laser", "date": days_ago(-2, location.tz).isoformat()}
    refused = client.post("/api/v1/courses/", {**body, "preceding_treatment": future}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "preceding_treatment_in_future"
    late = {"kind": "other", "other": "IPL", "date": days_ago(20, location.tz).isoformat()}
    unconfirmed = client.post("/api/v1/courses/", {**body, "preceding_treatment": late}, format="json")
    assert unconfirmed.status_code == 400 and unconfirmed.json()["error"]["code"] == "outside_healing_phase"
    assert not Course.objects.exists()
    ok = {"kind": "laser", "date": days_ago(1, location.tz).isoformat(), "done_elsewhere": True}
    created = client.post("/api/v1/courses/", {**body, "preceding_treatment": ok}, format="json")
    assert created.status_code == 201, created.content
    treatment = created.json()["preceding_treatment"]
    until = days_ago(1, location.tz) + datetime.timedelta(days=14)
    assert treatment["kind"] == "laser" and treatment["done_elsewhere"] is True
    assert treatment["date"] == days_ago(1, location.tz).isoformat()
    assert treatment["healing_phase_until"] == until.isoformat()


@pytest.mark.django_db
def test_api_preview_says_what_to_know(registrar, therapy, eligible_patient, location):
    answer = (
        api(registrar)
        .post(
            "/api/v1/courses/preview/",
            {
                "patient": eligible_patient.pk,
                "procedure": SLUG,
                "location": location.pk,
                "count": 4,
                "first_day": next_weekday(0, location.tz).isoformat(),
                "preceding_treatment": {"kind": "microdermabrasion", "date": days_ago(20, location.tz).isoformat()},
            },
            format="json",
        )
        .json()
    )
    assert answer["bookable"] and answer["outside_healing_phase"]
    assert any(w.startswith("Phototype V:") for w in answer["warnings"])


@pytest.mark.django_db
def test_the_schema_describes_the_preceding_treatment(registrar):
    schema = api(registrar).get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "PrecedingTreatmentOut" in text and "acknowledge_outside_healing_phase" in text


@pytest.mark.django_db
def test_the_course_page_and_print_show_the_treatment_and_the_phototype_warning(
    as_registrar, registrar, therapy, eligible_patient, location
):
    treatment = PrecedingTreatment("laser", datetime.date(2026, 11, 28))
    course = book(registrar, eligible_patient, therapy, location, laser(1, location.tz))
    Course.objects.filter(pk=course.pk).update(
        preceding_date=treatment.day, healing_phase_until=datetime.date(2026, 12, 12)
    )
    page = html.unescape(as_registrar.get(course.get_absolute_url()).content.decode())
    assert "Follows: laser, 28 November 2026 — healing phase until 12 December 2026" in page
    assert page.count("Phototype V: higher risk of pigmentation") == 1  # once, not once per session
    printed = html.unescape(as_registrar.get(reverse("scheduling:course-print", args=[course.pk])).content.decode())
    assert "Follows: laser, 28 November 2026 — healing phase until 12 December 2026" in printed
    with translation.override("ru"):
        course.refresh_from_db()
        assert course.preceding_summary == "После: лазер, 28 ноября 2026 — фаза заживления до 12 декабря 2026"


@pytest.mark.django_db
def test_the_course_page_of_such_a_course_runs_a_fixed_number_of_queries(
    as_registrar, registrar, therapy, eligible_patient, location, other_patient, cryo
):
    short = book(registrar, eligible_patient, therapy, location, laser(1, location.tz), count=3)
    few = page_queries(as_registrar, short.get_absolute_url())
    Course.objects.filter(pk=short.pk).update(status="cancelled")
    longer = book(registrar, eligible_patient, therapy, location, laser(1, location.tz), count=8)
    assert page_queries(as_registrar, longer.get_absolute_url()) == few


@pytest.mark.django_db
def test_the_worklist_tells_the_clinician_about_the_phototype_without_flagging_the_session(
    registrar, therapy, eligible_patient, location
):
    course = book(registrar, eligible_patient, therapy, location, laser(1, location.tz))
    first = course.sessions.order_by("start").first()
    day = first.start.astimezone(location.tz).date().isoformat()
    page = html.unescape(login(first.clinician).get(f"{reverse('scheduling:worklist')}?date={day}").content.decode())
    assert "Phototype V: higher risk of pigmentation" in page
    assert "list-group-item-danger" not in page


@pytest.mark.django_db
def test_combined_with_cryomassage_the_treatment_is_asked_for_and_kept_on_the_cryotherapy_course(
    registrar, therapy, eligible_patient, cryo, location
):
    args = {
        "patient": eligible_patient,
        "procedure": cryo,
        "location": location,
        "count": 10,
        "first_day": next_weekday(0, location.tz),
        "preferred_time": datetime.time(11),
        "combined_procedure": therapy,
    }
    plan = course_preview(**args)
    assert not plan.bookable
    specs = [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]
    booking = {"actor": registrar, "patient": eligible_patient, "procedure": cryo, "location": location}
    with pytest.raises(ValidationError) as refused:
        course_book(**booking, specs=specs, combined_procedure=therapy)
    assert [e.code for e in refused.value.error_list] == ["preceding_treatment_required"]
    treatment = laser(1, location.tz)
    assert course_preview(**args, preceding_treatment=treatment).bookable
    main = course_book(**booking, specs=specs, combined_procedure=therapy, preceding_treatment=treatment)
    assert main.preceding_kind == "" and main.healing_phase_until is None  # cryomassage follows nothing
    assert Course.objects.get(combined_with=main).preceding_kind == "laser"


@pytest.mark.django_db
def test_a_first_session_moved_past_the_healing_phase_shows_on_the_course_page(
    as_registrar, registrar, therapy, eligible_patient, location
):
    course = book(registrar, eligible_patient, therapy, location, laser(1, location.tz))
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "The first session is after the healing phase" not in page
    first = course.sessions.order_by("start").first().start.astimezone(location.tz).date()
    Course.objects.filter(pk=course.pk).update(
        preceding_date=first - datetime.timedelta(days=20), healing_phase_until=first - datetime.timedelta(days=6)
    )
    page = as_registrar.get(course.get_absolute_url()).content.decode()
    assert "The first session is after the healing phase of the treatment it follows." in page


@pytest.mark.django_db
def test_the_eligibility_api_lists_the_phototype_warning_apart_from_the_reasons(clinician, therapy, eligible_patient):
    answer = api(clinician).get(f"/api/v1/patients/{eligible_patient.pk}/eligibility/", {"procedure": SLUG}).json()
    assert answer["eligible"] is True and answer["reasons"] == []
    assert answer["warning_codes"] == ["phototype_pigmentation_risk"]
