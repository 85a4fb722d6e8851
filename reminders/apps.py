from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    """Reminders and aftercare: the scan, the claim and delivery, the texts, the signed session links."""

    name = "reminders"
    verbose_name = _("Reminders")
