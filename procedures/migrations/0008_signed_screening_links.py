import django.db.models.deletion
from django.db import migrations, models

# A signed screening is its row, its answers and its links to procedures and indications. The links
# were automatic many-to-many tables, which Django empties on its own when a procedure is deleted
# (that is how a deleted procedure vanished from signed screenings). They become explicit models
# with PROTECT on both sides, keeping their tables, and the database refuses to change them:
#   - UPDATE and DELETE of a link, as for the screening and its answers (0002);
#   - INSERT of an answer or a link after the screening's own transaction: a screening signed in
#     this transaction is noted in a transaction-local setting, and only its parts may be added.
LINKS = ["procedures_screening_procedures", "procedures_screening_indications"]
PARTS = ["procedures_screeninganswer", *LINKS]

APPEND_ONLY = "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();\n"
    for t in LINKS
)
SEALED = "".join(
    f"CREATE TRIGGER {t}_sealed BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION clinic_refuse_late_screening_part();\n"
    for t in PARTS
)
SQL = (
    """
CREATE FUNCTION clinic_note_signed_screening() RETURNS trigger AS $$
BEGIN
    PERFORM set_config(
        'clinic.screenings_signed_now',
        coalesce(nullif(current_setting('clinic.screenings_signed_now', true), ''), ',') || NEW.id || ',',
        true
    );
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION clinic_refuse_late_screening_part() RETURNS trigger AS $$
BEGIN
    IF position(',' || NEW.screening_id || ','
                IN coalesce(current_setting('clinic.screenings_signed_now', true), '')) = 0 THEN
        RAISE EXCEPTION 'screening % is signed: rows of % cannot be added to it', NEW.screening_id, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER procedures_screening_note_signed AFTER INSERT ON procedures_screening
    FOR EACH ROW EXECUTE FUNCTION clinic_note_signed_screening();
"""
    + APPEND_ONLY
    + SEALED
)
REVERSE = (
    "".join(f"DROP TRIGGER IF EXISTS {t}_sealed ON {t};\n" for t in PARTS)
    + "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in LINKS)
    + """
DROP TRIGGER IF EXISTS procedures_screening_note_signed ON procedures_screening;
DROP FUNCTION IF EXISTS clinic_refuse_late_screening_part();
DROP FUNCTION IF EXISTS clinic_note_signed_screening();
"""
)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0007_records_plausible_moments"), ("audit", "0002_append_only")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables, columns, indexes and unique constraints already exist as Django made them.
            state_operations=[
                migrations.CreateModel(
                    name="ScreeningProcedure",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("procedure", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="procedures.procedure")),
                        ("screening", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="procedures.screening")),
                    ],
                    options={
                        "verbose_name": "procedure of a signed screening",
                        "verbose_name_plural": "procedures of signed screenings",
                        "db_table": "procedures_screening_procedures",
                        "unique_together": {("screening", "procedure")},
                    },
                ),
                migrations.CreateModel(
                    name="ScreeningIndication",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("indication", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="procedures.indication")),
                        ("screening", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="procedures.screening")),
                    ],
                    options={
                        "verbose_name": "indication of a signed screening",
                        "verbose_name_plural": "indications of signed screenings",
                        "db_table": "procedures_screening_indications",
                        "unique_together": {("screening", "indication")},
                    },
                ),
                migrations.AlterField(
                    model_name="screening",
                    name="procedures",
                    field=models.ManyToManyField(related_name="screenings", through="procedures.ScreeningProcedure", to="procedures.procedure", verbose_name="procedures"),
                ),
                migrations.AlterField(
                    model_name="screening",
                    name="indications",
                    field=models.ManyToManyField(blank=True, related_name="+", through="procedures.ScreeningIndication", to="procedures.indication", verbose_name="indications found"),
                ),
            ],
        ),
        migrations.AlterModelOptions(
            name="screeninganswer",
            options={"ordering": ["contraindication__slug"], "verbose_name": "answer of a signed screening", "verbose_name_plural": "answers of signed screenings"},
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
