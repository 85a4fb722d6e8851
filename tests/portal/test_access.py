"""Ways into the portal: one-time links, invitations, and passwords typed as a phone or an email."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core import sms
from patients.models import Patient
from portal.models import LinkPurpose, PortalLink

from ..factories import PatientFactory

LINK = re.compile(r"http://[^/\s]+(/portal/(?:link|welcome)/[^/\s]+/)")


def ask_for_link(client, contact, ip="10.0.0.1"):
    """Post the form; the message goes out when the transaction commits, as it does in production."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("portal:sign-in"), {"contact": contact}, REMOTE_ADDR=ip)


def link_path(text: str) -> str:
    return LINK.search(text).group(1)


@pytest.fixture
def known(patient):
    patient.email = "maria@example.org"
    patient.save()
    return patient


def test_a_one_time_link_signs_the_patient_in_once_and_leaves_the_url(client, known, patient_user):
    answer = ask_for_link(client, "Maria@Example.org")
    assert answer.status_code == 200 and "a sign-in link is on its way" in answer.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maria@example.org"]
    path = link_path(mail.outbox[0].body)
    token = path.rstrip("/").rsplit("/", 1)[1]
    # stored only as a hash
    link = PortalLink.objects.get()
    assert token not in link.token_hash and len(token) >= 32  # 192 random bits

    landing = client.get(path)
    assert landing.status_code == 302 and landing["Location"] == reverse("portal:link")
    assert landing["Referrer-Policy"] == "no-referrer"
    page = client.get(reverse("portal:link"))  # a GET (a mail scanner, say) does not use the link up
    assert page.status_code == 200 and token not in page.content.decode()
    # no token in this URL, and a form: same-origin (no-referrer would make browsers post "Origin: null")
    assert page["Referrer-Policy"] == "same-origin"
    link.refresh_from_db()
    assert link.used_at is None

    signed_in = client.post(reverse("portal:link"))
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("portal:home")
    assert int(client.session["_auth_user_id"]) == patient_user.pk
    assert client.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=patient_user, detail__method="link:sign_in").exists()

    again = login_free_client().get(path)
    assert again.status_code == 400 and "already been used" in again.content.decode()


def login_free_client():
    from django.test import Client

    return Client()


def test_an_expired_or_tampered_link_is_refused_and_signs_nobody_in(client, known):
    ask_for_link(client, "maria@example.org")
    path = link_path(mail.outbox[0].body)
    tampered = client.get(path[:-3] + "xx/")
    assert tampered.status_code == 400 and "not valid" in tampered.content.decode()
    PortalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.get(path)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert client.post(reverse("portal:link")).status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_link_that_expires_between_the_page_and_the_button_signs_nobody_in(client, known):
    ask_for_link(client, "maria@example.org")
    client.get(link_path(mail.outbox[0].body))
    PortalLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.post(reverse("portal:link")).status_code == 400
    assert "_auth_user_id" not in client.session
    assert PortalLink.objects.get().used_at is None


def test_a_link_lives_fifteen_minutes(client, known):
    ask_for_link(client, "maria@example.org")
    link = PortalLink.objects.get()
    assert (
        datetime.timedelta(minutes=14, seconds=50) < link.expires_at - link.created_at <= datetime.timedelta(minutes=15)
    )


def test_the_answer_never_says_whether_a_phone_or_email_is_known(client, known):
    known_answer = ask_for_link(client, "+7 916 123-45-67").content.decode()
    unknown_answer = ask_for_link(client, "+7 999 000-00-00", ip="10.0.0.2").content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known_answer) == strip.sub("", unknown_answer)
    assert PortalLink.objects.count() == 1
    # Something that is neither a phone nor an email is refused for its form alone (nobody can have it).
    nonsense = ask_for_link(client, "not a phone", ip="10.0.0.3")
    assert nonsense.status_code == 400 and "Type a phone number or an email address." in nonsense.content.decode()


def test_a_phone_gets_the_link_by_sms(client, known, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    ask_for_link(client, "8 (916) 123-45-67")
    sent = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [m["to"] for m in sent] == ["+79161234567"] and "/portal/link/" in sent[0]["text"]
    assert mail.outbox == []


@pytest.mark.parametrize("site", ["https://clinic-tricho.ru", "https://lk.trichology-clinic-moscow.ru"])
def test_the_sign_in_sms_fits_two_parts_in_russian(client, known, settings, tmp_path, site):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    settings.SITE_URL = site
    Patient.objects.filter(pk=known.pk).update(preferred_language="ru")
    ask_for_link(client, "8 (916) 123-45-67")
    [message] = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    text = message["text"]
    assert "вход в личный кабинет" in text and f"{site}/portal/link/" in text  # the link is never cut
    assert sms.parts(text) <= 2, (len(text), text)
    assert not text.startswith((":", ","))
    if site == "https://clinic-tricho.ru":  # room for whose link it is (a family may share the phone)
        assert "Maria Petrovna" in text, text


def test_asking_too_often_is_throttled_alike_for_known_and_unknown_addresses(client, known, settings):
    settings.PORTAL_LINKS_PER_CONTACT = 3
    for contact in ("maria@example.org", "nobody@example.org"):
        answers = [ask_for_link(client, contact, ip=f"10.1.0.{n}").status_code for n in range(4)]
        assert answers == [200, 200, 200, 429], contact
    assert len(mail.outbox) == 3


def test_one_address_asking_for_many_contacts_is_throttled(client, known, settings):
    settings.PORTAL_LINKS_PER_IP_PER_HOUR = 2
    answers = [ask_for_link(client, f"p{n}@example.org", ip="10.9.9.9").status_code for n in range(3)]
    assert answers == [200, 200, 429]
    assert ask_for_link(client, "maria@example.org", ip="10.9.9.9").status_code == 429
    assert mail.outbox == []


def test_a_patient_without_a_login_gets_one_from_their_first_link(client, location):
    newcomer = PatientFactory(home_location=location, email="new@example.org", user=None)
    ask_for_link(client, "new@example.org")
    client.get(link_path(mail.outbox[0].body))
    client.post(reverse("portal:link"))
    newcomer.refresh_from_db()
    assert newcomer.user is not None and newcomer.user.has_role("patient")
    assert not newcomer.user.has_usable_password()
    assert int(client.session["_auth_user_id"]) == newcomer.user_id


def test_a_registrar_invites_a_patient_who_sets_a_password_and_signs_in_with_the_phone(as_registrar, location):
    invited = PatientFactory(home_location=location, email="inv@example.org", phone="+79167654321", user=None)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = as_registrar.post(reverse("portal:invite", args=[invited.pk]), {"channel": "email"})
    assert answer.status_code == 302
    assert PortalLink.objects.get().purpose == LinkPurpose.INVITE
    path = link_path(mail.outbox[0].body)
    assert "/portal/welcome/" in path

    from django.test import Client

    browser = Client()
    assert browser.get(path)["Location"] == reverse("portal:welcome")
    weak = browser.post(reverse("portal:welcome"), {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 400 and PortalLink.objects.get().used_at is None
    done = browser.post(
        reverse("portal:welcome"), {"new_password1": "Frost-and-scalp-42", "new_password2": "Frost-and-scalp-42"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")
    assert browser.get(path).status_code == 400  # used

    by_phone = Client()
    signed_in = by_phone.post(reverse("login"), {"username": "+7 916 765-43-21", "password": "Frost-and-scalp-42"})
    assert signed_in.status_code == 302 and by_phone.get(reverse("portal:home")).status_code == 200
    wrong = Client().post(reverse("login"), {"username": "+7 916 765-43-21", "password": "wrong"})
    assert wrong.status_code == 200 and "_auth_user_id" not in wrong.client.session


def test_an_invitation_needs_a_registrar_and_an_address(as_clinician, as_registrar, location):
    no_email = PatientFactory(home_location=location, email="", user=None)
    assert as_clinician.post(reverse("portal:invite", args=[no_email.pk]), {"channel": "sms"}).status_code == 403
    page = as_registrar.post(reverse("portal:invite", args=[no_email.pk]), {"channel": "email"}, follow=True)
    assert "This patient has no email address." in page.content.decode()
    assert PortalLink.objects.count() == 0 and mail.outbox == []


def test_a_phone_shared_by_a_mother_and_her_daughter_gets_a_link_for_each(
    client, patient, location, settings, tmp_path
):
    import json

    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    daughter = PatientFactory(home_location=location, full_name="Anna Ivanova", phone="+79161234567", user=None)
    ask_for_link(client, "+7 916 123-45-67")
    sent = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert len(sent) == 2
    assert {"Maria Petrovna" in m["text"] for m in sent} == {True, False}  # how the letters address her
    assert any("Anna Ivanova" in m["text"] for m in sent)
    daughters_link = next(m for m in sent if "Anna Ivanova" in m["text"])
    client.get(link_path(daughters_link["text"]))
    client.post(reverse("portal:link"))
    daughter.refresh_from_db()
    assert int(client.session["_auth_user_id"]) == daughter.user_id != patient.user_id
