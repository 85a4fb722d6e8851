"""Every table of a signed screening is append-only, and the catalogue entries it names stay."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from procedures.models import Contraindication, Indication, Procedure, Screening, ScreeningAnswer, ScreeningProcedure
from procedures.services import screening_amend, screening_sign


def sign(clinician, patient, procedures, answers, **kwargs):
    return screening_sign(
        actor=clinician, patient=patient, procedures=procedures, answers=answers, fitzpatrick=3, **kwargs
    )


@pytest.fixture
def plasma(db):
    return Procedure.objects.get(slug="plasmolifting")


@pytest.fixture
def seborrhoea(cryo):
    return Indication.objects.filter(procedures=cryo).order_by("slug").first()


@pytest.fixture
def signed(clinician, patient, cryo, all_absent, seborrhoea):
    return sign(clinician, patient, [cryo], all_absent, indication_ids=[seborrhoea.pk])


def refused(match="append-only"):
    """The database's refusal, inside a savepoint so the test's transaction goes on."""
    return pytest.raises(DatabaseError, match=match)


@pytest.mark.django_db
def test_the_orm_cannot_take_a_procedure_or_an_indication_off_a_signed_screening(signed, cryo, seborrhoea):
    with refused(), transaction.atomic():
        signed.procedures.remove(cryo)
    with refused(), transaction.atomic():
        signed.indications.clear()
    with refused(), transaction.atomic():
        ScreeningProcedure.objects.filter(screening=signed).update(procedure=cryo)
    signed.refresh_from_db()
    assert list(signed.procedures.all()) == [cryo]
    assert list(signed.indications.all()) == [seborrhoea]


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["procedures_screening_procedures", "procedures_screening_indications"])
def test_raw_sql_cannot_delete_or_update_the_links_of_a_signed_screening(signed, table):
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE screening_id = %s", [signed.pk])
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET screening_id = screening_id WHERE screening_id = %s", [signed.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE screening_id = %s", [signed.pk])
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_a_procedure_or_indication_named_by_a_signed_screening_cannot_be_deleted(signed, cryo, seborrhoea):
    with pytest.raises(ProtectedError):
        cryo.delete()
    with pytest.raises(ProtectedError):
        seborrhoea.delete()
    with pytest.raises(ProtectedError):  # answered in the screening (this was PROTECT already)
        Contraindication.objects.filter(procedures=cryo).first().delete()
    assert list(Screening.objects.get(pk=signed.pk).procedures.all()) == [cryo]


@pytest.mark.django_db
def test_an_unused_procedure_can_still_be_deleted(plasma):
    plasma.delete()
    assert not Procedure.objects.filter(slug="plasmolifting").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_can_be_added_to_a_screening_after_it_was_signed(clinician, patient, cryo, all_absent, plasma):
    """Signing commits; a later transaction may not add a procedure, an indication or an answer."""
    screening = sign(clinician, patient, [cryo], all_absent)  # its own transaction, committed
    other = Indication.objects.exclude(pk__in=screening.indications.values("pk")).first()
    answer = screening.answers.first()
    with refused("is signed"), transaction.atomic():
        screening.procedures.add(plasma)
    with refused("is signed"), transaction.atomic():
        screening.indications.add(other)
    with refused("is signed"), transaction.atomic():
        ScreeningAnswer.objects.create(
            screening=screening, contraindication=answer.contraindication, severity="absolute", present=True
        )
    with refused("is signed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procedures_screening_procedures (screening_id, procedure_id) VALUES (%s, %s)",
            [screening.pk, plasma.pk],
        )
    assert list(Screening.objects.get(pk=screening.pk).procedures.all()) == [cryo]
    # A correction is the way: a new version, with its own parts, in its own transaction.
    amended = screening_amend(
        actor=clinician,
        previous=screening,
        reason="plasmolifting discussed as well",
        procedures=[cryo, plasma],
        answers={c.id: (False, "") for c in Contraindication.objects.filter(procedures__in=[cryo, plasma])},
        fitzpatrick=3,
    )
    assert set(amended.procedures.values_list("slug", flat=True)) == {cryo.slug, plasma.slug}
    assert list(Screening.objects.get(pk=screening.pk).procedures.all()) == [cryo]
