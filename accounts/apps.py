from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff, patients' logins and locations")

    def ready(self):
        from . import signals, two_factor  # noqa: F401  (connects the receivers)
