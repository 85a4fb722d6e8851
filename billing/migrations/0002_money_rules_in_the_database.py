"""The database's last word on money: payments and refunds are append-only (a correction is a new
entry), and the refunds of a course never add up to more than its payments. The refund service
checks first, under the course's row lock, with a kind message; this trigger catches any other path.
Also registers the periodic sweep that re-sends receipts whose retry is due or whose worker died."""

import json

from django.db import migrations

SQL = """
CREATE TRIGGER billing_payment_append_only
    BEFORE UPDATE OR DELETE ON billing_payment
    FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();
CREATE TRIGGER billing_refund_append_only
    BEFORE UPDATE OR DELETE ON billing_refund
    FOR EACH ROW EXECUTE FUNCTION clinic_refuse_change();

CREATE OR REPLACE FUNCTION billing_refund_within_paid() RETURNS trigger AS $$
DECLARE
    paid numeric;
    refunded numeric;
BEGIN
    SELECT coalesce(sum(amount), 0) INTO paid FROM billing_payment WHERE course_id = NEW.course_id;
    SELECT coalesce(sum(amount), 0) INTO refunded FROM billing_refund WHERE course_id = NEW.course_id;
    IF refunded > paid THEN
        RAISE EXCEPTION 'refunds of course % (%) exceed its payments (%)', NEW.course_id, refunded, paid
            USING ERRCODE = 'check_violation', CONSTRAINT = 'refund_within_paid';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER refund_within_paid
    AFTER INSERT ON billing_refund
    FOR EACH ROW EXECUTE FUNCTION billing_refund_within_paid();
"""
REVERSE = """
DROP TRIGGER IF EXISTS refund_within_paid ON billing_refund;
DROP FUNCTION IF EXISTS billing_refund_within_paid();
DROP TRIGGER IF EXISTS billing_refund_append_only ON billing_refund;
DROP TRIGGER IF EXISTS billing_payment_append_only ON billing_payment;
"""


def create_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Fiscal receipts: retry and re-take",
        defaults={
            "task": "billing.receipts_tick",
            "interval": every_minute,
            "kwargs": json.dumps({}),
            "description": "Sends receipts whose retry is due or whose worker died holding the claim.",
        },
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Fiscal receipts: retry and re-take"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("audit", "0002_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunSQL(SQL, REVERSE), migrations.RunPython(create_sweep, remove_sweep)]
