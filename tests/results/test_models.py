"""The database's last word on results: figures outside their ranges and edits of signed records are refused."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, ProgrammingError, transaction

from results.models import Check, Photo, ZoneMeasurement


@pytest.mark.django_db
def test_fixture_course_has_first_and_last_checks(results_course):
    kinds = list(Check.objects.filter(course=results_course).values_list("kind", flat=True))
    assert kinds == ["baseline", "final"]
    assert Photo.objects.filter(result_check__course=results_course).count() == 2


@pytest.mark.django_db
def test_a_signed_measurement_cannot_be_edited(results_course):
    measurement = ZoneMeasurement.objects.filter(trichoscopy__result_check__course=results_course).first()
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        ZoneMeasurement.objects.filter(pk=measurement.pk).update(density=999)


@pytest.mark.django_db
def test_shares_that_do_not_add_up_are_refused(results_course):
    measurement = ZoneMeasurement.objects.filter(trichoscopy__result_check__course=results_course).first()
    check = measurement.trichoscopy.result_check
    record = check.trichoscopies.first()
    bad = ZoneMeasurement(
        trichoscopy=record,
        zone=measurement.zone,
        density=100,
        terminal_share=Decimal("70"),
        vellus_share=Decimal("70"),
    )
    bad.zone_id = measurement.zone_id
    with (
        pytest.raises(IntegrityError, match="measurement_terminal_vellus_sum|measurement_zone_once"),
        transaction.atomic(),
    ):
        bad.save()


@pytest.mark.django_db
def test_a_photo_row_cannot_be_deleted(results_course):
    photo = Photo.objects.filter(result_check__course=results_course).first()
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        Photo.objects.filter(pk=photo.pk).delete()
