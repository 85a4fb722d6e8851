"""Results, in a real browser on a phone-sized page: a clinician records the check before the course
and the one after it, each with its figures and a photo taken on the phone; the clinician's comparison
shows the change; the patient signs in to the portal and reads the same comparison in plain words,
with the chart and both photos side by side."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from results.models import Check, CheckKind, Photo
from scheduling.models import Session, SessionStatus

from ..factories import PASSWORD
from ..results.conftest import jpeg_bytes, results_course  # noqa: F401  (a fixture)
from .conftest import PHONE, book_course, shown, sign_in, sign_in_ru
from .test_phone import _assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def _record_check(page, *, density, terminal, diameter, taken_at, photo):
    """Fill the check form (zone frontoparietal), sign it, then add the vertex photo on the check's page."""
    assert shown(page.get_by_role("heading", name="New results check", exact=False))
    assert _no_sideways_scroll(page)
    if taken_at is not None:
        page.get_by_label("Taken at").fill(taken_at.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_frontoparietal-density").fill(str(density))
    page.locator("#id_frontoparietal-terminal_share").fill(terminal)
    page.locator("#id_frontoparietal-vellus_share").fill(str(100 - float(terminal)))
    page.locator("#id_frontoparietal-mean_diameter").fill(diameter)
    with page.expect_navigation():
        page.get_by_role("button", name="Record the check", exact=True).click()
    assert shown(page.get_by_text("The check is recorded."))
    page.locator("#photo-vertex").set_input_files(str(photo))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    assert shown(page.get_by_text("Photos kept: 1."))


def _phone(browser, locale: str, **options):
    context = browser.new_context(locale=locale, viewport=PHONE, **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _both_photos_loaded(page) -> bool:
    sides = page.locator(".compare-pair").first
    for side in ("before", "after"):
        image = sides.locator(f'[data-photo-side="{side}"] img')
        image.wait_for(state="visible")
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), f"the {side} photo did not load"
    return True


def test_a_clinician_records_a_first_and_a_last_check_on_a_phone_and_the_patient_sees_the_comparison(
    browser, page, live_server, registrar, clinic, eligible_patient, clinician, cryo, location, tmp_path
):
    course = book_course(registrar, eligible_patient, cryo, location)
    before_photo, after_photo = tmp_path / "before.jpg", tmp_path / "after.jpg"
    before_photo.write_bytes(jpeg_bytes(size=(640, 480), color=(150, 110, 80)))
    after_photo.write_bytes(jpeg_bytes(size=(480, 640), color=(90, 70, 50)))  # portrait: same box, same scale

    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}{course.get_absolute_url()}")
    page.get_by_role("link", name="Record the baseline check").click()
    _record_check(
        page,
        density=150,
        terminal="55.0",
        diameter="52.0",
        taken_at=timezone.localtime(timezone.now() - datetime.timedelta(days=30), location.tz),
        photo=before_photo,
    )
    # The course is done: its panel offers the final check first.
    Session.objects.filter(course=course).update(status=SessionStatus.COMPLETED, outcome_at=timezone.now())
    page.goto(f"{live_server.url}{course.get_absolute_url()}")
    page.get_by_role("link", name="Record the final check").click()
    _record_check(page, density=180, terminal="66.0", diameter="58.5", taken_at=None, photo=after_photo)

    checks = list(Check.objects.filter(course=course).order_by("taken_at"))
    assert [c.kind for c in checks] == [CheckKind.BASELINE, CheckKind.FINAL]
    assert Photo.objects.filter(result_check__course=course).count() == 2

    # The clinician's comparison: the change for the known numbers, the photos side by side.
    page.goto(f"{live_server.url}{reverse('results_compare:course', args=[course.pk])}")
    assert shown(page.get_by_role("heading", name="Before and after"))
    density = page.locator("tr[data-metric-row]").first
    assert density.locator("[data-change]").inner_text() == "+30 per cm²"
    assert density.locator("[data-percent]").inner_text() == "+20.0 %"
    assert _both_photos_loaded(page)
    before_box = page.locator('.compare-pair [data-photo-side="before"] .compare-photo').bounding_box()
    after_box = page.locator('.compare-pair [data-photo-side="after"] .compare-photo').bounding_box()
    assert before_box["width"] == after_box["width"] and before_box["height"] == after_box["height"]
    assert before_box["x"] + before_box["width"] <= after_box["x"]  # side by side, even on the phone
    assert _no_sideways_scroll(page)

    # The patient, on her own phone, in the portal: the same comparison in plain words (her language: Russian).
    page = _phone(browser, "ru-RU")
    sign_in_ru(page, live_server.url, eligible_patient.user.username, PASSWORD)
    page.wait_for_url(lambda url: "/portal/" in url)
    page.get_by_role("link", name="Мои результаты").first.click()
    assert shown(page.get_by_role("heading", name="Мои результаты"))
    assert shown(page.get_by_text("Плотность волос выросла со 150 до 180 на см² (+20 %)"))
    assert shown(page.get_by_text("Доля толстых (терминальных) волос выросла с 55 до 66 %"))
    assert shown(page.get_by_text("примерно на 10 %", exact=False))
    assert shown(page.locator('svg[data-trend="density"]'))
    assert page.locator('svg[data-trend="density"] circle').count() == 2
    assert _both_photos_loaded(page)
    first_thumb = page.locator('.compare-pair [data-photo-side="before"] img').get_attribute("src")
    assert first_thumb.startswith("/portal/results/photos/")
    assert _no_sideways_scroll(page)
    page.context.close()


def test_the_comparison_and_my_results_have_nothing_serious_for_axe_and_valid_html_on_a_phone(
    browser,
    live_server,
    results_course,  # noqa: F811  (the fixture imported above)
    clinician,
    patient,
    tmp_path,
):
    # bypass_csp: axe is injected as a script, which the app's CSP (rightly) refuses.
    page = _phone(browser, "en-GB", bypass_csp=True)
    sign_in(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('results_compare:course', args=[results_course.pk])}")
    assert shown(page.get_by_text("+30 per cm²"))
    _assert_clean(page, tmp_path, "results-compare")
    page.context.close()
    page = _phone(browser, "ru-RU", bypass_csp=True)
    sign_in_ru(page, live_server.url, patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('portal:results')}")
    assert shown(page.get_by_text("Плотность волос выросла со 150 до 180 на см² (+20 %)"))
    _assert_clean(page, tmp_path, "portal-results")
    page.context.close()
