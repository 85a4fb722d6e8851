"""The password-reset form sends an email per request only within limits (issue 14, item 10)."""

from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory


def ask_reset(email, ip):
    return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip).status_code


def test_one_address_gets_at_most_three_reset_emails_an_hour_whatever_the_client(db, settings):
    cache.clear()
    UserFactory(username="maria", email="maria@example.org", role="registrar")
    answers = [ask_reset(e, f"203.0.113.{n}") for n, e in enumerate(["maria@example.org", "MARIA@example.org"] * 3)]
    assert answers == [302, 302, 302, 429, 429, 429]
    assert len(mail.outbox) == 3


def test_the_limit_counts_unknown_addresses_alike(db):
    cache.clear()
    answers = [ask_reset("nobody@example.org", f"203.0.113.{n}") for n in range(4)]
    assert answers == [302, 302, 302, 429] and mail.outbox == []


def test_one_client_asking_for_many_addresses_is_throttled(db, settings):
    cache.clear()
    settings.PASSWORD_RESETS_PER_IP_PER_HOUR = 10
    UserFactory(username="maria", email="maria@example.org", role="registrar")
    answers = [ask_reset(f"p{n}@example.org", "203.0.113.200") for n in range(10)]
    assert set(answers) == {302}
    throttled = Client().post(reverse("password_reset"), {"email": "maria@example.org"}, REMOTE_ADDR="203.0.113.200")
    assert throttled.status_code == 429 and "Too many requests" in throttled.content.decode()
    assert mail.outbox == []
