from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from .db import read_out_of_range_dates_safely

        read_out_of_range_dates_safely()
