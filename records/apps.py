from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    """What spans a patient's whole record: the patient page, export and anonymise, the demo data."""

    name = "records"
    verbose_name = _("Patient records")
