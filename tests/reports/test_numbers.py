"""Each report against the known week of conftest.py: the numbers a person would count by hand."""

import datetime
from decimal import Decimal

import pytest

from reports.filters import ReportFilter
from reports.selectors import report_build
from scheduling.models import BookingRequest, Closure, CourseStatus

from ..factories import PatientFactory
from .conftest import FIRST, LAST, at, rows_by

pytestmark = pytest.mark.django_db


def build(name, week, **kwargs):
    f = ReportFilter(first=FIRST, last=LAST, locations=(week.location,), **kwargs)
    return {t.key: t.rows for t in report_build(name, f).tables}


def test_utilisation_is_booked_over_available_minutes_per_clinician_and_room(week):
    totals = rows_by(build("utilisation", week)["totals"], "name")
    assert (totals["Anna Alpha"]["booked_minutes"], totals["Anna Alpha"]["available_minutes"]) == (30, 1140)
    assert totals["Anna Alpha"]["utilisation"] == 2.6  # her no-show on Tuesday held no time
    assert (totals["Boris Beta"]["booked_minutes"], totals["Boris Beta"]["available_minutes"]) == (45, 240)
    assert totals["Boris Beta"]["utilisation"] == 18.8
    assert (totals["Room 1"]["booked_minutes"], totals["Room 1"]["available_minutes"]) == (75, 1320)
    assert totals["Room 1"]["utilisation"] == 5.7


def test_utilisation_by_day_clips_working_hours_to_the_opening_hours(week):
    rows = build("utilisation", week, period="day")["periods"]
    anna = {r["period"]: (r["booked_minutes"], r["available_minutes"]) for r in rows if r["name"] == "Anna Alpha"}
    assert anna == {datetime.date(2026, 11, 2): (30, 540), datetime.date(2026, 11, 3): (0, 600)}
    boris = {r["period"]: r["available_minutes"] for r in rows if r["name"] == "Boris Beta"}
    assert boris == {datetime.date(2026, 11, 2): 240}  # on leave on Tuesday


def test_utilisation_by_week_starts_on_monday(week):
    rows = build("utilisation", week, period="week")["periods"]
    assert {r["period"] for r in rows} == {datetime.date(2026, 11, 2)}


def test_a_closure_takes_its_days_out_of_the_available_time(week):
    tuesday = datetime.date(2026, 11, 3)
    Closure.objects.create(location=week.location, starts_on=tuesday, ends_on=LAST, reason="Repairs")
    totals = rows_by(build("utilisation", week)["totals"], "name")
    assert totals["Anna Alpha"]["available_minutes"] == 540
    assert totals["Room 1"]["available_minutes"] == 660


def test_the_clinician_filter_keeps_her_rows_and_her_bookings_of_rooms(week):
    totals = rows_by(build("utilisation", week, clinician_id=week.doc_a.pk)["totals"], "name")
    assert set(totals) == {"Anna Alpha", "Room 1"}
    assert totals["Room 1"]["booked_minutes"] == 30


def test_no_shows_and_late_cancellations_per_clinician(week):
    rows = rows_by(build("attendance", week)["clinicians"], "name")
    anna, boris, everyone = rows["Anna Alpha"], rows["Boris Beta"], rows["All clinicians"]
    assert (anna["booked"], anna["completed"], anna["no_show"], anna["cancelled"]) == (3, 1, 1, 1)
    assert anna["late_cancelled"] == 1  # cancelled 2 hours before: under the 24-hour notice
    assert (anna["no_show_rate"], anna["late_cancellation_rate"]) == (50.0, 33.3)
    assert (boris["booked"], boris["cancelled"], boris["late_cancelled"], boris["scheduled"]) == (2, 1, 0, 1)
    assert boris["no_show_rate"] is None  # no outcome recorded yet: nothing to divide by
    assert (everyone["booked"], everyone["late_cancelled"], everyone["late_cancellation_rate"]) == (5, 1, 20.0)


def test_the_notice_period_decides_what_is_late(week, settings):
    settings.CANCEL_NOTICE_HOURS = 72
    rows = rows_by(build("attendance", week)["clinicians"], "name")
    assert rows["Boris Beta"]["late_cancelled"] == 1  # 2 days before is late under a 3-day notice


def test_course_completion_counts_courses_that_started_in_the_range(week):
    tz, c = week.tz, week
    p3, p4, p5, p6 = (PatientFactory(home_location=c.location) for _ in range(4))
    abandoned = c.course(p3, status=CourseStatus.CANCELLED)
    c.session(abandoned, c.doc_a, at(2, 14, 0, tz))
    c.session(abandoned, c.doc_a, at(3, 14, 0, tz))
    c.session(abandoned, c.doc_a, at(5, 14, 0, tz), status="cancelled")
    never = c.course(p4, status=CourseStatus.CANCELLED)
    c.session(never, c.doc_a, at(2, 15, 0, tz), status="cancelled")
    earlier = c.course(p5, status=CourseStatus.COMPLETED)  # began in October: not this range's
    c.session(earlier, c.doc_a, at(20, 10, 0, tz, month=10))
    c.session(earlier, c.doc_a, at(2, 16, 0, tz))
    done = c.course(p6, status=CourseStatus.COMPLETED, count=1, total="900.00")
    c.session(done, c.doc_a, at(3, 15, 0, tz))
    tables = build("completion", week)
    (row,) = tables["courses"]
    assert (row["started"], row["active"], row["completed"], row["abandoned"]) == (5, 2, 1, 1)
    assert (row["cancelled_unstarted"], row["completion_rate"]) == (1, 20.0)
    assert tables["stopped"] == [{"sessions_done": 2, "courses": 1, "share": 100.0}]


def test_new_and_returning_patients(week):
    tz, c = week.tz, week
    back = PatientFactory(home_location=c.location)
    old = c.course(back, status=CourseStatus.COMPLETED)
    c.session(old, c.doc_a, at(20, 10, 0, tz, month=10))
    new_course = c.course(back)
    c.session(new_course, c.doc_a, at(3, 16, 0, tz))
    (row,) = build("patients", week)["locations"]
    assert (row["new"], row["returning"], row["new_share"]) == (2, 1, 66.7)


def test_revenue_is_the_booked_value_until_payments_land(week):
    tz, c = week.tz, week
    c.course(PatientFactory(home_location=c.location), total="9500.00", created=at(4, 12, 0, tz))
    (row,) = build("revenue", week)["procedures"]
    assert row["courses"] == 1  # the week's other courses were booked on 1 November
    assert row["booked_value"] == Decimal("9500.00")
    assert row["delivered_value"] == Decimal("900.00")  # one session done: 9000 / 10
    assert row["scheduled_value"] == Decimal("900.00")


def _request(when, **kwargs):
    r = BookingRequest.objects.create(name="Someone", phone="+79990001122", **kwargs)
    BookingRequest.objects.filter(pk=r.pk).update(created_at=when)
    return r


def test_website_requests_and_the_courses_they_became(week):
    tz, c = week.tz, week
    newcomer = PatientFactory(home_location=c.location)
    _request(at(2, 9, 0, tz), procedure=c.cryo, status="handled", patient=newcomer)
    c.course(newcomer, created=at(5, 10, 0, tz))
    _request(at(2, 9, 0, tz), procedure=c.cryo, status="handled", patient=c.p2)  # p2's course came before
    _request(at(3, 9, 0, tz), procedure=c.cryo, status="dismissed")
    _request(at(4, 9, 0, tz))  # open, no procedure named
    _request(at(4, 9, 0, tz), session=c.c1.sessions.first(), patient=c.p1)  # a move request: not counted
    _request(at(30, 9, 0, tz, month=10), procedure=c.cryo)  # before the range
    rows = rows_by(build("requests", week)["procedures"], "procedure")
    cryo = rows[c.cryo.name_en]
    assert (cryo["requests"], cryo["handled"], cryo["dismissed"], cryo["became_courses"]) == (3, 2, 1, 1)
    assert cryo["conversion"] == 33.3
    assert (rows["not named"]["requests"], rows["not named"]["open"]) == (1, 1)


def test_a_session_is_counted_on_its_location_s_day(week):
    """01:00 on Monday 9 November in Moscow is Sunday 22:00 UTC: not in a range ending on the 8th."""
    rows = rows_by(build("attendance", week)["clinicians"], "name")
    assert rows["Boris Beta"]["booked"] == 2
    f = ReportFilter(first=FIRST, last=LAST + datetime.timedelta(days=1), locations=(week.location,))
    rows = rows_by({t.key: t.rows for t in report_build("attendance", f).tables}["clinicians"], "name")
    assert (rows["Boris Beta"]["booked"], rows["Anna Alpha"]["booked"]) == (3, 4)


def test_sessions_of_another_location_are_not_counted(week):
    from ..factories import LocationFactory

    other = LocationFactory(name="Other branch")
    f = ReportFilter(first=FIRST, last=LAST, locations=(other,))
    assert all(not t.rows for t in report_build("attendance", f).tables)
    assert all(not t.rows for t in report_build("utilisation", f).tables)


def test_the_procedure_filter_counts_only_its_courses(week):
    from procedures.models import Procedure

    prp = Procedure.objects.get(slug="plasmolifting")
    assert build("attendance", week, procedure_id=prp.pk)["clinicians"] == []
    totals = rows_by(build("utilisation", week, procedure_id=prp.pk)["totals"], "name")
    assert totals["Room 1"]["booked_minutes"] == 0 and totals["Anna Alpha"]["available_minutes"] == 1140
    assert (
        rows_by(build("attendance", week, procedure_id=week.cryo.pk)["clinicians"], "name")["Anna Alpha"]["booked"] == 3
    )
