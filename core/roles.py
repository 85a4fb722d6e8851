"""The four roles of the clinic. Each is a Django group; a user may hold several."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Clinic administrator")
    REGISTRAR = "registrar", _("Registrar")
    CLINICIAN = "clinician", _("Clinician")
    PATIENT = "patient", _("Patient")


STAFF_ROLES = frozenset({Role.ADMINISTRATOR, Role.REGISTRAR, Role.CLINICIAN})
