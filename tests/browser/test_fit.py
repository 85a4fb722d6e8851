"""Nothing scrolls sideways: the navigation bar of every staff role on a 1366-px laptop (and at 1280),
the cashier's day and a course's payments on a 390-px phone, in Russian."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from billing.money import rub
from billing.services import payment_take, refund_make
from scheduling.models import CourseStatus

from ..factories import PASSWORD, UserFactory
from .conftest import PHONE, book_course, sign_in_ru

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def _staff(location):
    """One user per staff role, and the registrar who is also a clinician (the most links)."""
    users = []
    for role in ("administrator", "registrar", "clinician"):
        user = UserFactory(username=f"fit-{role}", role=role, locations=[location])
        user.first_name, user.last_name = "Регина", "Орлова-Лаврова"
        user.save(update_fields=["first_name", "last_name"])
        users.append(user)
    both = UserFactory(username="fit-both", role="registrar", locations=[location])
    both.first_name, both.last_name = "Регина", "Орлова-Лаврова"
    both.save(update_fields=["first_name", "last_name"])
    both.groups.add(Group.objects.get(name="clinician"))
    return [*users, both]


@pytest.mark.parametrize("width", [1366, 1280])
def test_no_role_s_home_page_scrolls_sideways_on_a_laptop(browser, live_server, location, width):
    for user in _staff(location):
        context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_ru(page, live_server.url, user.username, PASSWORD)
        page.goto(f"{live_server.url}/")
        sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert page.evaluate(FITS), (user.username, width, sizes)
        exit_button = page.get_by_role("button", name="Выйти")
        if not exit_button.is_visible():
            page.get_by_role("button", name="Меню").click()
        exit_button.wait_for(state="visible")
        box = exit_button.bounding_box()
        assert box["x"] + box["width"] <= width, (user.username, width, box)
        context.close()


def _on_screen(page, locator, width: int) -> None:
    locator.first.wait_for(state="visible")
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def _labels(row) -> list[str]:
    """What the cells' ::before show (the labels on a phone); innerText leaves pseudo-elements out."""
    return row.evaluate(
        """row => [...row.cells].map(td => getComputedStyle(td, "::before").content)
            .filter(c => c && c !== "none").map(c => JSON.parse(c))"""
    )


def test_the_cashier_s_day_and_a_course_s_payments_read_on_a_phone(
    browser, live_server, registrar, clinic, eligible_patient, cryo, location
):
    registrar.first_name, registrar.last_name = "Регина", "Орлова-Лаврова-Константинопольская"
    registrar.save(update_fields=["first_name", "last_name"])
    course = book_course(registrar, eligible_patient, cryo, location, count=12)
    first = (course.total_price * 2 / 3).quantize(Decimal("0.01"))
    payment_take(actor=registrar, course=course, amount=first, method="card", idempotency_key="p" * 20)
    payment_take(
        actor=registrar, course=course, amount=course.total_price - first, method="cash", idempotency_key="q" * 20
    )
    course.status = CourseStatus.CANCELLED
    course.save(update_fields=["status"])
    refund_make(actor=registrar, course=course, amount=Decimal("100"), reason="Переезд в другой город", method="cash")

    context = browser.new_context(locale="ru-RU", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_ru(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}/billing/day/?location={location.pk}")
    assert page.evaluate(FITS), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    entries = page.locator("[data-payment], [data-refund]")
    assert entries.count() == 3
    _on_screen(page, page.locator("[data-payment] [data-receipt-status], [data-refund] [data-receipt-status]"), 390)
    _on_screen(page, page.locator("[data-staff] td"), 390)
    # Each value says what it is, the table's head being out of sight on a phone.
    row = page.locator("[data-payment]").first
    with translation.override("ru"):
        assert rub(first) in row.inner_text()
    assert _labels(row) == ["Пациент: ", "Курс: ", "Сумма: ", "Как: ", "Сотрудник: ", "Чек: "]

    page.goto(f"{live_server.url}{course.get_absolute_url()}")
    assert page.evaluate(FITS), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    _on_screen(page, page.locator("#money [data-payment] td, #money [data-refund] td"), 390)
    assert _labels(page.locator("#money [data-payment]").first) == ["Сумма: ", "Как: ", "Сотрудник: ", "Чек: "]
    context.close()
