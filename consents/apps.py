from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentsConfig(AppConfig):
    name = "consents"
    verbose_name = _("Consents")

    def ready(self):
        from core.events import patient_registered

        from .services import registration_consent

        patient_registered.connect(registration_consent, dispatch_uid="consents.registration_consent")
