"""Register the hourly look at every dewar's forecast (a warning to the administrators once per reading)."""

import json

from django.db import migrations

NAME = "Liquid nitrogen: warn before a dewar falls under its reserve"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "scheduling.nitrogen_alerts", "interval": hourly, "kwargs": json.dumps({}),
                  "description": "Forecasts each dewar and emails the administrators when a refill must be ordered."},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0017_nitrogen"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
