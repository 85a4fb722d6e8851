import datetime

import django.db.models.expressions
import django.db.models.functions.datetime
from django.contrib.postgres.operations import AddConstraintNotValid
from django.db import migrations, models

from core.db import validate_constraint_if_clean


def plausible(field, name):
    earliest = datetime.datetime(2000, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    latest = django.db.models.expressions.CombinedExpression(
        django.db.models.functions.datetime.Now(), "+", models.Value(datetime.timedelta(days=1))
    )
    return models.CheckConstraint(condition=models.Q((f"{field}__gte", earliest), (f"{field}__lte", latest)), name=name)


class Migration(migrations.Migration):
    """A record's time lies from 2000 to now. Added NOT VALID, then validated where no old row breaks
    it: a record stored before with an odd time (year 1) must not stop the migration."""

    dependencies = [("procedures", "0006_procedure_allow_concurrent_courses_and_more")]

    operations = [
        AddConstraintNotValid(
            model_name="icetest", constraint=plausible("performed_at", "icetest_performed_at_plausible")
        ),
        AddConstraintNotValid(
            model_name="screening", constraint=plausible("examined_at", "screening_examined_at_plausible")
        ),
        migrations.RunPython(
            validate_constraint_if_clean("procedures", "icetest", "icetest_performed_at_plausible"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(
            validate_constraint_if_clean("procedures", "screening", "screening_examined_at_plausible"),
            migrations.RunPython.noop,
        ),
    ]
