"""In the clinic, on a phone-sized screen: the patient reads and signs the consent by drawing, the
clinician witnesses it, and the session is completed with its note (the procedure needs one)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.models import Consent, Method
from procedures.models import Procedure
from scheduling.models import Session, SessionNote, SessionStatus

from ..factories import PASSWORD
from .conftest import PHONE, book_course, shown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_patient_signs_a_consent_on_a_phone_in_the_clinic_witnessed_and_the_session_is_completed(
    page, live_server, registrar, clinic, eligible_patient, clinician, cryo, location
):
    Procedure.objects.filter(pk=cryo.pk).update(consent_required="session", requires_session_note=True)
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

    # The procedure needs a note: "completed" goes through the note form, which completes the session.
    assert page.get_by_text("Confirm: the session was done").count() == 0
    page.get_by_role("link", name="Completed: write the note").first.click()
    assert shown(page.get_by_role("heading", name="Session note", exact=False))
    page.get_by_label("Zones treated").fill("Whole head along the partings")
    page.get_by_label("Passes per line").fill("3")
    page.get_by_label("Exposure per pass, seconds").fill("6")
    page.get_by_label("Immediate reaction").fill("Mild redness, gone in ten minutes")
    assert page.get_by_label("Mark the session completed").is_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign", exact=True).click()
    assert shown(page.get_by_text("The note is signed and the session is marked completed."))

    first.refresh_from_db()
    assert first.status == SessionStatus.COMPLETED
    note = SessionNote.objects.get(session=first)
    assert (note.zones, note.passes, note.exposure_seconds, note.signed_by) == (
        "Whole head along the partings",
        3,
        6,
        clinician,
    )
    assert page.get_by_role("link", name="Completed: write the note").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    # The course page shows the note on the session's row; it opens to what was recorded.
    row = page.locator("tr", has=page.get_by_role("link", name="Session note"))
    assert shown(row)
    assert "completed" in row.locator('td[data-label="Status"]').inner_text()
    with page.expect_navigation():
        row.get_by_role("link", name="Session note").click()
    assert shown(page.get_by_text("Whole head along the partings"))
    assert shown(page.get_by_text("Mild redness, gone in ten minutes"))
    # And in the patient's record, with the consent signed.
    page.goto(f"{live_server.url}{eligible_patient.get_absolute_url()}")
    assert shown(page.get_by_role("heading", name="Session notes"))
    assert shown(page.locator(f'a[href="{reverse("scheduling:session-note", args=[note.pk])}"]'))
    assert page.locator('.consent-row[data-consent-state="signed"]').count() >= 1
