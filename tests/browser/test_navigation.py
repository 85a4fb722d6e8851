"""The navigation bar at the sizes staff use: whole on one line on a 1366-px laptop (every link visible,
no menu button), folded behind the menu button on a 390-px phone; the clinic's name in the header."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from ..factories import PASSWORD, UserFactory
from .conftest import LAPTOP, PHONE, SCREENSHOTS, sign_in_ru

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = os.environ.get("WORDING_SHOTS")  # a folder to copy the screenshots to, when set


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target))
    if SHOTS:
        shutil.copy(target, Path(SHOTS) / f"{name}.png")


@pytest.fixture
def busiest_user(location):
    """A registrar who is also a clinician: the most links any member of staff has."""
    user = UserFactory(username="front-and-doctor", role="registrar", locations=[location])
    user.first_name, user.last_name = "Регина", "Орлова-Лаврова"
    user.save(update_fields=["first_name", "last_name"])
    user.groups.add(Group.objects.get(name="clinician"))
    return user


def test_the_whole_bar_fits_one_line_on_a_1366_px_laptop(browser, live_server, busiest_user, settings):
    context = browser.new_context(locale="ru-RU", viewport=LAPTOP)
    page = context.new_page()
    sign_in_ru(page, live_server.url, busiest_user.username, PASSWORD)
    page.goto(f"{live_server.url}/patients/")
    assert not page.get_by_role("button", name="Меню").is_visible()
    links = page.locator("nav .navbar-nav .nav-link")
    assert links.count() >= 7
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1, "the links wrap onto a second line"
    assert page.get_by_role("button", name="Выйти").is_visible()
    bar = page.locator("nav.navbar").bounding_box()
    assert bar["height"] < 70, bar
    assert page.locator(".navbar-brand").inner_text() == settings.CLINIC_NAME
    assert page.title().endswith(f"· {settings.CLINIC_NAME}")
    _shot(page, "wording-nav-1366")
    page.get_by_role("button", name=busiest_user.get_full_name() or busiest_user.username).click()
    assert page.get_by_role("link", name="Пароль").is_visible()
    _shot(page, "wording-nav-1366-account-menu")
    context.close()


def test_the_bar_folds_behind_the_menu_button_on_a_phone(browser, live_server, busiest_user):
    context = browser.new_context(locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    sign_in_ru(page, live_server.url, busiest_user.username, PASSWORD)
    page.goto(f"{live_server.url}/patients/")
    assert not page.locator("nav .navbar-nav .nav-link").first.is_visible()
    page.get_by_role("button", name="Меню").click()
    page.locator("nav .navbar-nav .nav-link").first.wait_for(state="visible")
    _shot(page, "wording-nav-390-open")
    context.close()
