"""The waiting list in a real browser: the desk puts a patient on it, a session of another course is
cancelled, the offer's email reaches her and she takes the time in the portal, without a password."""

import re

import pytest
from django.core import mail

from reminders import services as reminders
from scheduling.models import Course, WaitlistEntry, WaitlistOffer, WaitlistStatus
from scheduling.services import session_cancel

from ..factories import PASSWORD
from ..scheduling.conftest import next_weekday
from ..scheduling.waitlist_helpers import cleared
from .conftest import book_course, shown, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_desk_adds_a_patient_a_session_is_cancelled_and_she_accepts_the_offer_in_the_portal(
    page, live_server, registrar, clinic, clinician, cryo, location
):
    holder = cleared(clinician, cryo, location)
    course = book_course(registrar, holder, cryo, location, first_day=next_weekday(0, location.tz, after_days=7))
    waiting = cleared(clinician, cryo, location, email="vera@example.org", preferred_language="en", consent_sms=False)

    sign_in(page, live_server.url, registrar.username, PASSWORD)
    page.goto(f"{live_server.url}{waiting.get_absolute_url()}")
    page.get_by_role("link", name="Put on the waiting list").click()
    page.get_by_label("Procedure").select_option(label=cryo.name)
    page.get_by_label("Location").select_option(str(location.pk))
    page.get_by_role("button", name="Put on the waiting list").click()
    assert shown(page.get_by_text(f"{waiting.full_name} is on the waiting list."))
    entry = WaitlistEntry.objects.get(patient=waiting)

    first = course.sessions.order_by("start").first()
    session_cancel(actor=registrar, session=first, reason="ill")  # the time is offered as the cancel commits
    reminders.scan()  # the minute's tick: the open offer becomes its message
    for ids in reminders.enqueue():
        reminders.send_batch(ids)
    assert WaitlistOffer.objects.filter(entry=entry).exists()
    [email] = [m for m in mail.outbox if m.to == ["vera@example.org"]]
    link = re.search(r"http://\S+(/portal/offers/\S+/)", email.body).group(1)

    page.goto(f"{live_server.url}/scheduling/waitlist/")
    assert shown(page.locator(".waitlist-entry").filter(has_text=waiting.full_name).get_by_text("offered"))
    sign_out(page)

    page.goto(live_server.url + link)
    assert link not in page.url  # the token left the address bar
    assert page.locator(".waitlist-plan li").count() == entry.sessions
    page.get_by_role("button", name="Accept").click()
    assert shown(page.get_by_text("The course is booked. See you soon!"))

    booked = Course.objects.get(patient=waiting)
    assert booked.sessions.order_by("start").first().start == first.start
    entry.refresh_from_db()
    assert (entry.status, entry.course) == (WaitlistStatus.BOOKED, booked)
