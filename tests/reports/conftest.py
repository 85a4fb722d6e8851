"""A small clinic week with known numbers: Monday 2 and Tuesday 3 November 2026 at the main branch (Moscow).

Opening hours Mon and Tue 09:00-20:00 (660 min a day; closed the rest of the week), one room.
Doctor A works Mon 09:00-18:00 (540) and Tue 10:00-21:00 (only 10:00-20:00 is open: 600): 1140 min.
Doctor B works Mon and Tue 09:00-13:00, on leave on Tuesday: 240 min. The room: 2 x 660 = 1320 min.

Sessions (Moscow time):
  A  Mon 10:00-10:30 completed (room)        A  Tue 11:00-11:30 no-show
  A  Tue 12:00-12:30 cancelled 2 h before (late: the notice is 24 h)
  B  Mon 09:00-09:30 cancelled 2 days before  B  Mon 11:00-11:45 scheduled (room)
  outside the range: A Mon 9 Nov 10:00 (the next week); B Mon 9 Nov 01:00 Moscow (= Sun 8 Nov 22:00 UTC)
  and an October session of the returning patient.
Booked (scheduled or done; a no-show frees its time): A 30 of 1140 (2.6 %), B 45 of 240 (18.8 %),
the room 75 of 1320 (5.7 %).
"""

import datetime
from decimal import Decimal

import pytest

from scheduling.models import Course, CourseStatus, Leave, ResourceBooking, Session, SessionStatus

from ..factories import OpeningHoursFactory, PatientFactory, ResourceFactory, StaffHoursFactory, UserFactory

FIRST, LAST = datetime.date(2026, 11, 2), datetime.date(2026, 11, 8)
RANGE = {"date_from": "2026-11-02", "date_to": "2026-11-08"}


def at(day: int, hour: int, minute: int, tz, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=tz)


class Clinic:
    def __init__(self, location, cryo, registrar):
        self.location, self.cryo, self.registrar, self.tz = location, cryo, registrar, location.tz
        self.doc_a = UserFactory(username="doc_a", first_name="Anna", last_name="Alpha", role="clinician")
        self.doc_b = UserFactory(username="doc_b", first_name="Boris", last_name="Beta", role="clinician")
        for doc in (self.doc_a, self.doc_b):
            doc.locations.add(location)

    def course(self, patient, *, status=CourseStatus.ACTIVE, count=10, total="9000.00", created=None):
        course = Course.objects.create(
            patient=patient,
            procedure=self.cryo,
            location=self.location,
            status=status,
            session_count=count,
            price_per_session=Decimal("1000.00"),
            discount_percent=Decimal("10.00"),
            total_price=Decimal(total),
            created_by=self.registrar,
        )
        if created is not None:
            Course.objects.filter(pk=course.pk).update(created_at=created)
        return course

    def session(self, course, doctor, start, minutes=30, status=SessionStatus.COMPLETED, room=None, cancelled=None):
        session = Session.objects.create(
            course=course,
            patient=course.patient,
            location=self.location,
            clinician=doctor,
            start=start,
            end=start + datetime.timedelta(minutes=minutes),
            status=status,
        )
        if room is not None:
            ResourceBooking.objects.create(
                session=session, resource=room, start=session.start, end=session.end, active=status != "cancelled"
            )
        if cancelled is not None:
            Session.objects.filter(pk=session.pk).update(updated_at=cancelled)
        return session


@pytest.fixture
def week(location, cryo, registrar):
    """The week of the module's docstring; returns the Clinic with its people, courses and room."""
    c = Clinic(location, cryo, registrar)
    tz = c.tz
    for weekday in (0, 1):
        OpeningHoursFactory(location=location, weekday=weekday)  # 09:00-20:00
    StaffHoursFactory(clinician=c.doc_a, location=location, weekday=0, starts=datetime.time(9), ends=datetime.time(18))
    StaffHoursFactory(clinician=c.doc_a, location=location, weekday=1, starts=datetime.time(10), ends=datetime.time(21))
    for weekday in (0, 1):
        StaffHoursFactory(
            clinician=c.doc_b, location=location, weekday=weekday, starts=datetime.time(9), ends=datetime.time(13)
        )
    Leave.objects.create(clinician=c.doc_b, starts_on=datetime.date(2026, 11, 3), ends_on=datetime.date(2026, 11, 3))
    c.room = ResourceFactory(location=location, name="Room 1")
    c.p1, c.p2 = PatientFactory(home_location=location), PatientFactory(home_location=location)
    c.c1 = c.course(c.p1, created=at(1, 12, 0, tz))
    c.c2 = c.course(c.p2, created=at(1, 12, 0, tz))
    c.session(c.c1, c.doc_a, at(2, 10, 0, tz), room=c.room)
    c.session(c.c1, c.doc_a, at(3, 11, 0, tz), status=SessionStatus.NO_SHOW)
    start = at(3, 12, 0, tz)
    c.session(c.c1, c.doc_a, start, status="cancelled", cancelled=start - datetime.timedelta(hours=2))
    start = at(2, 9, 0, tz)
    c.session(c.c2, c.doc_b, start, status="cancelled", cancelled=start - datetime.timedelta(days=2))
    c.session(c.c2, c.doc_b, at(2, 11, 0, tz), minutes=45, status=SessionStatus.SCHEDULED, room=c.room)
    c.session(c.c1, c.doc_a, at(9, 10, 0, tz), status=SessionStatus.SCHEDULED)
    c.session(c.c2, c.doc_b, at(9, 1, 0, tz), status=SessionStatus.SCHEDULED)
    return c


def rows_by(table: list[dict], key: str) -> dict:
    return {row[key]: row for row in table}
