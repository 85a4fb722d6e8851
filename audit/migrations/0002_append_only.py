from django.db import migrations

# The audit trail is append-only: the database itself refuses UPDATE and DELETE on it.
SQL = """
CREATE OR REPLACE FUNCTION clinic_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();
"""
REVERSE = "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
