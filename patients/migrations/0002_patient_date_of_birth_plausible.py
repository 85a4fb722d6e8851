import datetime

import django.db.models.expressions
import django.db.models.functions.datetime
from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models

from core.db import validate_constraint_if_clean


class Migration(migrations.Migration):
    """A date of birth lies from 1900 to today. Added NOT VALID, then validated unless an old row
    breaks it (that patient's date is corrected on the edit page, then the constraint can be validated)."""

    dependencies = [("patients", "0001_initial")]

    operations = [
        AddConstraintNotValid(
            model_name="patient",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("date_of_birth__gte", datetime.date(1900, 1, 1)),
                    (
                        "date_of_birth__lte",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.functions.datetime.Now(), "+", models.Value(datetime.timedelta(days=1))
                        ),
                    ),
                ),
                name="patient_date_of_birth_plausible",
            ),
        ),
        migrations.RunPython(
            validate_constraint_if_clean("patients", "patient", "patient_date_of_birth_plausible"),
            migrations.RunPython.noop,
        ),
    ]
