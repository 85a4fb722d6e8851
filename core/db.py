"""Reading dates PostgreSQL can hold but Python cannot (a BC date, year 10000) without crashing.

psycopg2 raises ValueError for such a value, so one odd row made every page that read it answer
500, for good: medical records are never edited. The app no longer lets such values in (see
core.dates and the records' CHECK constraints), but rows stored before may hold one. Such a value
is read as the nearest one Python can show, a day inside its range so that a time zone shift
cannot overflow it: 2 Jan 0001 or 30 Dec 9999. psycopg2 already reads `infinity` like this, as
datetime.max; that is brought a day inside too. The page then shows an obviously wrong date,
and the record can be corrected by an amendment.
"""

import datetime

EARLY_DATE, LATE_DATE = datetime.date(1, 1, 2), datetime.date(9999, 12, 30)


def _clamped(value: str | None, parse, early, late):
    if value is None:
        return None
    try:
        parsed = parse(value)
    except ValueError:
        return early if value.rstrip().endswith("BC") else late
    if parsed < early:  # -infinity, or the first day
        return early
    return late if parsed > late else parsed


def read_out_of_range_dates_safely() -> None:
    """Register psycopg2 casters for date, timestamp and timestamptz that clamp instead of raising."""
    try:
        import psycopg2.extensions as ext
    except ImportError:  # another driver: nothing to do here
        return
    aware_early = datetime.datetime.combine(EARLY_DATE, datetime.time(), tzinfo=datetime.UTC)
    aware_late = datetime.datetime.combine(LATE_DATE, datetime.time(), tzinfo=datetime.UTC)
    naive_early, naive_late = aware_early.replace(tzinfo=None), aware_late.replace(tzinfo=None)
    for base, early, late in (
        (ext.PYDATE, EARLY_DATE, LATE_DATE),
        (ext.PYDATETIME, naive_early, naive_late),
        (ext.PYDATETIMETZ, aware_early, aware_late),
    ):
        caster = ext.new_type(
            base.values,
            f"CLINIC_{base.name}",
            lambda value, cursor, base=base, early=early, late=late: _clamped(
                value, lambda v: base(v, cursor), early, late
            ),
        )
        ext.register_type(caster)


def validate_constraint_if_clean(app_label: str, model_name: str, name: str):
    """A migration step: VALIDATE a constraint added NOT VALID, unless rows stored before break it.

    A CHECK added NOT VALID holds for every new or changed row at once; VALIDATE makes it hold for
    the old rows too, which only works once none breaks it. Medical records are never edited, so a
    wrong old record stays (superseded by its amendment) and its table keeps the constraint NOT
    VALID; the step says so instead of failing the migration.
    """

    def forwards(apps, schema_editor):
        import sys

        model = apps.get_model(app_label, model_name)
        constraint = next(c for c in model._meta.constraints if c.name == name)
        breaking = model._base_manager.using(schema_editor.connection.alias).exclude(constraint.condition).count()
        table = schema_editor.quote_name(model._meta.db_table)
        if breaking:
            sys.stderr.write(
                f"\n  {model._meta.db_table}: {breaking} row(s) stored earlier break {name}, which stays NOT VALID "
                "(new rows are checked). Correct them (an amendment, for a record).\n"
            )
            return
        schema_editor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {schema_editor.quote_name(name)}")

    return forwards
