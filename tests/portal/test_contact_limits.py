"""Limits and lockouts count the account or the canonical contact, never the spelling (issue 14: 3, 4, 9)."""

import re

import redis
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.contacts import canonical_contact
from portal.models import PortalLink

from ..factories import PASSWORD
from .test_access import ask_for_link

PHONE_SPELLINGS = [
    "+79161234567",
    "8 (916) 123-45-67",
    "+7 916 123 45 67",
    "9161234567",
    "8-916-123-45-67",
    "+7(916)1234567",
    "8 916 1234567",
    "+7 (916) 123-4567",
    " 89161234567 ",
    "7 916 123 45 67",
]


def sign_in(username, password, ip):
    return Client().post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_ten_spellings_of_one_phone_lock_the_account_after_the_limit(patient, settings):
    settings.AXES_FAILURE_LIMIT = 5
    answers = [sign_in(spelling, "wrong", f"198.51.100.{n}").status_code for n, spelling in enumerate(PHONE_SPELLINGS)]
    assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}
    # the account is locked, whatever is typed: the phone, the email, the login name
    assert sign_in("+7 916 123-45-67", PASSWORD, "198.51.100.200").status_code == 429
    assert sign_in(patient.user.username, PASSWORD, "198.51.100.201").status_code == 429


def test_the_login_name_and_the_email_in_any_case_count_against_the_same_account(patient):
    patient.email = "maria@example.org"
    patient.save()
    for n, typed in enumerate(["MARIA@example.org", "maria@EXAMPLE.ORG", "PATIENT1", "patient1", "+79161234567"]):
        sign_in(typed, "wrong", f"198.51.101.{n}")
    assert sign_in("maria@example.org", PASSWORD, "198.51.101.99").status_code == 429


def test_spellings_of_an_unknown_phone_count_together_too(db):
    answers = [
        sign_in(spelling.replace("916", "999"), "wrong", f"198.51.102.{n}").status_code
        for n, spelling in enumerate(PHONE_SPELLINGS[:6])
    ]
    assert answers == [200, 200, 200, 200, 429, 429]


def test_a_right_password_still_signs_in_below_the_limit_by_any_spelling(patient):
    for n in range(3):
        sign_in(PHONE_SPELLINGS[n], "wrong", f"198.51.103.{n}")
    assert sign_in("8 (916) 123-45-67", PASSWORD, "198.51.103.50").status_code == 302


# ---------------------------------------------------------------- the canonical contact


def test_a_contact_has_one_canonical_form_and_decorations_do_not_normalise():
    assert {canonical_contact(s) for s in PHONE_SPELLINGS} == {("phone", "+79161234567")}
    assert canonical_contact(" Maria@Example.ORG ") == ("email", "maria@example.org")
    for decorated in [
        "+79161234567 ext 5",
        "+79161234567 доб. 16",
        "+7 916 123-45-67;ext=3",
        "89161234567#12",
        "+79161234567abc",
        "+7916FLOWERS",
        "12",
        "not a phone",
        "maria@",
        "a b@example.org",
    ]:
        assert canonical_contact(decorated) is None, decorated


def test_a_phone_with_an_extension_appended_is_refused_and_sends_nothing(patient, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    answers = [ask_for_link(Client(), f"+79161234567 доб. {n}", ip=f"10.2.0.{n}").status_code for n in range(16)]
    assert set(answers) == {400}
    assert not (tmp_path / "sms.jsonl").exists() and PortalLink.objects.count() == 0


def test_spellings_of_one_phone_share_one_link_limit(patient, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    settings.PORTAL_LINKS_PER_CONTACT = 3
    answers = [ask_for_link(Client(), s, ip=f"10.3.0.{n}").status_code for n, s in enumerate(PHONE_SPELLINGS[:6])]
    assert answers == [200, 200, 200, 429, 429, 429]
    assert len((tmp_path / "sms.jsonl").read_text().splitlines()) == 3


def test_a_patient_can_still_sign_in_with_a_phone_written_any_way(patient):
    for n, spelling in enumerate(PHONE_SPELLINGS[:3]):
        assert sign_in(spelling, PASSWORD, f"198.51.104.{n}").status_code == 302, spelling
    assert sign_in("+79161234567 доб. 5", PASSWORD, "198.51.104.9").status_code == 200  # not a number we hold


# ---------------------------------------------------------------- the same work on both paths


def _queued() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")


def test_a_known_and_an_unknown_contact_take_the_same_steps_in_the_request(patient, settings):
    settings.PORTAL_LINK_DELIVERY = "celery"
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")
    steps = {}
    for label, contact, ip in [("known", "+7 916 123-45-67", "10.4.0.1"), ("unknown", "+7 999 000-00-00", "10.4.0.2")]:
        before = _queued()
        with CaptureQueriesContext(connection) as queries:
            answer = ask_for_link(Client(), contact, ip=ip)
        assert answer.status_code == 200
        # the same statements; only the hashed contact and address in the limits' keys differ
        sql = [re.sub(r"[0-9a-f]{64}", "<hash>", q["sql"]) for q in queries.captured_queries]
        steps[label] = (sql, _queued() - before)
    assert steps["known"] == steps["unknown"]
    assert steps["known"][1] == 1  # one task queued for each: the lookup and the message happen in the worker
    assert mail.outbox == [] and PortalLink.objects.count() == 0
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")


def test_the_worker_sends_the_link_to_a_known_contact_only(patient):
    from django.test import TestCase

    from portal.services import sign_in_links_send

    patient.email = "maria@example.org"
    patient.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sign_in_links_send(contact="+79161234567", ip="10.5.0.1") == 1
        assert sign_in_links_send(contact="+79990000000", ip="10.5.0.1") == 0
    assert PortalLink.objects.count() == 1


def test_a_locked_patient_can_still_come_in_with_a_one_time_link(patient, client):
    from .test_access import link_path

    patient.email = "maria@example.org"
    patient.save()
    for n in range(5):
        sign_in("maria@example.org", "wrong", f"198.51.105.{n}")
    assert sign_in("maria@example.org", PASSWORD, "198.51.105.99").status_code == 429
    ask_for_link(client, "maria@example.org", ip="10.6.0.1")
    client.get(link_path(mail.outbox[0].body))
    assert client.post(reverse("portal:link")).status_code == 302
    assert int(client.session["_auth_user_id"]) == patient.user_id
