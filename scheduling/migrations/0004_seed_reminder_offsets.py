from django.db import migrations


def seed(apps, schema_editor):
    ReminderOffset = apps.get_model("scheduling", "ReminderOffset")
    for hours in (24, 2):
        ReminderOffset.objects.get_or_create(hours_before=hours)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_reminders")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
