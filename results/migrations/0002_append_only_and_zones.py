from django.db import migrations

TABLES = ["results_trichoscopy", "results_zonemeasurement"]
SQL = "\n".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();"
    for t in TABLES
) + (
    # A photo is withdrawn or (on anonymisation) erased, never deleted: its row is the record that it existed.
    "\nCREATE TRIGGER results_photo_no_delete BEFORE DELETE ON results_photo"
    " FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();"
)
REVERSE = "\n".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES) + (
    "\nDROP TRIGGER IF EXISTS results_photo_no_delete ON results_photo;"
)


def seed_zones(apps, schema_editor):
    Zone = apps.get_model("results", "MeasurementZone")
    Zone.objects.get_or_create(
        code="frontoparietal",
        defaults={"name_ru": "Лобно-теменная зона", "name_en": "Frontoparietal", "position": 1, "default": True},
    )
    Zone.objects.get_or_create(
        code="occipital",
        defaults={"name_ru": "Затылочная зона", "name_en": "Occipital", "position": 2, "default": False},
    )


class Migration(migrations.Migration):
    """Trichoscopies and their figures are medical records: corrected by new versions, never edited."""

    dependencies = [("results", "0001_initial"), ("audit", "0002_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE), migrations.RunPython(seed_zones, migrations.RunPython.noop)]
