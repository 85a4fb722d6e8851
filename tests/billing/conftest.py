import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from scheduling.models import Course, Session, SessionStatus


def make_course(registrar, patient, procedure, *, clinician, count=12, price="1000.00", discount="10", **fields):
    """A course of `count` sessions a day apart, as booked (the booking engine is tested elsewhere)."""
    price, discount = Decimal(price), Decimal(discount)
    course = Course.objects.create(
        patient=patient,
        procedure=procedure,
        location=patient.home_location,
        session_count=count,
        price_per_session=price,
        discount_percent=discount,
        total_price=(price * count * (100 - discount) / 100).quantize(Decimal("0.01")),
        created_by=registrar,
        **fields,
    )
    # An hour apart per course: two courses' sessions never share a clinician's time.
    first = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1, hours=course.pk % 1000)
    for n in range(count):
        start = first + datetime.timedelta(days=n * 2)
        Session.objects.create(
            course=course,
            patient=patient,
            location=course.location,
            clinician=clinician,
            start=start,
            end=start + datetime.timedelta(minutes=30),
        )
    return course


def deliver(course, count, status=SessionStatus.COMPLETED):
    """Mark the first `count` scheduled sessions as delivered (or no-shows)."""
    ids = list(course.sessions.filter(status=SessionStatus.SCHEDULED).order_by("start").values_list("id", flat=True))
    Session.objects.filter(id__in=ids[:count]).update(status=status, outcome_at=timezone.now())


@pytest.fixture
def course(registrar, patient, cryo, clinician):
    """12 sessions × 1 000 ₽, 10% off: 10 800 ₽."""
    return make_course(registrar, patient, cryo, clinician=clinician)
