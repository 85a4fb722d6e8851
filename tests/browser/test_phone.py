"""The patient's portal and the clinician's "My day" on a 390-px phone (and a laptop), in a real browser.

Set SCREENSHOT_DIR to keep the screenshots (portal-*.png, my-day-*.png); they land in
.ci-artifacts/screenshots otherwise.
"""

import datetime
import json
import os
import subprocess
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone

from scheduling.models import Session, SessionStatus
from scheduling.services import session_cancel

from ..factories import PASSWORD
from .conftest import LAPTOP, PHONE, SCREENSHOTS, book_course, sign_in_ru
from .test_quality import AXE, VNU, _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or SCREENSHOTS)
# Before the portal home was made compact, a fresh 12-session course measured 3,788 px at 390 px wide
# (Debian's Chromium, Russian) and the half-done one 2,974 px; after, 1,562 and 1,320. Half of before:
PHONE_HEIGHT_LIMIT = 1_900


def _context(browser, viewport):
    # bypass_csp: axe is injected as a script, which the app's CSP (rightly) refuses.
    context = browser.new_context(locale="ru-RU", viewport=viewport, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context


def _assert_clean(page, tmp_path, name: str) -> None:
    """axe finds nothing serious on the page as it is now, and the Nu Html Checker nothing in it as served."""
    assert AXE.exists() and VNU.exists(), "run `npm ci --prefix tests/browser/node` (make test-browser does)"
    assert _axe(page) == [], name
    served = tmp_path / f"{name}.html"
    served.write_text(page.request.get(page.url).text(), encoding="utf-8")
    checker = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", str(served)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert json.loads(checker.stderr or '{"messages": []}')["messages"] == [], name


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _half_done(registrar, course):
    """The first five sessions already past (three done, a no-show, one done), the eighth cancelled."""
    sessions = list(course.sessions.order_by("start"))
    offset = sessions[4].start - timezone.now() + datetime.timedelta(hours=1)
    Session.objects.filter(course=course).update(start=F("start") - offset, end=F("end") - offset)
    outcomes = [SessionStatus.COMPLETED] * 3 + [SessionStatus.NO_SHOW, SessionStatus.COMPLETED]
    for session, outcome in zip(sessions, outcomes, strict=False):
        Session.objects.filter(pk=session.pk).update(status=outcome, outcome_at=timezone.now())
    session_cancel(actor=registrar, session=Session.objects.get(pk=sessions[7].pk), reason="Врач заболел")


def _height(page) -> int:
    return page.evaluate("document.body.scrollHeight")


def test_the_portal_on_a_phone_puts_the_next_session_and_progress_first_and_stays_short(
    browser, live_server, registrar, clinic, eligible_patient, cryo, location, tmp_path
):
    course = book_course(registrar, eligible_patient, cryo, location, count=12)
    context = _context(browser, PHONE)
    page = context.new_page()
    sign_in_ru(page, live_server.url, eligible_patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/")
    fresh = _height(page)
    _shot(page, "portal-390-new-course")
    _half_done(registrar, course)
    page.goto(f"{live_server.url}/portal/")
    height = _height(page)
    print(f"portal home at 390 px: 12 sessions ahead {fresh} px; half done {height} px")
    _shot(page, "portal-390")

    sections = page.locator("main section")
    assert sections.nth(0).get_attribute("id") == "next-session"
    assert sections.nth(1).get_attribute("id") == "progress"
    assert page.locator("#progress .progress-label").first.inner_text() == "4 из 12"
    # The address is said once, on the next session; the rest are one line each.
    assert page.get_by_text(location.address, exact=False).count() == 1
    assert page.locator(".session-card").count() == 6  # the next and five more; the cancelled one is not
    history = page.locator("#history")
    assert not history.locator("li").first.is_visible()  # folded
    history.locator("summary").click()
    cancelled = history.locator(".session-cancelled")
    assert cancelled.count() == 1 and "Врач заболел" in cancelled.inner_text()
    assert history.locator(".session-no-show").count() == 1
    _shot(page, "portal-390-history-open")
    _assert_clean(page, tmp_path, "portal")
    assert fresh < PHONE_HEIGHT_LIMIT and height < PHONE_HEIGHT_LIMIT, (fresh, height)
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()

    context = _context(browser, {"width": LAPTOP["width"], "height": 900})
    page = context.new_page()
    sign_in_ru(page, live_server.url, eligible_patient.user.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/")
    _shot(page, "portal-1366")
    context.close()


def test_a_clinician_records_an_outcome_on_a_phone_with_a_confirmation(
    browser, live_server, registrar, clinic, eligible_patient, cryo, location, tmp_path
):
    course = book_course(registrar, eligible_patient, cryo, location, count=10)
    first = course.sessions.order_by("start").first()
    offset = first.start - timezone.now() + datetime.timedelta(minutes=10)
    Session.objects.filter(course=course).update(start=F("start") - offset, end=F("end") - offset)
    first.refresh_from_db()
    clinician = first.clinician

    context = _context(browser, PHONE)
    page = context.new_page()
    sign_in_ru(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/worklist/")
    item = page.locator(f"#session-{first.pk}")
    done = item.locator("summary", has_text="Проведён")
    box = done.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]  # a thumb-sized target on screen
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    done.click()  # the first tap only opens the confirmation
    assert Session.objects.get(pk=first.pk).status == SessionStatus.SCHEDULED
    confirm = item.get_by_role("button", name="Подтвердить: сеанс проведён")
    assert confirm.is_visible()
    _shot(page, "my-day-390")
    _assert_clean(page, tmp_path, "my-day")
    confirm.click()
    page.wait_for_load_state()
    assert Session.objects.get(pk=first.pk).status == SessionStatus.COMPLETED
    assert page.locator(f"#session-{first.pk} .badge").inner_text().strip() != ""
    context.close()

    context = _context(browser, {"width": LAPTOP["width"], "height": 900})
    page = context.new_page()
    sign_in_ru(page, live_server.url, clinician.username, PASSWORD)
    page.goto(f"{live_server.url}/scheduling/worklist/")
    _shot(page, "my-day-1366")
    context.close()


def test_an_administrator_edits_a_branch_week_as_one_grid_on_a_phone(
    browser, live_server, administrator, location, tmp_path
):
    from django.conf import settings

    from scheduling.models import OpeningHours

    from ..conftest import login
    from ..factories import OpeningHoursFactory

    for weekday in range(5):
        OpeningHoursFactory(location=location, weekday=weekday)
    signed_in = login(administrator)  # the second factor passed by the test client; the browser gets its session
    context = _context(browser, PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/scheduling/openinghours/week/{location.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Суббота: открытие").fill("16:00")
    page.get_by_label("Суббота: закрытие").fill("10:00")
    page.get_by_role("button", name="Сохранить неделю").click()
    assert "Суббота: закрытие должно быть позже открытия (открытие 16:00, закрытие 10:00)." in page.inner_text("main")
    assert not OpeningHours.objects.filter(location=location, weekday=5).exists()
    _shot(page, "admin-week-390")
    _assert_clean(page, tmp_path, "admin-week")
    page.get_by_label("Суббота: открытие").fill("10:00")
    page.get_by_label("Суббота: закрытие").fill("16:00")
    page.get_by_role("button", name="Сохранить неделю").click()
    page.wait_for_url(lambda url: url.endswith(f"/week/{location.pk}/"))
    saturday = OpeningHours.objects.get(location=location, weekday=5)
    assert (saturday.opens, saturday.closes) == (datetime.time(10), datetime.time(16))
    page.set_viewport_size({"width": LAPTOP["width"], "height": 900})
    _shot(page, "admin-week-1366")
    context.close()
