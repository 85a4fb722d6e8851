"""The waiting list: a course's own replacement entries (offered a freed time first), and the sweep
that passes an expired offer's time to the next in line (every five minutes, also without a worker's eta)."""

import json

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SWEEP = "Waiting list: pass the times of expired offers to the next in line"


def create_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every5, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "scheduling.waitlist_sweep",
            "interval": every5,
            "kwargs": json.dumps({}),
            "description": "Offers a still-free time to the next waiting patients once its offers expire.",
        },
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("patients", "0003_constraint_messages"),
        ("procedures", "0016_nitrogen_per_session"),
        ("scheduling", "0019_waitlist"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="waitlistentry",
            name="waitlist_one_waiting_per_procedure",
        ),
        migrations.AddField(
            model_name="waitlistentry",
            name="replaces",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="waitlist_replacement",
                to="scheduling.session",
            ),
        ),
        migrations.AddField(
            model_name="waitlistoffer",
            name="passed_on_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="waitlistentry",
            name="via",
            field=models.CharField(
                choices=[
                    ("desk", "the front desk"),
                    ("portal", "the portal"),
                    ("course", "a cancelled session of the course"),
                ],
                max_length=10,
                verbose_name="added through",
            ),
        ),
        migrations.AddConstraint(
            model_name="waitlistentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("replaces__isnull", True), ("status", "waiting")),
                fields=("patient", "procedure"),
                name="waitlist_one_waiting_per_procedure",
                violation_error_message="The patient is already on the waiting list for this procedure.",
            ),
        ),
        migrations.RunPython(create_sweep, remove_sweep),
    ]
