"""The clinician's before-and-after of a course: the right change for known numbers, the photos paired,
the checks chosen, other courses' and locations' checks never found, the PDF for the patient."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from results.compare_selectors import course_comparison_for_user
from results.models import Check, CheckKind, Photo, PhotoZone
from results.pdf import comparison_html
from scheduling.models import CourseStatus
from tests.billing.conftest import make_course
from tests.factories import LocationFactory, UserFactory

from ..conftest import login
from .conftest import make_check, make_photo, make_trichoscopy

pytestmark = pytest.mark.django_db


def _url(course, **query):
    url = reverse("results_compare:course", args=[course.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _checks(course):
    return list(Check.objects.filter(course=course).order_by("taken_at"))


def test_the_comparison_of_the_first_and_last_check_shows_plus_30_per_cm2_plus_20_percent_and_11_points(
    results_course, as_clinician
):
    response = as_clinician.get(_url(results_course))
    assert response.status_code == 200
    rows = {r.metric: r for r in response.context["rows"]}
    density = rows["Density, per cm²"]
    assert (density.before, density.after, density.change, density.percent) == ("150", "180", "+30 per cm²", "+20.0 %")
    terminal = rows["Terminal hairs, %"]
    assert (terminal.before, terminal.after, terminal.change, terminal.percent) == ("55.0", "66.0", "+11.0 points", "")
    assert rows["Mean shaft diameter, µm"].change == "+6.5 µm"
    body = response.content.decode()
    assert "+30 per cm²" in body and "+20.0 %" in body and "+11.0 points" in body
    assert "no-store" in response["Cache-Control"]


def test_the_page_reads_in_russian_for_a_russian_browser(results_course, as_clinician):
    body = as_clinician.get(_url(results_course), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "До и после" in body
    assert "+30 на см²" in body and "+20,0 %" in body and "+11,0 п. п." in body
    assert "Плотность волос выросла со 150 до 180 на см² (+20 %)" in body


def test_by_default_the_first_and_the_latest_are_compared_and_any_two_can_be_chosen(
    results_course, clinician, as_clinician
):
    first, last = _checks(results_course)
    middle = make_check(results_course, kind=CheckKind.CHECKPOINT, after_session=6, days_ago=15, clinician=clinician)
    make_trichoscopy(middle, clinician=clinician, density=160, terminal="60.0")
    result = as_clinician.get(_url(results_course)).context["result"]
    assert (result.before, result.after) == (first, last)
    assert [c.pk for c in result.checks] == [first.pk, middle.pk, last.pk]

    chosen = as_clinician.get(_url(results_course, **{"from": middle.pk, "to": last.pk}))
    density = chosen.context["rows"][0]
    assert (density.before, density.after, density.change, density.percent) == ("160", "180", "+20 per cm²", "+12.5 %")
    # Chosen the wrong way round, the earlier check is still "before": a change reads forwards in time.
    reverse_order = as_clinician.get(_url(results_course, **{"from": last.pk, "to": middle.pk}))
    assert (reverse_order.context["result"].before, reverse_order.context["result"].after) == (middle, last)
    # One chosen: the other is the default.
    only_to = as_clinician.get(_url(results_course, to=middle.pk)).context["result"]
    assert (only_to.before, only_to.after) == (first, middle)


def test_a_check_of_another_course_or_another_patient_is_not_found(
    results_course, registrar, cryo, clinician, other_patient, as_clinician
):
    other_course = make_course(registrar, other_patient, cryo, clinician=clinician)
    strangers = make_check(other_course, kind=CheckKind.BASELINE, days_ago=3, clinician=clinician)
    first, _ = _checks(results_course)
    assert as_clinician.get(_url(results_course, **{"from": strangers.pk})).status_code == 404
    assert as_clinician.get(_url(results_course, **{"from": first.pk, "to": strangers.pk})).status_code == 404
    assert as_clinician.get(_url(results_course, to=999999)).status_code == 404


def test_a_clinician_of_another_location_gets_404_and_other_roles_403(results_course, registrar):
    elsewhere = UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])
    assert login(elsewhere).get(_url(results_course)).status_code == 404
    assert login(registrar).get(_url(results_course)).status_code == 403
    pdf = reverse("results_compare:course-pdf", args=[results_course.pk])
    assert login(elsewhere).get(pdf).status_code == 404


def test_a_check_id_that_is_not_a_number_is_a_bad_request_not_an_error(results_course, as_clinician):
    assert as_clinician.get(_url(results_course, **{"from": "abc"})).status_code == 400
    assert as_clinician.get(_url(results_course, to="1" * 40)).status_code == 400


def test_the_same_zones_photos_are_side_by_side_and_a_zone_without_a_pair_says_so(
    results_course, clinician, as_clinician
):
    first, last = _checks(results_course)
    make_photo(first, clinician=clinician, zone=PhotoZone.FRONTAL)
    response = as_clinician.get(_url(results_course))
    pairs = {p.zone: p for p in response.context["result"].photos}
    assert list(pairs) == ["frontal", "vertex"]  # in the standard order of zones
    vertex = pairs["vertex"]
    assert vertex.before.result_check_id == first.pk and vertex.after.result_check_id == last.pk
    assert pairs["frontal"].after is None
    body = response.content.decode()
    assert body.count("No photo at this check") == 1
    assert reverse("results:photo-thumb", args=[vertex.before.pk]) in body
    assert f'href="{reverse("results:photo-file", args=[vertex.after.pk])}"' in body
    assert body.count("ratio ratio-4x3 compare-photo") == 4  # every box the same shape: the same scale


def test_a_withdrawn_photo_is_not_paired(results_course, clinician, as_clinician):
    _, last = _checks(results_course)
    Photo.objects.filter(result_check=last).update(
        withdrawn_at=timezone.now(), withdrawn_by=clinician, withdrawal_reason="Wrong patient"
    )
    (vertex,) = as_clinician.get(_url(results_course)).context["result"].photos
    assert vertex.before is not None and vertex.after is None


def test_a_corrected_trichoscopy_counts_with_its_newest_version(results_course, clinician, as_clinician):
    from results.models import MeasurementZone, Trichoscopy, ZoneMeasurement

    _, last = _checks(results_course)
    first_version = Trichoscopy.objects.get(result_check=last)
    fixed = Trichoscopy.objects.create(
        result_check=last,
        patient=last.patient,
        signed_by=clinician,
        signed_at=timezone.now(),
        method=first_version.method,
        chain=first_version.chain,
        version=2,
        amends=first_version,
        amendment_reason="Counted the wrong area",
    )
    ZoneMeasurement.objects.create(
        trichoscopy=fixed, zone=MeasurementZone.objects.get(code="frontoparietal"), density=165
    )
    density = as_clinician.get(_url(results_course)).context["rows"][0]
    assert (density.after, density.change, density.percent) == ("165", "+15 per cm²", "+10.0 %")


def test_one_check_so_far_shows_its_figures_and_says_the_comparison_comes_later(
    registrar, patient, cryo, clinician, as_clinician
):
    course = make_course(registrar, patient, cryo, clinician=clinician, status=CourseStatus.COMPLETED)
    first = make_check(course, kind=CheckKind.BASELINE, days_ago=2, clinician=clinician)
    make_trichoscopy(first, clinician=clinician, density=150, terminal="55.0")
    response = as_clinician.get(_url(course))
    assert response.status_code == 200
    assert "Only one check so far" in response.content.decode()
    assert response.context["rows"][0].before == "150" and response.context["rows"][0].change == "—"
    assert "PDF for the patient" not in response.content.decode()
    empty = make_course(registrar, patient, cryo, clinician=clinician)
    assert "No results checks" in as_clinician.get(_url(empty)).content.decode()


def test_the_page_has_the_trend_chart_with_its_title_description_and_table(results_course, as_clinician):
    body = as_clinician.get(_url(results_course)).content.decode()
    assert body.count("<svg") == 2 and 'role="img"' in body
    assert '<title id="course-density-title">Hair density</title>' in body
    assert "Terminal hairs (share of all hairs, %):" in body  # the <desc>
    assert "style=" not in body  # the CSP forbids inline styles


def test_opening_the_comparison_is_audited(results_course, clinician, as_clinician):
    first, last = _checks(results_course)
    as_clinician.get(_url(results_course))
    event = AuditEvent.objects.filter(actor=clinician, record_type="scheduling.course").latest("id")
    assert (event.patient_id, event.record_id, event.detail) == (
        results_course.patient_id,
        results_course.pk,
        {"comparison": [first.pk, last.pk]},
    )


def test_the_comparison_reads_a_bounded_number_of_queries_however_many_checks(
    results_course, clinician, as_clinician, django_assert_max_num_queries
):
    for n in range(6):
        check = make_check(
            results_course, kind=CheckKind.CHECKPOINT, after_session=n + 1, days_ago=25 - 3 * n, clinician=clinician
        )
        make_trichoscopy(check, clinician=clinician, density=150 + 5 * n, terminal="56.0")
        make_photo(check, clinician=clinician)
    with django_assert_max_num_queries(16):
        response = as_clinician.get(_url(results_course))
    assert len(response.context["result"].checks) == 8


def test_the_pdf_for_the_patient_is_a_pdf_with_the_photos_embedded_and_is_audited(
    results_course, clinician, as_clinician
):
    first, last = _checks(results_course)
    response = as_clinician.get(reverse("results_compare:course-pdf", args=[results_course.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "До и после" in text and "+30 на см²" in text and "+20,0 %" in text
    assert sum(len(page.images) for page in reader.pages) == 2  # the vertex before and after
    event = AuditEvent.objects.filter(actor=clinician, record_type="scheduling.course").latest("id")
    assert event.detail == {"comparison": [first.pk, last.pk], "pdf": True}


def test_the_pdf_speaks_the_patients_language_and_embeds_photos_never_links_them(results_course, clinician, patient):
    patient.preferred_language = "en"
    patient.save(update_fields=["preferred_language"])
    result = course_comparison_for_user(clinician, results_course.pk)
    html = comparison_html(result, patient=patient)
    assert "Before and after" in html and "Hair density rose from 150 to 180 per cm² (+20 %)" in html
    assert html.count('src="data:image/jpeg;base64,') == 2
    assert "/results/photos/" not in html and "http" not in html.split("<body>")[1]


def test_a_check_of_the_course_taken_at_another_location_is_left_out(results_course, clinician, as_clinician):
    # A check of the same course taken at another location is not this clinician's to see.
    far = LocationFactory(name="Far branch")
    stray = make_check(results_course, kind=CheckKind.CHECKPOINT, after_session=3, days_ago=20, clinician=clinician)
    Check.objects.filter(pk=stray.pk).update(location=far)
    result = as_clinician.get(_url(results_course)).context["result"]
    assert stray.pk not in [c.pk for c in result.checks]
    assert as_clinician.get(_url(results_course, **{"from": stray.pk})).status_code == 404


# ---------------------------------------------------------------- the API


def _api(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.cookies = login(user).cookies
    return api


def _api_url(course, **query):
    url = reverse("api-course-results-comparison", args=[course.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_api_gives_the_known_change_per_zone_and_every_checks_figures(results_course, clinician):
    first, last = _checks(results_course)
    response = _api(clinician).get(_api_url(results_course))
    assert response.status_code == 200
    body = response.json()
    assert (body["course"], body["patient"], body["from"], body["to"]) == (
        results_course.pk,
        results_course.patient_id,
        first.pk,
        last.pk,
    )
    (zone,) = body["zones"]
    assert zone["zone"] == "frontoparietal"
    changes = {c["metric"]: c for c in zone["changes"]}
    assert {k: changes["density"][k] for k in ("before", "after", "change", "percent", "unit")} == {
        "before": 150.0,
        "after": 180.0,
        "change": 30.0,
        "percent": 20.0,
        "unit": "per cm²",
    }
    assert (changes["terminal_share"]["change"], changes["terminal_share"]["percent"]) == (11.0, None)
    assert [c["id"] for c in body["checks"]] == [first.pk, last.pk]
    assert body["checks"][0]["zones"][0]["density"] == 150
    (vertex,) = body["photos"]
    assert vertex["zone"] == "vertex"
    assert vertex["after"]["url"] == reverse("results:photo-file", args=[vertex["after"]["id"]])


def test_the_api_refuses_a_bad_check_id_and_does_not_find_another_courses_check(
    results_course, registrar, cryo, clinician, other_patient
):
    other = make_course(registrar, other_patient, cryo, clinician=clinician)
    strangers = make_check(other, kind=CheckKind.BASELINE, days_ago=3, clinician=clinician)
    api = _api(clinician)
    bad = api.get(_api_url(results_course, **{"from": "x"}))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert api.get(_api_url(results_course, to=strangers.pk)).status_code == 404
    far = UserFactory(username="far_doc", role="clinician", locations=[LocationFactory(name="Far branch")])
    assert _api(far).get(_api_url(results_course)).status_code == 404
