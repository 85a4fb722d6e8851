from django.db import migrations

TABLES = ["procedures_screening", "procedures_screeninganswer", "procedures_icetest"]
SQL = "\n".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();"
    for t in TABLES
)
REVERSE = "\n".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};" for t in TABLES)


class Migration(migrations.Migration):
    """Screenings and ice tests are medical records: corrected by new versions, never edited."""

    dependencies = [("procedures", "0001_initial"), ("audit", "0002_append_only")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
