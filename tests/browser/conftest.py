"""Real-browser journeys: Playwright driving Debian's Chromium against the app on a live server.

Run with `make test-browser` (`.ci/run` installs Chromium and runs them); `make test` leaves them out.
On failure a screenshot lands in .ci-artifacts/screenshots/.
"""

import os
import re
from pathlib import Path

import pytest

from ..scheduling.conftest import book_course, clinic, eligible_patient  # noqa: F401  (fixtures)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".ci-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the test makes
# around it are plain synchronous code, which Django must be told to allow.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(browser, request):
    yield from _page(browser, request, "en-GB", {"width": 1280, "height": 900})


@pytest.fixture
def ru_page(browser, request):
    """A browser that asks for Russian, the app's default language, as a clinic's would."""
    yield from _page(browser, request, "ru-RU", LAPTOP)


def _page(browser, request, locale: str, viewport: dict):
    context = browser.new_context(locale=locale, accept_downloads=True, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report
    return report


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():  # the next step must not race the sign-in's own page load
        page.get_by_role("button", name="Sign in").click()


def sign_in_ru(page, base_url: str, username: str, password: str) -> None:
    """The same sign-in, read in Russian."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Войти").click()


def sign_out(page) -> None:
    # In either language: a patient's pages speak the patient's own (portal/language.py).
    toggler = page.get_by_role("button", name=re.compile("^(Menu|Меню)$"))
    if toggler.is_visible():  # the navigation bar is folded on narrower screens
        toggler.click()
    page.get_by_role("button", name=re.compile("^(Sign out|Выйти)$")).click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)  # signing out ends on the login page


def next_monday(after_days: int = 3):
    """The first Monday at least `after_days` ahead: a course start clear of the 24-hour rules."""
    import datetime

    day = datetime.date.today() + datetime.timedelta(days=after_days)
    while day.weekday() != 0:
        day += datetime.timedelta(days=1)
    return day


def procedure_field(page):
    """The booking form's procedure; "Sessions of the combined procedure" is another field's label."""
    return page.get_by_role("combobox", name="Procedure")


def propose_course(page, *, count: int, first_day, time: str, location=None) -> None:
    """Fill the booking wizard's first step and ask for a proposal."""
    procedure_field(page).select_option("cryomassage-contact")
    if location is not None:
        page.get_by_label("Location").select_option(str(location.pk))
    page.get_by_label("Number of sessions").fill(str(count))
    page.get_by_label("First session on or after").fill(first_day.isoformat())
    page.get_by_label("Preferred time").fill(time)
    page.get_by_role("button", name="Propose sessions").click()


def shown(locator) -> bool:
    """Wait (up to the page's timeout) for the first match to be visible: a page may still be loading."""
    locator.first.wait_for(state="visible")
    return True


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (per address: every browser here is 127.0.0.1) live in Redis."""
    from django.core.cache import cache

    cache.clear()
