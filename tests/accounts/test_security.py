"""ASVS-style checks: lockout, second factor, sessions, headers, audit of sign-ins and refusals."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from core.net import client_ip

from ..conftest import login
from ..factories import PASSWORD, UserFactory


def sign_in(client, username, password, ip="203.0.113.7", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


# ---------------------------------------------------------------- lockout


def test_five_failures_lock_the_username_for_fifteen_minutes_even_with_the_right_password(registrar):
    client = Client()
    answers = [sign_in(client, "registrar1", "wrong", ip=f"198.51.100.{n}").status_code for n in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = sign_in(client, "registrar1", PASSWORD, ip="198.51.100.99")  # another address: still locked
    assert locked.status_code == 429 and "15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(client, "registrar1", PASSWORD, ip="198.51.100.99").status_code == 302


def test_five_failures_from_one_address_lock_that_address_for_every_username(registrar, clinician):
    client = Client()
    for n in range(5):
        sign_in(client, f"nobody{n}", "wrong", ip="198.51.100.50")
    assert sign_in(client, clinician.username, PASSWORD, ip="198.51.100.50").status_code == 429
    assert sign_in(Client(), clinician.username, PASSWORD, ip="198.51.100.51").status_code == 302


def test_a_forwarded_for_header_counts_only_from_a_configured_proxy(registrar, settings, rf):
    client = Client()
    for n in range(5):  # an attacker rotating the header from one address is still one address
        sign_in(client, f"x{n}", "wrong", ip="198.51.100.60", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert sign_in(client, "registrar1", PASSWORD, ip="198.51.100.60").status_code == 429

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9, 10.0.0.1")
    assert client_ip(request) == "192.0.2.9"
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="192.0.2.9")
    assert client_ip(spoofed) == "198.51.100.1"
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(garbage) == "10.0.0.1"


def test_the_api_token_endpoint_is_locked_out_too(registrar):
    api = Client()
    for _ in range(5):
        wrong = {"username": "registrar1", "password": "wrong"}
        api.post(reverse("api-token"), wrong, content_type="application/json", REMOTE_ADDR="198.51.100.70")
    right = {"username": "registrar1", "password": PASSWORD}
    answer = api.post(reverse("api-token"), right, content_type="application/json", REMOTE_ADDR="198.51.100.71")
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "locked_out"


# ---------------------------------------------------------------- second factor


def test_an_administrator_must_set_up_a_second_factor_before_anything_else(administrator):
    client = Client()
    assert sign_in(client, administrator.username, PASSWORD).status_code == 302
    blocked = client.get(reverse("admin:index"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("two-factor-setup"))
    api = client.get(reverse("api-me-sessions"))
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_required"

    page = client.get(reverse("two-factor-setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    assert client.post(reverse("two-factor-setup"), {"code": "000000"}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    done = client.post(reverse("two-factor-setup"), {"code": f"{code:06d}"})
    codes = re.findall(r"<code>([^<]+)</code>", done.content.decode())
    assert done.status_code == 200 and len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(actor=administrator, detail__second_factor="set up").exists()

    # Next time: the password, then a code; a recovery code works once.
    again = Client()
    sign_in(again, administrator.username, PASSWORD)
    assert again.get(reverse("admin:index"))["Location"].startswith(reverse("two-factor-verify"))
    assert again.post(reverse("two-factor-verify"), {"code": "12345678"}).status_code == 400
    StaticDevice.objects.filter(user=administrator).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    assert again.post(reverse("two-factor-verify"), {"code": codes[0]}).status_code == 302
    assert again.get(reverse("admin:index")).status_code == 200
    third = Client()
    sign_in(third, administrator.username, PASSWORD)
    assert third.post(reverse("two-factor-verify"), {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=administrator).count() == 9


def test_a_clinician_may_work_without_a_second_factor_until_they_turn_it_on(clinician):
    client = login(clinician)
    assert client.get(reverse("scheduling:worklist")).status_code == 200
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=clinician)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits).token()
    client.post(reverse("two-factor-setup"), {"code": f"{code:06d}"})
    later = Client()
    sign_in(later, clinician.username, PASSWORD)
    assert later.get(reverse("scheduling:worklist"))["Location"].startswith(reverse("two-factor-verify"))


def test_patients_are_not_offered_a_second_factor(patient_user):
    assert login(patient_user).get(reverse("two-factor-setup")).status_code == 403


def test_the_verify_page_sends_on_only_to_this_site(clinician):
    client = Client()
    sign_in(client, clinician.username, PASSWORD)
    answer = client.get(reverse("two-factor-verify") + "?next=https://evil.example/")
    assert answer.status_code == 302 and answer["Location"] == "/"


# ---------------------------------------------------------------- sessions


def test_changing_the_password_ends_the_users_other_sessions(registrar):
    here, elsewhere = login(registrar), login(registrar)
    changed = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "A-new-long-pass-2026", "new_password2": "A-new-long-pass-2026"},
    )
    assert changed.status_code == 302
    assert here.get(reverse("patients:list")).status_code == 200
    assert elsewhere.get(reverse("patients:list")).status_code == 302  # back to the login page


def test_production_cookies_are_secure_httponly_and_samesite():
    import importlib
    import os

    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "clinic.example")
    production = importlib.import_module("clinic.settings.production")
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SESSION_COOKIE_HTTPONLY and production.SESSION_COOKIE_SAMESITE == "Lax"
    assert production.SECURE_HSTS_SECONDS >= 31536000 and production.SECURE_SSL_REDIRECT


# ---------------------------------------------------------------- headers


PAGES = [
    ("anonymous", "login"),
    ("anonymous", "public-request"),
    ("anonymous", "portal:sign-in"),
    ("registrar", "patients:list"),
    ("registrar", "scheduling:calendar"),
    ("registrar", "scheduling:requests"),
    ("clinician", "scheduling:worklist"),
    ("clinician", "two-factor-setup"),
    ("patient", "portal:home"),
    ("registrar", "api-docs"),
]


@pytest.mark.parametrize(("who", "name"), PAGES)
def test_pages_send_a_strict_csp_and_carry_no_inline_script_or_style(who, name, registrar, clinician, patient_user):
    client = {"anonymous": Client(), "registrar": None, "clinician": None, "patient": None}[who]
    if client is None:
        client = login({"registrar": registrar, "clinician": clinician, "patient": patient_user}[who])
    response = client.get(reverse(name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    html = response.content.decode()
    # A JSON data block (json_script: the calendar grid's data) is not run, so the CSP has nothing to refuse.
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", html), "an inline script"
    assert not re.search(r"\sstyle=", html), "an inline style attribute"
    assert "<style" not in html


# ---------------------------------------------------------------- audit


def test_sign_in_sign_out_failures_and_refusals_are_audited_with_the_address(registrar, patient_user):
    client = Client()
    sign_in(client, "registrar1", "wrong", ip="198.51.100.80")
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.detail == {"username": "registrar1"} and failed.ip == "198.51.100.80"
    sign_in(client, "registrar1", PASSWORD, ip="198.51.100.80")
    assert AuditEvent.objects.filter(action="login", actor=registrar, ip="198.51.100.80").exists()
    client.post(reverse("logout"), REMOTE_ADDR="198.51.100.80")
    assert AuditEvent.objects.filter(action="logout", actor=registrar).exists()

    patient_client = login(patient_user)
    assert patient_client.get(reverse("patients:list")).status_code == 403
    assert patient_client.get(reverse("api-courses")).status_code in (403, 405)
    refused = AuditEvent.objects.filter(action="denied", actor=patient_user).values_list("detail", flat=True)
    assert {"path": "/patients/", "method": "GET"} in list(refused)
    assert len(refused) == 2


def test_nobody_can_change_or_delete_an_audit_event(registrar):
    from django.db import DatabaseError, transaction

    login(registrar)
    event = AuditEvent.objects.filter(action="login").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_a_fresh_user_without_a_password_cannot_sign_in(db):
    user = UserFactory(username="nopass", role="registrar")
    user.set_unusable_password()
    user.save()
    assert sign_in(Client(), "nopass", "").status_code == 200


def test_a_role_taken_away_stops_working_on_the_next_request(registrar):
    from django.contrib.auth.models import Group

    client = login(registrar)
    assert client.get(reverse("patients:list")).status_code == 200  # the roles are now cached
    registrar.groups.remove(Group.objects.get(name="registrar"))
    assert client.get(reverse("patients:list")).status_code == 403
    Group.objects.get(name="clinician").user_set.add(registrar)
    assert client.get(reverse("patients:list")).status_code == 200
    Group.objects.get(name="clinician").user_set.clear()
    assert client.get(reverse("patients:list")).status_code == 403


def test_a_location_given_taken_away_or_renamed_shows_on_the_next_request(registrar, location):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Location

    client = login(registrar)
    other = Location.objects.create(name="North branch", address="x", phone="1")

    def page(where=None):
        query = {"location": where.pk} if where else {}
        return client.get(reverse("scheduling:calendar"), query)

    assert page(other).status_code == 403
    registrar.locations.add(other)  # from her side
    assert page(other).status_code == 200
    with CaptureQueriesContext(connection) as read:
        page(other)
    assert not [q for q in read.captured_queries if "accounts_location" in q["sql"]]  # cached: no query
    other.name = "Northern branch"
    other.save()
    assert "Northern branch" in page().content.decode()
    other.time_zone = "Asia/Magadan"
    other.save()
    assert "Times: Magadan" in page(other).content.decode()
    other.staff.remove(registrar)  # from the location's side
    assert page(other).status_code == 403 and "Northern branch" not in page().content.decode()
    other.staff.add(registrar)
    assert page(other).status_code == 200
    other.staff.clear()
    assert page(other).status_code == 403
    registrar.locations.add(other)
    registrar.locations.clear()
    assert page(location).status_code == 403 and page().status_code == 200  # no location: nothing to show
    registrar.locations.add(location, other)
    other.delete()
    assert "Northern branch" not in page().content.decode() and page(location).status_code == 200


def test_a_list_read_while_a_removal_commits_is_not_kept(registrar, location):
    """A request that read her locations before the removal committed and stored them after the
    cache was forgotten kept the old list for 300 s: it is stored under a version no read asks for."""
    from accounts import locations
    from accounts.models import Location

    other = Location.objects.create(name="North branch", address="x", phone="1")
    registrar.locations.add(other)
    version_key = locations._version_key(registrar.pk, registrar.date_joined)
    stale_key = f"{version_key}:{cache.get(version_key, 0)}"  # what a request read before the removal
    registrar.locations.remove(other)  # forgets now; the test's transaction stands for the admin's
    # ... and the slow request stores the old rows after that, under the version it had read:
    cache.set(stale_key, [(location.pk, location.name, "Europe/Moscow"), (other.pk, other.name, "Europe/Moscow")])
    locations.forget_locations(registrar)
    assert [loc.pk for loc in locations.locations_of(registrar)] == [location.pk]
