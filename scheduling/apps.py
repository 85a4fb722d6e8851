from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        # Register the tasks with the Celery app in every process: a freed time's offers are run by
        # that name within the request when WAITLIST_OFFER_DELIVERY is "inline".
        from . import tasks  # noqa: F401
