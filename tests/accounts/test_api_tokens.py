"""API tokens (issue 14, item 1): the second factor, expiry, revocation, the listing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import key_hash, token_issue
from audit.models import AuditEvent

from ..conftest import login
from ..factories import PASSWORD, UserFactory


def ask_token(username, password=PASSWORD, ip="203.0.113.20", **extra):
    body = {"username": username, "password": password, **extra}
    return APIClient().post(reverse("api-token"), body, format="json", REMOTE_ADDR=ip)


def totp_code(device) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def with_key(key, keyword="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


@pytest.fixture
def authenticator(registrar):
    return TOTPDevice.objects.create(user=registrar, name="authenticator", confirmed=True)


def test_a_user_with_a_second_factor_needs_the_code_in_the_same_request(registrar, authenticator):
    missing = ask_token("registrar1")
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "otp_required"
    wrong = ask_token("registrar1", code="000000")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "otp_invalid"
    TOTPDevice.objects.filter(pk=authenticator.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert ApiToken.objects.count() == 0

    issued = ask_token("registrar1", code=totp_code(authenticator))
    assert issued.status_code == 200, issued.json()
    assert with_key(issued.json()["token"]).get(reverse("api-patients")).status_code == 200


def test_a_recovery_code_gets_a_token_once(registrar, authenticator):
    recovery = StaticDevice.objects.create(user=registrar, name="recovery", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    assert ask_token("registrar1", code="abcd2345").status_code == 200
    assert ask_token("registrar1", code="abcd2345").json()["error"]["code"] == "otp_invalid"


def test_an_administrator_gets_no_token_without_a_second_factor(administrator):
    refused = ask_token(administrator.username)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "second_factor_required"
    device = TOTPDevice.objects.create(user=administrator, name="authenticator", confirmed=True)
    assert ask_token(administrator.username).json()["error"]["code"] == "otp_required"
    assert ask_token(administrator.username, code=totp_code(device)).status_code == 200


def test_wrong_codes_lock_the_account_like_wrong_passwords(registrar, authenticator):
    for n in range(5):
        TOTPDevice.objects.filter(pk=authenticator.pk).update(throttling_failure_count=0)
        ask_token("registrar1", code="000000", ip=f"203.0.113.{30 + n}")
    locked = ask_token("registrar1", code=totp_code(authenticator), ip="203.0.113.99")
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "locked_out"


def test_a_user_without_a_second_factor_gets_a_token_with_the_password(clinician):
    issued = ask_token("clinician1", name="lab sync")
    assert issued.status_code == 200
    body = issued.json()
    token = ApiToken.objects.get()
    assert (
        token.name == "lab sync" and token.key_hash == key_hash(body["token"]) and body["token"] not in token.key_hash
    )
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)


def test_an_expired_token_gets_401(registrar, settings):
    key, token = token_issue(user=registrar)
    assert with_key(key).get(reverse("api-patients")).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = with_key(key).get(reverse("api-patients"))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "token_expired"


def test_bearer_is_accepted_as_well_as_token(registrar):
    key, _token = token_issue(user=registrar)
    assert with_key(key, "Bearer").get(reverse("api-patients")).status_code == 200
    assert with_key(key, "bearer").get(reverse("api-patients")).status_code == 200
    assert with_key(key[:-2] + "xx", "Bearer").get(reverse("api-patients")).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(registrar):
    key, token = token_issue(user=registrar)
    client = with_key(key)
    client.get(reverse("api-procedures"))
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("api-procedures"))
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "accounts_apitoken"')]
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(seconds=61))
    client.get(reverse("api-procedures"))
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_password_change_revokes_the_users_tokens(registrar, clinician):
    key, _token = token_issue(user=registrar)
    other_key, _other = token_issue(user=clinician)
    changed = login(registrar).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "A-new-long-pass-2026", "new_password2": "A-new-long-pass-2026"},
    )
    assert changed.status_code == 302
    assert with_key(key).get(reverse("api-patients")).status_code == 401
    assert with_key(other_key).get(reverse("api-patients")).status_code == 200  # others keep theirs


def test_an_administrator_setting_a_password_revokes_the_users_tokens(administrator, registrar):
    key, _token = token_issue(user=registrar)
    answer = login(administrator).post(
        reverse("admin:auth_user_password_change", args=[registrar.pk]),
        {"password1": "Set-by-admin-2026", "password2": "Set-by-admin-2026", "usable_password": "true"},
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    assert with_key(key).get(reverse("api-patients")).status_code == 401


def test_signing_in_revokes_nothing(registrar):
    key, _token = token_issue(user=registrar)
    login(registrar)
    assert with_key(key).get(reverse("api-patients")).status_code == 200


# ---------------------------------------------------------------- the listing and revoking


def test_the_owner_sees_their_tokens_with_creation_and_last_use_and_revokes_one(registrar, clinician):
    key, token = token_issue(user=registrar, name="lab sync")
    with_key(key).get(reverse("api-procedures"))
    token_issue(user=clinician, name="someone else's")
    client = login(registrar)
    page = client.get(reverse("api-tokens")).content.decode()
    assert "lab sync" in page and "someone else" not in page and "never" not in page
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 302
    assert with_key(key).get(reverse("api-procedures")).status_code == 401
    assert AuditEvent.objects.filter(actor=registrar, detail__revoked=True, detail__api_token=token.pk).exists()


def test_nobody_revokes_another_users_token_from_their_own_page(registrar, clinician):
    key, token = token_issue(user=clinician)
    assert login(registrar).post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    assert with_key(key).get(reverse("api-procedures")).status_code == 200


def test_an_administrator_lists_every_token_and_revokes_them_in_the_admin(administrator, registrar, clinician):
    key, token = token_issue(user=registrar, name="lab sync")
    other_key, _other = token_issue(user=clinician)
    admin = login(administrator)
    listing = admin.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200 and "lab sync" in listing.content.decode()
    answer = admin.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert answer.status_code == 302
    assert with_key(key).get(reverse("api-procedures")).status_code == 401
    assert with_key(other_key).get(reverse("api-procedures")).status_code == 200
    assert login(registrar).get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


def test_a_patient_keeps_a_token_for_their_own_api(patient_user, patient):
    issued = ask_token(patient_user.username)
    assert issued.status_code == 200
    assert with_key(issued.json()["token"]).get(reverse("api-me-sessions")).status_code == 200


def test_an_inactive_users_token_is_refused(db):
    user = UserFactory(username="leaver", role="registrar")
    key, _token = token_issue(user=user)
    user.is_active = False
    user.save()
    assert with_key(key).get(reverse("api-patients")).status_code == 401
