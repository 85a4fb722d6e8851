import base64
import io

import pytest
from PIL import Image, ImageDraw

from consents.models import ConsentTemplate, Kind, text_hash
from consents.selectors import current_version
from consents.services import consent_record_in_clinic
from procedures.models import Procedure

from ..portal.conftest import _fresh_throttles  # noqa: F401  (fixture)
from ..scheduling.conftest import book_course, clinic, eligible_patient  # noqa: F401  (fixtures)


@pytest.fixture
def cryo_form(cryo):
    return ConsentTemplate.objects.get(procedure=cryo)


@pytest.fixture
def personal_data_form(db):
    return ConsentTemplate.objects.get(kind=Kind.PERSONAL_DATA)


def require_consent(procedure, when: str) -> None:
    Procedure.objects.filter(pk=procedure.pk).update(consent_required=when)
    procedure.refresh_from_db()


def drawn_png(width=600, height=200, ink=True) -> str:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line([(20, 150), (200, 40), (380, 160), (560, 50)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def sign_in_clinic(clinician, patient, template, *, decision="signed", language="en", **kwargs):
    version = current_version(template)
    fields = {"typed_name": patient.full_name, "ticked": True, "witnessed": True}
    if "signature" in kwargs:
        fields = {"witnessed": True}
    return consent_record_in_clinic(
        actor=clinician,
        patient=patient,
        template=template,
        version_id=version.pk,
        shown_hash=text_hash(version.text(language)),
        language=language,
        decision=decision,
        **{**fields, **kwargs},
    )
