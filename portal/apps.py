from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Patient portal")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .language import remember_language

        user_logged_in.connect(remember_language, dispatch_uid="portal.remember_language")
