"""The migrations adding the date CHECKs never fail on rows stored before them."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from ..helpers import ODD_MOMENT_SQL

BEFORE = [("procedures", "0006_procedure_allow_concurrent_courses_and_more"), ("patients", "0001_initial")]
AFTER = [("procedures", "0007_records_plausible_moments"), ("patients", "0002_patient_date_of_birth_plausible")]
ICE_TEST = (
    "INSERT INTO procedures_icetest (chain, version, amendment_reason, patient_id, signed_by_id, signed_at,"
    " performed_at, area, exposure_seconds, discomfort, redness, itching, other_reaction, passed)"
    " VALUES (gen_random_uuid(), 1, '', %s, %s, now(), {}, 'nape', 10, false, false, false, '', true)"
)


def migrate(targets):
    with connection.cursor() as cursor:  # ALTER TABLE waits for no deferred check, as in a migration's own transaction
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def validated() -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, convalidated FROM pg_constraint WHERE conname LIKE '%%_plausible'")
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_an_odd_old_row_leaves_its_constraint_not_valid_and_new_rows_are_still_checked(clinician, patient):
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute(ICE_TEST.format(ODD_MOMENT_SQL), [patient.pk, clinician.pk])
        cursor.execute("UPDATE patients_patient SET date_of_birth = '1850-01-01' WHERE id = %s", [patient.pk])
    migrate(AFTER)
    assert validated() == {
        "icetest_performed_at_plausible": False,
        "screening_examined_at_plausible": True,
        "patient_date_of_birth_plausible": False,
    }
    with pytest.raises(IntegrityError, match="icetest_performed_at_plausible"), transaction.atomic():
        connection.cursor().execute(ICE_TEST.format(ODD_MOMENT_SQL), [patient.pk, clinician.pk])
    with connection.cursor() as cursor:
        cursor.execute(ICE_TEST.format("now() - interval '1 day'"), [patient.pk, clinician.pk])


@pytest.mark.django_db
def test_a_clean_database_gets_every_constraint_validated():
    assert validated() == dict.fromkeys(
        [
            "icetest_performed_at_plausible",
            "screening_examined_at_plausible",
            "patient_date_of_birth_plausible",
            "check_taken_at_plausible",  # results.Check, made valid from its first migration
        ],
        True,
    )
