from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff, patients' logins and locations")

    def ready(self):
        from rest_framework.throttling import BaseThrottle

        from core.net import throttle_ident

        from . import signals, two_factor  # noqa: F401  (connects the receivers)

        # One notion of the client's address for the whole app (core.net.client_ip and
        # TRUSTED_PROXIES), DRF's throttles included.
        BaseThrottle.get_ident = throttle_ident
