"""Accessibility (axe-core, injected into Chromium) and valid HTML (the Nu Html Checker) on the
main pages, and booking a course with the keyboard alone."""

import datetime
import json
import subprocess
from pathlib import Path

import pytest

from ..factories import PASSWORD
from .conftest import book_course, next_monday, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NODE = Path(__file__).resolve().parent / "node" / "node_modules"
AXE = NODE / "axe-core" / "axe.min.js"
VNU = NODE / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def checked_page(browser):
    if not AXE.exists() or not VNU.exists():
        pytest.fail("run `npm ci --prefix tests/browser/node` (make test-browser does)")
    # axe is injected as a script; the app's CSP (rightly) refuses scripts it did not serve.
    context = browser.new_context(locale="en-GB", bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _pages(course, patient, booking_request, closure):
    return {
        "anonymous": ["/accounts/login/", "/request/", "/portal/sign-in/"],
        "registrar": [
            "/patients/",
            f"/patients/{patient.pk}/",
            f"/scheduling/patients/{patient.pk}/book/",
            f"/scheduling/courses/{course.pk}/",
            "/scheduling/calendar/",
            "/scheduling/requests/",
            f"/scheduling/requests/{booking_request.pk}/",
            f"/scheduling/requests/{booking_request.pk}/register/",
            "/scheduling/free-slots/",
            "/patients/new/",
            "/scheduling/closures/",
            f"/scheduling/closures/{closure.pk}/",  # the sessions it hits and the proposed re-plan
        ],
        "clinician": [
            "/scheduling/worklist/",
            f"/procedures/patients/{patient.pk}/screenings/new/",
            "/accounts/2fa/setup/",
        ],
        "patient": ["/portal/", "/portal/calendar/", f"/portal/sessions/{course.sessions.first().pk}/move/"],
    }


def _closure_on_the_second_session(course):
    from scheduling.models import Closure

    day = course.sessions.order_by("start")[1].start.astimezone(course.location.tz).date()
    return Closure.objects.create(location=course.location, starts_on=day, ends_on=day, reason="Repairs")


def _open_move_proposal(page, base_url: str, course) -> str:
    """Move the fifth session a day later with "re-plan the following" ticked: the proposal page, as served."""
    fifth = course.sessions.order_by("start")[4]
    page.goto(f"{base_url}/scheduling/courses/{course.pk}/")
    row = page.locator("tr", has=page.locator(f"#move-day-{fifth.pk}"))
    row.get_by_text("Move", exact=True).first.click()
    day = fifth.start.astimezone(course.location.tz).date() + datetime.timedelta(days=1)
    page.locator(f"#move-day-{fifth.pk}").fill(day.isoformat())
    assert page.locator(f"#shift-{fifth.pk}").is_checked()
    with page.expect_navigation() as navigation:
        row.get_by_role("button", name="Move").click()
    assert page.get_by_role("button", name="Confirm the new dates").count() == 1
    return navigation.value.text()


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_problems_and_valid_html(
    checked_page, live_server, registrar, clinician, patient_user, clinic, eligible_patient, cryo, location, tmp_path
):
    # The checkers must be able to fail: each first sees a page that is wrong on purpose.
    checked_page.set_content('<html lang="en"><body><img src="x.png"><input></body></html>')
    assert {v["id"] for v in _axe(checked_page)} >= {"image-alt", "label"}
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><html lang=en><title>x</title><div><p>bad</span></div>", encoding="utf-8")

    course = book_course(registrar, eligible_patient, cryo, location)
    from scheduling.models import BookingRequest

    booking_request = BookingRequest.objects.create(name="Anna", phone=str(eligible_patient.phone), procedure=cryo)
    closure = _closure_on_the_second_session(course)
    users = {"registrar": registrar, "clinician": clinician, "patient": patient_user}
    page, problems, saved = checked_page, {}, []

    def check(name: str, html: str) -> None:
        found = _axe(page)
        if found:
            problems[name] = found
        target = tmp_path / f"page-{len(saved)}.html"
        target.write_text(html, encoding="utf-8")
        saved.append((target, name))

    for who, paths in _pages(course, eligible_patient, booking_request, closure).items():
        if who != "anonymous":
            sign_in(page, live_server.url, users[who].username, PASSWORD)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{who} {path}: {response.status}"
            if path == f"/scheduling/closures/{closure.pk}/":  # checked with a proposal on it
                assert page.get_by_role("button", name="Confirm the re-plan").count() == 1
            html = page.request.get(live_server.url + path).text()  # as served, before any script ran
            check(f"{who} {path}", html)
        if who == "registrar":
            check("registrar: the move proposal", _open_move_proposal(page, live_server.url, course))
        if who != "anonymous":
            sign_out(page)
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)

    checker = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", str(broken), *[str(p) for p, _ in saved]],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(checker.stderr or '{"messages": []}')["messages"]
    assert any(m.get("url", "").endswith("broken.html") for m in messages), "the HTML checker found nothing wrong"
    messages = [m for m in messages if not m.get("url", "").endswith("broken.html")]
    names = {str(p): name for p, name in saved}
    errors = [f"{names.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m['message']}" for m in messages]
    assert errors == [], "\n".join(errors)


def _tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would.

    The limit allows the open navigation bar (10 stops from 1200 px) and a 12-session plan, where each
    row's date is four stops (day, month, year, picker) and its time three."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_course_can_be_booked_with_the_keyboard_alone(
    page, live_server, registrar, clinic, eligible_patient, location
):
    from scheduling.models import Course

    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/patients/{eligible_patient.pk}/book/")
    _tab_to(page, "#id_procedure")
    page.keyboard.type("Scalp c")  # type-ahead picks "Scalp cryomassage, contact"
    assert page.locator("#id_procedure").input_value() == "cryomassage-contact"
    _tab_to(page, "#id_count")
    page.keyboard.type("10")
    monday = next_monday()
    _tab_to(page, "#id_first_day")
    page.keyboard.type(monday.strftime("%m%d%Y"))  # Chromium's date field here: month, day, year
    _tab_to(page, "#id_preferred_time")
    page.keyboard.type("1000A")  # hours, minutes, AM
    _tab_to(page, "button[value=preview]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "button[value=confirm]")
    with page.expect_navigation(url=lambda url: "/scheduling/courses/" in url):
        page.keyboard.press("Enter")
    course = Course.objects.get(patient=eligible_patient)
    assert course.sessions.count() == 10
    first = course.sessions.order_by("start").first()
    assert first.start.astimezone(location.tz).date() == monday and first.start.astimezone(location.tz).hour == 10
