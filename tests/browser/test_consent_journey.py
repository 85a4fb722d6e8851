"""In the clinic, on a phone-sized screen: the patient reads and signs the consent by drawing, the
clinician witnesses it, and the session can then be completed."""

import datetime

import pytest
from django.utils import timezone

from consents.models import Consent, Method
from procedures.models import Procedure
from scheduling.models import Session, SessionStatus

from ..factories import PASSWORD
from .conftest import PHONE, book_course, shown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_patient_signs_a_consent_on_a_phone_in_the_clinic_witnessed_and_the_session_is_completed(
    page, live_server, registrar, clinic, eligible_patient, clinician, cryo, location
):
    Procedure.objects.filter(pk=cryo.pk).update(consent_required="session")
    cryo.refresh_from_db()
    course = book_course(registrar, eligible_patient, cryo, location)
    first = course.sessions.order_by("start").first()
    start = timezone.now() - datetime.timedelta(minutes=5)
    Session.objects.filter(pk=first.pk).update(start=start, end=start + datetime.timedelta(minutes=20))

    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}{course.get_absolute_url()}")
    assert shown(page.get_by_text("Consent missing: Scalp cryomassage, contact"))

    page.get_by_role("link", name="Sign in the clinic").click()
    assert shown(page.get_by_role("heading", name="Consent to scalp cryomassage (contact)"))
    canvas = page.locator("canvas[data-signature-canvas]")
    box = canvas.bounding_box()
    assert box["width"] <= PHONE["width"]  # the box fits the phone, no sideways scrolling
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + step * (box["width"] - 40) / 11, box["y"] + box["height"] * (0.3 + 0.4 * (step % 2))
        )
    page.mouse.up()
    page.get_by_label("I witnessed the patient's decision", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign the consent").click()
    assert shown(page.get_by_text("The consent is signed."))
    consent = Consent.objects.get(patient=eligible_patient)
    assert consent.method == Method.DRAWN and consent.witness == clinician and consent.signature_png

    row = page.locator("tr", has_text="Confirm: the session was done").first
    row.get_by_text("Completed", exact=True).click()
    with page.expect_navigation():
        row.get_by_role("button", name="Confirm: the session was done").click()
    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
