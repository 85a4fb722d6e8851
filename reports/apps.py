from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The clinic's figures for administrators and registrars: it reads everything and writes nothing."""

    name = "reports"
    verbose_name = _("Reports")
