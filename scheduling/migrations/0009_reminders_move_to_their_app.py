"""Reminder times and messages move to the reminders app: Django's view of them only.

The tables stay where they are, with their rows (the reminders models name them by db_table).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_course_exclusive_session_companion_of_and_more")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel("Dispatch"), migrations.DeleteModel("ReminderOffset")],
            database_operations=[],
        )
    ]
