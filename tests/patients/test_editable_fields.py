"""The fields a registrar may set on a patient are listed once: the form, the API and the services agree."""

import pytest
from django.core.exceptions import ValidationError

from patients.api import PatientSerializer
from patients.forms import PatientForm
from patients.models import EDITABLE_FIELDS
from patients.services import patient_update


def test_the_form_and_the_api_offer_exactly_the_editable_fields():
    assert list(PatientForm().fields) == [*EDITABLE_FIELDS, "confirm_duplicate"]
    writable = {name for name, field in PatientSerializer().fields.items() if not field.read_only}
    assert writable == set(EDITABLE_FIELDS)


@pytest.mark.django_db
def test_the_service_refuses_a_field_outside_the_list(registrar, patient):
    before = patient.created_by_id
    with pytest.raises(ValidationError) as error:
        patient_update(actor=registrar, patient=patient, created_by=registrar, notes="x")
    assert error.value.code == "unknown_field"
    patient.refresh_from_db()
    assert (patient.created_by_id, patient.notes) == (before, "")
