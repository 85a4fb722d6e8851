"""What people do, in a real browser: a refused booking, a patient's portal, a website request, a closure."""

import datetime
import re

import pytest
from django.core import mail
from icalendar import Calendar

from procedures.services import ice_test_record, screening_sign
from scheduling.models import BookingRequest, Closure, Course, Session, SessionStatus

from ..factories import PASSWORD, PatientFactory, days_ago
from ..scheduling.conftest import next_weekday
from .conftest import (
    LAPTOP,
    PHONE,
    SCREENSHOTS,
    book_course,
    next_monday,
    procedure_field,
    propose_course,
    shown,
    sign_in,
    sign_in_ru,
    sign_out,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_booking_for_a_failed_ice_test_is_refused_with_the_reason(
    page, live_server, registrar, clinic, patient, clinician, cryo, all_absent, location
):
    screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2, examined_at=days_ago(2)
    )
    ice_test_record(
        actor=clinician, patient=patient, area="nape", exposure_seconds=10, redness=True, performed_at=days_ago(2)
    )
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/patients/{patient.pk}/book/")
    propose_course(page, count=10, first_day=next_monday(), time="10:00", location=location)
    alert = page.get_by_role("alert").first
    assert re.search(r"Ice test failed on", alert.inner_text())
    assert shown(page.get_by_text("This plan cannot be booked; see the reasons above."))
    assert page.get_by_role("button", name="Confirm and book all sessions").count() == 0
    assert Course.objects.filter(patient=patient).count() == 0


def test_a_patient_signs_in_with_a_link_sees_progress_downloads_the_ics_and_cancels(
    page, live_server, registrar, clinic, eligible_patient, cryo, location, tmp_path
):
    eligible_patient.email = "maria@example.org"
    eligible_patient.preferred_language = "en"
    eligible_patient.save()
    course = book_course(registrar, eligible_patient, cryo, location)

    page.goto(f"{live_server.url}/portal/sign-in/")
    page.get_by_label("Phone or email").fill("maria@example.org")
    page.get_by_role("button", name="Send me a link").click()
    assert shown(page.get_by_text("a sign-in link is on its way"))
    link = re.search(r"http://\S+(/portal/link/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    assert "/portal/link/" in page.url and link not in page.url  # the token left the address bar
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/portal/")

    assert shown(page.get_by_text("0 of 10"))
    assert page.locator(".session-card").count() == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Add this course to my calendar (.ics)").click()
    path = tmp_path / "course.ics"
    download.value.save_as(path)
    events = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert len(events) == 10

    page.locator(".session-card").nth(1).get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    assert shown(page.get_by_text("Your session is cancelled."))
    assert page.locator(".session-card").count() == 9
    second = course.sessions.order_by("start")[1]
    assert Session.objects.get(pk=second.pk).status == SessionStatus.CANCELLED


def test_a_website_request_becomes_a_patient_and_a_booking(
    page, live_server, registrar, clinic, clinician, cryo, all_absent, location
):
    from procedures.models import Procedure

    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=60, ice_test_valid_days=60)
    registrar.locations.add(location)  # the registrar works at this clinic: new patients default to it
    page.goto(f"{live_server.url}/request/")
    page.get_by_label("Name").fill("Ольга Новикова")
    page.get_by_label("Phone").fill("+7 916 555-44-33")
    page.get_by_label("Procedure").select_option(str(cryo.pk))
    page.get_by_label("Preferred time").fill("weekday mornings")
    page.get_by_label(re.compile("I consent to the processing of my personal data")).check()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Send")).click()
    assert BookingRequest.objects.filter(name="Ольга Новикова").exists()

    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/requests/")
    assert shown(page.get_by_text("weekday mornings"))
    page.get_by_role("link", name="Register").first.click()
    assert page.get_by_label("Full name").input_value() == "Ольга Новикова"
    page.get_by_label("Date of birth").fill("1985-04-12")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name=re.compile("Register|Save")).click()
    page.wait_for_url(re.compile(r"/scheduling/requests/\d+/$"))  # back on the request, the patient linked
    request_url = page.url
    patient_id = BookingRequest.objects.get(name="Ольга Новикова").patient_id
    assert patient_id is not None

    # The trichologist's screening and ice test (their forms have journeys of their own).
    from patients.models import Patient

    patient = Patient.objects.get(pk=patient_id)
    screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2, examined_at=days_ago(2)
    )
    ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, performed_at=days_ago(2))

    page.get_by_role("link", name="Book a course").click()
    assert procedure_field(page).input_value() == "cryomassage-contact"  # carried from the request
    propose_course(page, count=10, first_day=next_monday(), time="10:00", location=location)
    assert shown(page.get_by_text("Course price"))
    page.get_by_role("button", name="Confirm and book all sessions").click()
    page.wait_for_url(re.compile(r"/scheduling/courses/\d+/$"))
    assert Course.objects.get(patient=patient).sessions.count() == 10

    page.goto(request_url)
    assert page.get_by_role("radio", name=re.compile("Ольга Новикова")).is_checked()  # the link says her name too
    with page.expect_navigation():
        page.get_by_role("button", name="Done").click()
    closed = BookingRequest.objects.get(name="Ольга Новикова")
    assert closed.patient_id == patient.pk and closed.status == "handled"


def test_register_screen_ice_test_book_twelve_and_move_one_with_the_rest(
    page, live_server, registrar, clinician, clinic, cryo, location
):
    """Journey 1: the whole path from a new patient to a booked course, through the pages only."""
    from procedures.models import Procedure

    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=60, ice_test_valid_days=60)  # the clinic's rule
    registrar.locations.add(location)
    base = live_server.url

    sign_in(page, base, registrar.username, PASSWORD)
    page.goto(f"{base}/patients/new/")
    page.get_by_label("Full name").fill("Ирина Соколова")
    page.get_by_label("Date of birth").fill("1979-09-30")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone").fill("+7 903 111-22-33")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/patients/\d+/$"))
    patient_url = page.url
    sign_out(page)

    sign_in(page, base, clinician.username, PASSWORD)
    page.goto(patient_url)
    page.get_by_role("link", name="New screening").click()
    page.get_by_label(re.compile("Scalp cryomassage, contact")).check()
    page.get_by_role("button", name="Continue").click()
    for radio in page.locator("input[type=radio][value=absent]").all():
        radio.check()
    page.get_by_label("Fitzpatrick skin type").select_option("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign", exact=True).click()
    page.goto(patient_url)
    page.get_by_role("link", name="New ice test").click()
    page.get_by_label("Area").fill("nape")
    page.get_by_label("Exposure, seconds").fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign", exact=True).click()
    page.goto(patient_url)
    assert shown(page.get_by_text("cleared", exact=True)) and shown(page.get_by_text("passed", exact=True))
    # "today" she is not eligible yet: an ice test must be a day old; the course starts days later
    sign_out(page)

    sign_in(page, base, registrar.username, PASSWORD)
    page.goto(patient_url)
    page.get_by_role("link", name="Book a course").click()
    monday = next_monday()
    propose_course(page, count=12, first_day=monday, time="11:00")
    assert "10,260.00 ₽" in page.get_by_text("Course price").inner_text()  # 12 x 950 less 10%
    dates = [datetime.date.fromisoformat(page.locator(f"#id_s-{n}-day").input_value()) for n in range(12)]
    gaps = {(b - a).days for a, b in zip(dates, dates[1:], strict=False)}
    assert dates[0] == monday and gaps <= {2, 3}  # alternate days; a Sunday closure makes one gap 3
    page.get_by_role("button", name="Confirm and book all sessions").click()
    page.wait_for_url(re.compile(r"/scheduling/courses/\d+/$"))
    course = Course.objects.get(patient__full_name="Ирина Соколова")
    sessions = list(course.sessions.order_by("start"))
    assert len(sessions) == 12

    fifth = sessions[4]
    row = page.locator("tr", has=page.locator(f"#move-day-{fifth.pk}"))
    row.get_by_text("Move", exact=True).first.click()  # open the <details>
    new_day = timezone_local_date(fifth) + datetime.timedelta(days=1)
    page.locator(f"#move-day-{fifth.pk}").fill(new_day.isoformat())
    assert page.locator(f"#shift-{fifth.pk}").is_checked()
    with page.expect_navigation():
        row.get_by_role("button", name="Move").click()
    assert shown(page.get_by_role("heading", name="Re-plan the course"))  # the proposal first
    assert [s.start for s in course.sessions.order_by("start")] == [s.start for s in sessions]
    with page.expect_navigation(url=re.compile(r"/scheduling/courses/\d+/$")):
        page.get_by_role("button", name="Confirm the new dates").click()
    moved = list(course.sessions.order_by("start"))
    assert [s.start for s in moved[:4]] == [s.start for s in sessions[:4]]
    assert timezone_local_date(moved[4]) == new_day
    assert all((b.start - a.start).days >= 2 for a, b in zip(moved, moved[1:], strict=False))
    assert moved[-1].start > sessions[-1].start  # the following sessions moved along


def timezone_local_date(session) -> datetime.date:
    return session.start.astimezone(session.location.tz).date()


def test_a_closure_on_two_days_replans_three_courses_across_sundays_and_the_registrar_confirms(
    ru_page, live_server, registrar, clinician, clinic, cryo, all_absent, location
):
    """Issue 13: a closure on a Wednesday and a Thursday hits three courses; the registrar reads the
    proposal (in Russian, on a phone and a laptop), confirms it and finds every course re-planned."""
    page, tz = ru_page, location.tz
    monday = next_weekday(0, tz)
    wednesday, thursday = monday + datetime.timedelta(days=2), monday + datetime.timedelta(days=3)
    courses = [
        book_course(registrar, _cleared_patient(name, location, clinician, cryo, all_absent), cryo, location, **when)
        for name, when in (
            ("Анна Морозова", {"first_day": monday, "hour": 10}),  # Mon, Wed (closed), Fri, Mon, ...
            ("Вера Лебедева", {"first_day": monday + datetime.timedelta(days=1), "hour": 10}),  # Tue, Thu (closed)
            ("Зоя Крылова", {"first_day": monday, "hour": 12}),
        )
    ]
    closed = {wednesday, thursday}
    assert all(_local_days(c, tz)[1] in closed and _crosses_a_sunday(_local_days(c, tz)) for c in courses)
    closure = Closure.objects.create(location=location, starts_on=wednesday, ends_on=thursday, reason="Ремонт")
    before = _schedule(courses)

    sign_in_ru(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/closures/")
    page.get_by_role("link", name=re.compile(_ru_date(wednesday, "j E Y"))).click()
    page.wait_for_url(f"{live_server.url}/scheduling/closures/{closure.pk}/")
    assert shown(page.get_by_role("heading", name=re.compile("Ремонт")))
    assert shown(page.get_by_role("heading", name="Предлагаемый новый план"))
    assert shown(page.get_by_text("Пока вы не подтвердите, ничего не меняется."))
    tables = page.locator("table")
    assert tables.count() == 3
    for n in range(3):
        now, proposed = _column(tables.nth(n), 1), _column(tables.nth(n), 2)
        assert len(now) == 9 and now[0] in closed  # from the session on the closed day to the course's end
        assert not {d for d in proposed if d in closed or d.weekday() == 6}, proposed
        notes = tables.nth(n).locator("tbody tr").evaluate_all("rows => rows.map(r => r.cells[4].innerText)")
        assert notes[0] == "клиника закрыта: Ремонт"  # the reason, on the session the closure hits
        assert set(notes[1:]) == {"переносится, чтобы сохранить интервал курса"}
    _screenshot(page, "closure-replan-laptop")
    page.set_viewport_size(PHONE)  # the registrar checks it on her phone
    _screenshot(page, "closure-replan-phone")
    _screenshot(page, "closure-replan-phone-top", full_page=False)  # what the phone shows first
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page is wider than a phone"
    too_wide = "ts => ts.filter(t => t.scrollWidth > t.parentElement.clientWidth).length"
    assert tables.evaluate_all(too_wide) == 0, "a re-plan table is wider than the phone: it must be scrolled sideways"
    assert page.get_by_role("button", name="Подтвердить новый план").is_visible()
    assert _schedule(courses) == before  # reading the proposal changed nothing
    page.set_viewport_size(LAPTOP)

    with page.expect_navigation():
        page.get_by_role("button", name="Подтвердить новый план").click()
    assert shown(page.get_by_text("Новый план сохранён."))
    assert page.get_by_text("перенесён", exact=True).count() == 3
    courses = [courses[0], courses[2], courses[1]]  # in the order the closure hits them
    links = page.locator("main section h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert links == [f"/scheduling/courses/{c.pk}/" for c in courses]
    for course, link in zip(courses, links, strict=True):  # the registrar opens each course from here
        page.goto(live_server.url + link)
        days = _column(page.locator("table").first, 1, year=True)
        assert len(days) == 10 and days[0] == before[course.pk][0][0]
        assert not {d for d in days if d in closed or d.weekday() == 6}, days
        assert all(2 <= (b - a).days <= 4 for a, b in zip(days, days[1:], strict=False)), days
        assert days == _local_days(course, tz)  # the page shows what is stored
    page.set_viewport_size(PHONE)  # the last course on her phone: status and actions in view, not off the edge
    assert page.locator("table").evaluate_all(too_wide) == 0, (
        "the session table is wider than the phone: it must be scrolled sideways"
    )
    assert page.get_by_role("button", name="Отменить весь курс").is_visible()
    _screenshot(page, "course-phone")


def _cleared_patient(name, location, clinician, cryo, all_absent):
    """A patient with a signed screening and a passed ice test two days old: eligible for cryomassage."""
    from procedures.models import Procedure

    Procedure.objects.filter(pk=cryo.pk).update(screening_valid_days=60, ice_test_valid_days=60)
    cryo.refresh_from_db()
    patient = PatientFactory(home_location=location, full_name=name)
    screening_sign(
        actor=clinician, patient=patient, procedures=[cryo], answers=all_absent, fitzpatrick=2, examined_at=days_ago(2)
    )
    ice_test_record(actor=clinician, patient=patient, area="nape", exposure_seconds=10, performed_at=days_ago(2))
    return patient


def _local_days(course, tz) -> list[datetime.date]:
    return [s.start.astimezone(tz).date() for s in course.sessions.filter(status="scheduled").order_by("start")]


def _crosses_a_sunday(days) -> bool:
    return any(b.weekday() < a.weekday() for a, b in zip(days, days[1:], strict=False))


def _schedule(courses) -> dict:
    """Each course's sessions as stored: day, start and clinician."""
    tz = courses[0].location.tz
    return {
        c.pk: [(s.start.astimezone(tz).date(), s.start, s.clinician_id) for s in c.sessions.order_by("start")]
        for c in courses
    }


def _ru_date(day: datetime.date, fmt: str) -> str:
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("ru"):
        return date_format(day, fmt)


def _column(table, index: int, *, year: bool = False) -> list[datetime.date]:
    """The dates a table shows in one column, read back from their Russian text ("ср, 9 дек., 10:00",
    core.dates.short_date)."""
    from django.utils import translation

    from core.dates import short_date

    today = datetime.date.today()
    with translation.override("ru"):
        known = {short_date(d, year=year): d for d in (today + datetime.timedelta(days=n) for n in range(-7, 120))}
    cells = table.locator("tbody tr").evaluate_all(f"rows => rows.map(r => r.cells[{index}].innerText)")
    return [known[cell.strip().splitlines()[0].rsplit(", ", 1)[0].strip()] for cell in cells]


def _screenshot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
