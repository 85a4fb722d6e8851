"""What the portal shows, read in a fixed number of queries whatever the number of sessions."""

from __future__ import annotations

import dataclasses
import datetime
import functools

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Location
from billing.selectors import course_balances, paid_years_of, with_money
from core import dates
from patients.models import Patient
from scheduling.models import (
    BookingRequestStatus,
    Course,
    CourseStatus,
    Session,
    SessionStatus,
)
from scheduling.progress import CourseProgress, progress_by_course, session_numbers
from scheduling.services import can_change_online
from scheduling.services.reports import report_window_end

PAST_SHOWN = 20

# Two EXISTS columns as constant SQL: the same ORM Exists(...) cost more Python to build and compile
# on every visit of the portal home than PostgreSQL takes to run them.
_MOVE_REQUESTED_SQL = (
    "EXISTS (SELECT 1 FROM scheduling_bookingrequest WHERE session_id = scheduling_session.id AND status = %s)"
)
_ON_WAITLIST_SQL = "EXISTS (SELECT 1 FROM scheduling_waitlistentry WHERE patient_id = patients_patient.id)"


@dataclasses.dataclass
class Overview:
    upcoming: list
    past: list  # held (or missed) sessions, latest first
    courses: list[CourseProgress]
    aftercare: list  # procedures the patient has had, with their aftercare text
    numbers: dict[int, tuple[int, int]]
    history: list = dataclasses.field(default_factory=list)  # past and cancelled sessions, latest first
    reportable: list = dataclasses.field(default_factory=list)  # completed sessions a problem may be reported on
    balances: dict = dataclasses.field(default_factory=dict)  # course id -> billing's Balance, for `courses`
    paid_years: list = dataclasses.field(default_factory=list)  # years paid in, newest first (tax certificates)

    @property
    def last_reportable(self):
        """The latest completed session still open to a report: its button is on the home page itself."""
        return self.reportable[0] if self.reportable else None

    @property
    def next(self):
        """The session the phone shows first, in full."""
        return self.upcoming[0] if self.upcoming else None

    @functools.cached_property
    def one_procedure(self) -> bool:
        """All the sessions shown are of one procedure, so the lines need not name it."""
        return len({s.course.procedure_id for s in (*self.upcoming, *self.history)}) <= 1

    @property
    def later(self) -> list:
        """The upcoming sessions after the next one, shown one line each."""
        return self.upcoming[1:]


def patient_sessions(
    patient, *, since: datetime.datetime | None = None, course_id: int | None = None, courses: dict | None = None
) -> list:
    """A patient's sessions in time order, with course, procedure, location and clinician attached.

    Two queries (three when a session is at another clinic) instead of one five-table join: a
    patient's sessions share one or two courses, procedures and locations, so each is loaded and
    built once, not per row (the join cost about twice as much, most of it building the same
    objects again and again). Each session says whether a move request of it is open. `courses`:
    the patient's courses by id, already read (the home reads them with their money), so that only
    a course missing from them is read.
    """

    queryset = (
        Session.objects.filter(patient=patient)
        .select_related("clinician")
        .annotate(move_requested=RawSQL(_MOVE_REQUESTED_SQL, (BookingRequestStatus.NEW,), BooleanField()))  # noqa: S611 - constant
    )
    if since is not None:
        queryset = queryset.filter(end__gte=since)
    if course_id is not None:
        queryset = queryset.filter(course_id=course_id)
    sessions = list(queryset.order_by("start", "pk"))
    if not sessions:
        return sessions
    courses = dict(courses or {})
    missing = {s.course_id for s in sessions} - courses.keys()
    if missing:
        courses.update(Course.objects.select_related("procedure").in_bulk(missing))
    home = patient.home_location if "home_location" in patient._state.fields_cache else None
    location_ids = {s.location_id for s in sessions}
    if home is not None and location_ids == {home.pk}:
        locations = {home.pk: home}  # the usual case: every session at the patient's own clinic
    else:
        locations = Location.objects.in_bulk(location_ids)
    for session in sessions:
        session.course = courses[session.course_id]
        session.location = locations[session.location_id]
    return sessions


def home_patient(user):
    """The login's patient with its home location (services.own_patient) and `on_waitlist`: whether
    any waiting-list entry of hers exists, so that the home reads the entries only then. One query."""
    return (
        Patient.objects.select_related("home_location")
        .annotate(on_waitlist=RawSQL(_ON_WAITLIST_SQL, (), BooleanField()))  # noqa: S611 - constant SQL
        .filter(user=user)
        .first()
    )


def _by_pk(name: str):
    """A cheap reverse() for URLs whose only argument is an integer pk (dozens on one page add up)."""
    pattern = reverse(name, args=[987654321])
    return lambda pk: pattern.replace("987654321", str(pk))


def _write_lines(later: list, history: list) -> None:
    """The words of each one-line session, written here in one pass rather than by filters and
    blocktranslate tags per line (those were about a third of the page's rendering): `when`, and for
    a later session `of` ("3 of 12") and `hidden` / `cancel_hidden` (what its links say to a screen
    reader), for a past one `report_hidden`. In the active time zone and language, as the template's filters would."""
    for session in later:
        start = timezone.localtime(session.start)
        session.when = dates.short_date(start, time=True)
        session.of = (
            _("%(done)s of %(total)s") % {"done": session.number[0], "total": session.number[1]}
            if session.number
            else ""
        )
        if session.can_change:
            day = {"when": dates.long_date(start)}
            session.hidden = _("the session of %(when)s") % day
            # After "Cancel", which in Russian already says «сеанс» («Отменить сеанс»): the day alone there.
            session.cancel_hidden = pgettext("after the Cancel link of a session", "the session of %(when)s") % day
        else:
            session.hidden = session.cancel_hidden = ""
    for session in history:
        start = timezone.localtime(session.start)
        session.when = dates.short_date(start, year=True, time=True)
        if getattr(session, "report_url", None):
            session.report_hidden = _("after the session of %(when)s") % {"when": dates.long_date(start)}


def overview(patient, now: datetime.datetime | None = None) -> Overview:
    """Everything on the portal home in two queries: the patient's courses with their money, then the sessions."""
    now = now or timezone.now()
    courses = with_money(
        Course.objects.filter(patient=patient).select_related("procedure"), tz=patient.home_location.tz
    )
    courses = {course.pk: course for course in courses}
    sessions = patient_sessions(patient, courses=courses)
    numbers = session_numbers(sessions)
    upcoming, past, history, aftercare = [], [], [], {}
    confirm_url, cancel_url, move_url, report_url = (
        _by_pk("portal:session-confirm"),
        _by_pk("portal:session-cancel"),
        _by_pk("portal:session-move"),
        _by_pk("portal:session-report"),
    )
    reportable = []
    for session in sessions:
        if session.status == SessionStatus.SCHEDULED and session.end >= now:
            session.number = numbers.get(session.pk)
            session.can_change = can_change_online(session, now)
            session.urls = {
                "confirm": confirm_url(session.pk),
                "cancel": cancel_url(session.pk),
                "move": move_url(session.pk),
            }
            upcoming.append(session)
        elif session.status == SessionStatus.CANCELLED:
            history.append(session)  # whenever it was due: the patient sees it went, and why
        elif session.start < now:
            session.number = numbers.get(session.pk)
            past.append(session)
            history.append(session)
        if session.status == SessionStatus.COMPLETED:
            if now <= report_window_end(session):
                session.report_url = report_url(session.pk)
                reportable.append(session)
            procedure = session.course.procedure
            aftercare[procedure.pk] = procedure
    upcoming_ids = {s.pk for s in upcoming}
    shown = [
        progress
        for progress in progress_by_course(sessions)
        if progress.course.status == CourseStatus.ACTIVE or any(s.pk in upcoming_ids for s in progress.sessions)
    ]
    past.reverse()
    history.sort(key=lambda s: (s.start, s.pk), reverse=True)
    reportable.reverse()
    _write_lines(upcoming[1:], history[:PAST_SHOWN])
    return Overview(
        upcoming,
        past[:PAST_SHOWN],
        shown,
        list(aftercare.values()),
        numbers,
        history=history[:PAST_SHOWN],
        reportable=reportable,
        balances=course_balances((p.course, p.sessions) for p in shown),
        paid_years=paid_years_of(courses.values()),
    )
