"""Register the one periodic task: every minute, derive due reminders and hand them to workers."""

import json

from django.db import migrations


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Session reminders: scan and dispatch",
        defaults={"task": "scheduling.reminders_tick", "interval": every_minute, "kwargs": json.dumps({}),
                  "description": "Finds due reminders and aftercare messages and queues their sending."},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Session reminders: scan and dispatch").delete()


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0004_seed_reminder_offsets"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
