"""The audit trail names its patient by a plain id: the column stays, the foreign key goes.

State: the `patient` foreign key becomes the integer field `patient_id` on the same column, with its
index kept under its old name. Database: only the foreign-key constraint is dropped; every row stays.
"""

from django.db import migrations, models

FK = "audit_auditevent_patient_id_82c45eaf_fk_patients_patient_id"


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_more_actions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE audit_auditevent DROP CONSTRAINT IF EXISTS {FK}",
                    reverse_sql=(
                        f"ALTER TABLE audit_auditevent ADD CONSTRAINT {FK} FOREIGN KEY (patient_id) "
                        "REFERENCES patients_patient (id) DEFERRABLE INITIALLY DEFERRED"
                    ),
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="auditevent", name="audit_audit_patient_141f76_idx"),
                migrations.RemoveField(model_name="auditevent", name="patient"),
                migrations.AddField(
                    model_name="auditevent",
                    name="patient_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="patient"),
                ),
                migrations.AddIndex(
                    model_name="auditevent",
                    index=models.Index(fields=["patient_id", "-at"], name="audit_audit_patient_141f76_idx"),
                ),
            ],
        )
    ]
