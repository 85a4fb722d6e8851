"""Shared facts for the results tests: a course, its first and last checks with figures and photos.

Rows are made directly (the services that make them are tested in test_checks.py / test_photos.py),
so that the comparison, the portal and the gallery tests read known numbers.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from results.models import Check, CheckKind, MeasurementZone, Method, Photo, PhotoZone, Trichoscopy, ZoneMeasurement
from tests.billing.conftest import deliver, make_course


def jpeg_bytes(size=(64, 48), color=(180, 120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def make_check(course, *, kind, days_ago, clinician, after_session=None):
    return Check.objects.create(
        patient=course.patient,
        course=course,
        location=course.location,
        kind=kind,
        after_session=after_session,
        taken_at=timezone.now() - datetime.timedelta(days=days_ago),
        created_by=clinician,
    )


def make_trichoscopy(check, *, clinician, density, terminal, diameter="60.0", anagen=None, telogen=None, zone=None):
    """Version 1 of a check's trichoscopy with one zone's figures."""
    record = Trichoscopy.objects.create(
        result_check=check,
        patient=check.patient,
        signed_by=clinician,
        signed_at=check.taken_at,
        method=Method.TRICHOSCOPY,
        device="Aramo SG",
    )
    ZoneMeasurement.objects.create(
        trichoscopy=record,
        zone=zone or MeasurementZone.objects.get(code="frontoparietal"),
        density=density,
        terminal_share=Decimal(terminal),
        vellus_share=100 - Decimal(terminal),
        mean_diameter=Decimal(diameter),
        anagen_share=None if anagen is None else Decimal(anagen),
        telogen_share=None if telogen is None else Decimal(telogen),
    )
    return record


def make_photo(check, *, clinician, zone=PhotoZone.VERTEX, publishable=False):
    photo = Photo(result_check=check, patient=check.patient, zone=zone, uploaded_by=clinician, publishable=publishable)
    data = jpeg_bytes()
    photo.image.save("photo.jpg", ContentFile(data), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(data), save=False)
    photo.sha256 = "0" * 64
    photo.width, photo.height = 64, 48
    photo.save()
    return photo


@pytest.fixture
def results_course(registrar, patient, cryo, clinician):
    """A 12-session course, all delivered, with a baseline (150/cm², 55 % terminal) and a final (180, 66 %)."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    deliver(course, 12)
    first = make_check(course, kind=CheckKind.BASELINE, days_ago=30, clinician=clinician)
    make_trichoscopy(first, clinician=clinician, density=150, terminal="55.0", diameter="52.0")
    make_photo(first, clinician=clinician)
    last = make_check(course, kind=CheckKind.FINAL, days_ago=1, clinician=clinician)
    make_trichoscopy(last, clinician=clinician, density=180, terminal="66.0", diameter="58.5")
    make_photo(last, clinician=clinician)
    return course
