"""The registrar's time grid in a real browser: drag a session to move it (accepted, and refused with the
block put back), under the app's own CSP (no violation in the console), and axe-clean once drawn."""

import datetime

import pytest
from django.utils import timezone

from scheduling.models import Session

from ..factories import PASSWORD
from .conftest import book_course, next_monday, shown, sign_in
from .test_quality import AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _open_grid(page, base_url, location, day):
    page.goto(f"{base_url}/scheduling/calendar/?location={location.pk}&date={day.isoformat()}")
    page.locator(".ec-event.ec-session").first.wait_for(state="visible")


def _drag(page, block, to_time: str) -> None:
    """Press on the block, move it down the same column to the row of `to_time`, let go."""
    box = block.bounding_box()
    label = page.locator(".ec-sidebar time", has_text=to_time).first  # the hour's label sits on its line
    row = label.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + 12, steps=3)
    page.mouse.move(x, row["y"] + row["height"] / 2 + 4, steps=12)
    page.mouse.up()


def _start_in_grid(page, session_id: int) -> str:
    script = """id => { const start = window.clinicCalendar.getEventById(String(id)).start;
                        const two = n => String(n).padStart(2, "0");
                        return two(start.getHours()) + ":" + two(start.getMinutes()); }"""
    return page.evaluate(script, session_id)


def _first_session(registrar, eligible_patient, cryo, location):
    course = book_course(registrar, eligible_patient, cryo, location, first_day=next_monday())
    return course.sessions.order_by("start").first()


def test_a_session_dragged_to_a_free_time_moves_after_the_proposal_is_confirmed(
    page, live_server, registrar, clinic, eligible_patient, cryo, location
):
    errors = []  # a CSP refusal is a console error; a missing favicon is not this page's
    page.on("console", lambda m: m.type == "error" and "Failed to load" not in m.text and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and errors.append(f"{r.status} {r.url}"))
    session = _first_session(registrar, eligible_patient, cryo, location)
    day = session.start.astimezone(location.tz).date()
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    _open_grid(page, live_server.url, location, day)
    _drag(page, page.locator(f".ec-event[data-session-id='{session.pk}']"), "14:00")
    dialog = page.get_by_role("dialog", name="Move the session")
    assert shown(dialog)
    assert shown(dialog.get_by_text("Re-plan the following sessions after it"))  # nine sessions follow
    assert Session.objects.get(pk=session.pk).start == session.start  # nothing written before the confirm
    with page.expect_navigation():
        dialog.get_by_role("button", name="Confirm the move").click()
    assert shown(page.get_by_text("Moved 1 session."))
    moved = Session.objects.get(pk=session.pk).start.astimezone(location.tz)
    assert moved.date() == day and moved.time() == datetime.time(14, 0)
    assert errors == []  # no CSP refusal, no script error


def test_a_session_dragged_out_of_hours_is_refused_and_goes_back(
    page, live_server, registrar, clinic, eligible_patient, cryo, location
):
    session = _first_session(registrar, eligible_patient, cryo, location)
    day = session.start.astimezone(location.tz).date()
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    _open_grid(page, live_server.url, location, day)
    block = page.locator(f".ec-event[data-session-id='{session.pk}']")
    before = block.bounding_box()
    page.evaluate("() => window.scrollTo(0, 0)")
    before = block.bounding_box()
    _drag(page, block, "19:00")  # open until 20:00, but every clinician works until 18:00
    dialog = page.get_by_role("dialog", name="Move the session")
    problems = dialog.get_by_role("alert")
    assert shown(problems) and "This move cannot be made as it is" in problems.inner_text()
    assert dialog.get_by_role("button", name="Confirm the move").is_disabled()
    dialog.get_by_role("button", name="Cancel, changing nothing").click()
    assert not dialog.is_visible()
    page.evaluate("() => window.scrollTo(0, 0)")
    after = page.locator(f".ec-event[data-session-id='{session.pk}']").bounding_box()
    assert abs(after["y"] - before["y"]) < 2  # the block is back at 10:00
    assert _start_in_grid(page, session.pk) == "10:00"
    assert Session.objects.get(pk=session.pk).start == session.start


def test_the_drawn_grid_has_no_serious_accessibility_problems_and_is_keyboard_reachable(
    page, live_server, registrar, clinic, eligible_patient, cryo, location
):
    session = _first_session(registrar, eligible_patient, cryo, location)
    day = session.start.astimezone(location.tz).date()
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    _open_grid(page, live_server.url, location, day)
    link = page.locator(f".ec-event[data-session-id='{session.pk}'] a")
    assert "Maria Petrovna Ivanova" in link.get_attribute("aria-label") and "session 1 of 10" in link.get_attribute(
        "aria-label"
    )
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # a session's block opens its course, where the move form is
    assert f"/scheduling/courses/{session.course_id}/" in page.url
    page.go_back()
    page.locator(".ec-event.ec-session").first.wait_for(state="visible")
    if AXE.exists():  # `npm ci --prefix tests/browser/node` (make test-browser does); axe runs under the CSP's
        page.context.add_init_script(path=str(AXE))  # eyes here: injected before the page's own scripts
        page.reload()
        page.locator(".ec-event.ec-session").first.wait_for(state="visible")
        found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3], v["nodes"][0]["failureSummary"][:300])
            for v in found
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []


@pytest.mark.parametrize(("zone", "drawn"), [("Europe/Moscow", True), ("UTC", False), ("America/New_York", False)])
def test_the_now_line_is_drawn_only_where_the_browser_keeps_the_locations_time(
    browser, live_server, registrar, clinic, location, zone, drawn
):
    """Event Calendar draws "now" by the browser's clock: a browser in UTC drew it 3 hours early on a Moscow grid."""
    context = browser.new_context(timezone_id=zone, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, live_server.url, registrar.username, PASSWORD)
        today = timezone.now().astimezone(location.tz).date()
        page.goto(f"{live_server.url}/scheduling/calendar/?location={location.pk}&date={today.isoformat()}")
        page.locator("#calendar-grid .ec").first.wait_for(state="attached")
        assert page.evaluate("window.clinicCalendar.getOption('nowIndicator')") is drawn
    finally:
        context.close()


def test_a_click_on_a_free_time_starts_the_booking_wizard_there(
    page, live_server, registrar, clinic, eligible_patient, cryo, location
):
    session = _first_session(registrar, eligible_patient, cryo, location)
    day = session.start.astimezone(location.tz).date()
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    _open_grid(page, live_server.url, location, day)
    label = page.locator(".ec-sidebar time", has_text="15:00").first
    label.scroll_into_view_if_needed()
    row = label.bounding_box()
    column = page.locator(f".ec-event[data-session-id='{session.pk}']").bounding_box()  # the same clinician
    with page.expect_navigation():
        page.mouse.click(column["x"] + column["width"] / 2, row["y"] + row["height"] / 2 + 4)
    assert "/scheduling/calendar/book/" in page.url and "time=15%3A00" in page.url
    page.get_by_label("Find the patient (name or phone)").fill("Ivanova")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Book a course for Maria Petrovna Ivanova").click()
    assert page.get_by_label("First session on or after").input_value() == day.isoformat()
    assert page.get_by_label("Preferred time").input_value() == "15:00"
    assert page.get_by_label("Preferred clinician").input_value() == str(session.clinician_id)


def test_a_session_is_moved_from_the_keyboard_through_move_here_and_the_free_times(
    page, live_server, registrar, clinic, eligible_patient, cryo, location
):
    session = _first_session(registrar, eligible_patient, cryo, location)
    day = session.start.astimezone(location.tz).date()
    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/courses/{session.course_id}/")
    row = page.locator("tr", has=page.locator(f"#move-day-{session.pk}"))
    row.get_by_text("Move", exact=True).first.click()
    with page.expect_navigation():
        row.get_by_role("link", name="or choose a free time on the calendar").click()
    assert shown(page.get_by_text("Moving the session of Maria Petrovna Ivanova"))
    column = page.locator("details", has=page.get_by_text(session.clinician.get_full_name(), exact=True)).first
    column.locator("summary").focus()
    page.keyboard.press("Enter")  # open the column's free times
    gap = column.get_by_role("button", name="10:20–18:00")
    gap.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Move the session")
    assert shown(dialog.get_by_text("10:20"))
    dialog.get_by_role("button", name="Confirm the move").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert shown(page.get_by_text("Moved 1 session."))
    assert "move=" not in page.url
    moved = Session.objects.get(pk=session.pk).start.astimezone(location.tz)
    assert moved.date() == day and moved.time() == datetime.time(10, 20)
