from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record

from .models import EDITABLE_FIELDS, Patient
from .search import national_digits
from .selectors import patient_possible_duplicates, patients_visible_to


def _normalise(patient: Patient) -> None:
    patient.full_name = " ".join((patient.full_name or "").split())
    patient.phone_digits = national_digits(patient.phone.as_e164) if patient.phone else ""


@transaction.atomic
def patient_register(*, actor, request=None, confirm_duplicate: bool = False, **fields) -> Patient:
    """Register a patient; refuse a likely duplicate unless the registrar confirms it knowingly."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field")
    patient = Patient(created_by=actor, **fields)
    _normalise(patient)
    patient.full_clean(exclude=["phone_digits"])
    if not confirm_duplicate:
        duplicates = list(
            patient_possible_duplicates(
                phone=patient.phone, full_name=patient.full_name, date_of_birth=patient.date_of_birth
            )
        )
        if duplicates:
            names = "; ".join(_describe_duplicates(actor, duplicates))
            raise ValidationError(
                _("This may be a patient who is already registered: %(names)s. Check, and confirm to register anyway.")
                % {"names": names},
                code="possible_duplicate",
            )
    patient.save()
    audit_record(request=request, actor=actor, action=Action.CREATE, patient=patient, record=patient)
    return patient


def _describe_duplicates(actor, duplicates) -> list[str]:
    """Name the likely duplicates the actor may see; of another branch's patient, say only where."""
    seen = set(patients_visible_to(actor).filter(pk__in=[p.pk for p in duplicates]).values_list("pk", flat=True))
    return [
        f"{p.full_name} ({p.date_of_birth:%d.%m.%Y}, {p.phone.as_international})"
        if p.pk in seen
        else _("a patient of %(place)s") % {"place": p.home_location.name}
        for p in duplicates
    ]


@transaction.atomic
def patient_update(*, actor, patient: Patient, request=None, **fields) -> Patient:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field")
    changed = [name for name, value in fields.items() if getattr(patient, name) != value]
    for name, value in fields.items():
        setattr(patient, name, value)
    _normalise(patient)
    patient.full_clean(exclude=["phone_digits"])
    patient.save()
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=patient,
        record=patient,
        detail={"fields": sorted(changed)},
    )
    return patient
