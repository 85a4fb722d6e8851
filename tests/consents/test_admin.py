"""Administrators edit a form's text in the admin: each change is a new version, never an edit."""

import pytest

from consents.models import ConsentTemplateVersion

from ..audit.test_admin_changes import change_url, form_data
from ..conftest import login
from .conftest import sign_in_clinic


@pytest.mark.django_db
def test_a_text_change_in_the_admin_publishes_a_new_version_and_lists_who_must_sign_again(
    administrator, cryo_form, patient, clinician
):
    sign_in_clinic(clinician, patient, cryo_form)
    admin = login(administrator)
    page = admin.get(change_url(cryo_form))
    assert page.status_code == 200
    data = form_data(page)
    data.update(
        {
            "text_ru": data["text_ru"] + "\n\nНовый абзац.",
            "needs_new_signature": "on",
            "change_note": "добавлен абзац",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(cryo_form.versions.get().pk),
            "versions-0-template": str(cryo_form.pk),
        }
    )
    response = admin.post(change_url(cryo_form), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    versions = list(ConsentTemplateVersion.objects.filter(template=cryo_form).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].text_ru + "\n\nНовый абзац." == versions[1].text_ru  # the first is as it was
    assert versions[1].needs_new_signature and versions[1].created_by == administrator
    assert patient.full_name in admin.get(change_url(cryo_form)).content.decode()
