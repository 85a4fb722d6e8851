"""Real-browser journeys: Playwright driving Debian's Chromium against the app on a live server.

Run with `make test-browser` (`.ci/run` installs Chromium and runs them); `make test` leaves them out.
On failure a screenshot lands in .ci-artifacts/screenshots/.
"""

import os
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


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="en-GB", accept_downloads=True, viewport={"width": 1280, "height": 900})
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
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible():  # the navigation bar is folded on narrower screens
        toggler.click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
