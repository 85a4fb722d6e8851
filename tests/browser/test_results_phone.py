"""A clinician records a check on a 390-px phone, in Russian: the form, the photo buttons (one per
zone, opening the camera), an upload, and the course's results panel, none scrolling sideways."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from results.models import Check, Photo
from tests.billing.conftest import deliver, make_course

from ..factories import PASSWORD
from .conftest import PHONE, sign_in_ru

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def _jpeg(path):
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 160, 140)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_clinician_records_a_check_and_its_photos_on_a_phone(
    browser, live_server, registrar, patient, cryo, clinician, tmp_path
):
    course = make_course(registrar, patient, cryo, clinician=clinician)
    deliver(course, course.session_count)
    context = browser.new_context(locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_ru(page, live_server.url, clinician.username, PASSWORD)
    page.goto(live_server.url + reverse("scheduling:course", args=[course.pk]))
    assert page.evaluate(FITS)
    page.get_by_role("link", name="Записать итоговый контроль").first.click()
    page.get_by_label("Плотность, волос на см²").first.fill("171")
    page.get_by_label("Терминальные волосы, %").first.fill("63.5")
    page.get_by_label("Веллусные волосы, %").first.fill("36.5")
    assert page.evaluate(FITS)
    page.get_by_role("button", name="Записать контроль").click()
    page.wait_for_url(lambda url: "/results/checks/" in url)
    assert page.evaluate(FITS)
    vertex = page.locator('input[name="photo-vertex"]')
    assert vertex.get_attribute("capture") == "environment" and vertex.get_attribute("accept") == "image/*"
    vertex.set_input_files(str(_jpeg(tmp_path / "vertex.jpg")))
    page.get_by_role("button", name="Загрузить").click()
    page.get_by_text("Сохранено снимков: 1.").wait_for()
    thumbnail = page.locator(".results-photos img").first
    thumbnail.wait_for(state="visible")
    assert page.evaluate("img => img.naturalWidth", thumbnail.element_handle()) == 400
    assert page.evaluate(FITS)
    check = Check.objects.get()
    assert check.kind == "final" and Photo.objects.get().result_check_id == check.pk
    context.close()
