"""The screening form in a browser: a relative contraindication answered "present" asks for a decision."""

import pytest

from procedures.models import Contraindication, Screening, ScreeningAnswer

from ..factories import PASSWORD
from .conftest import shown, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_present_relative_contraindication_asks_clear_with_a_reason_or_not_cleared(
    page, live_server, clinician, patient, cryo
):
    raynaud = Contraindication.objects.get(slug="raynaud")  # relative, seeded for the doctor's review
    sign_in(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}/procedures/patients/{patient.pk}/screenings/new/?procedures={cryo.slug}")
    for radio in page.locator("input[type=radio][value=absent]").all():
        radio.check()
    decision = page.locator(f"input[name=ci_{raynaud.pk}_decision][value=clear]")
    reason = page.locator(f"[name=ci_{raynaud.pk}_override]")
    assert not decision.is_visible() and not reason.is_visible()  # asked only once the answer is "present"

    page.locator(f"input[name=ci_{raynaud.pk}][value=present]").check()
    assert shown(decision) and not reason.is_visible()
    page.get_by_label("Fitzpatrick skin type").select_option("4")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign", exact=True).click()
    assert shown(page.get_by_text("This contraindication is present: choose"))  # refused, nothing signed
    assert not Screening.objects.exists()

    page.locator(f"input[name=ci_{raynaud.pk}_decision][value=clear]").check()
    assert shown(reason)
    reason.fill("Mild, in remission; agreed with the patient's rheumatologist")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign", exact=True).click()
    screening = Screening.objects.get(patient=patient)
    assert screening.cleared
    answer = ScreeningAnswer.objects.get(screening=screening, contraindication=raynaud)
    assert answer.present and answer.override_reason.startswith("Mild, in remission")
