"""Redis or PostgreSQL away: every degraded path answers as README's table says (issue 16).

Redis is made unreachable by pointing the cache (and, where the test says so, the broker) at a
port where nothing listens; PostgreSQL by pointing the connection at one, after the test's data is
written. scripts/fault_test.py does the real thing: stops Redis and restarts PostgreSQL under load.
"""

import datetime
import socket
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import group_names
from core.cache import CacheUnavailable, DegradingRedisCache
from scheduling.models import BookingRequest, Course

from ..conftest import login
from ..scheduling.conftest import clinic, eligible_patient, next_weekday  # noqa: F401  (fixtures)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is: nothing listens there


@pytest.fixture
def redis_down(settings):
    """The cache points at a port where nothing listens (the settings are put back afterwards)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}
    yield


@pytest.fixture
def broker_down(settings):
    from clinic.celery import app

    settings.PORTAL_LINK_DELIVERY = "celery"
    settings.WAITLIST_OFFER_DELIVERY = "celery"
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    saved = app.conf.broker_url, app.conf.result_backend, app._pool, app.amqp._producer_pool
    # The broker and the result store are the same Redis: both go (a task sent while the result
    # store is away held the request ~20 s in its reconnects unless it asked for no result).
    app.conf.broker_url = app.conf.result_backend = dead
    app._pool = app.amqp._producer_pool = None  # new connections, to the dead port
    app._local.__dict__.pop("backend", None)
    yield
    app.conf.broker_url, app.conf.result_backend, app._pool, app.amqp._producer_pool = saved
    app._local.__dict__.pop("backend", None)


# ---------------------------------------------------------------- Redis unreachable


def test_a_signed_in_user_stays_signed_in_and_sees_pages_with_redis_unreachable(registrar, patient, settings):
    client = login(registrar)  # signed in while Redis answers: the session is in the database too
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}
    started = time.monotonic()
    answer = client.get("/patients/")
    assert answer.status_code == 200 and patient.full_name in answer.content.decode()
    assert time.monotonic() - started < 2
    assert group_names(registrar) == frozenset({"registrar"})  # read from the database


def test_signing_in_works_with_redis_unreachable(registrar, redis_down):
    client = login(registrar)
    assert client.get("/patients/").status_code == 200


def test_a_course_booked_through_the_api_with_redis_unreachable_answers_201_in_under_2_s(
    registrar,
    clinic,  # noqa: F811  (the fixture imported above)
    eligible_patient,  # noqa: F811
    location,
    redis_down,
):
    client = APIClient()
    client.force_authenticate(registrar)
    preview = client.post(
        "/api/v1/courses/preview/",
        {
            "patient": eligible_patient.pk,
            "procedure": "cryomassage-contact",
            "location": location.pk,
            "count": 10,
            "first_day": next_weekday(0, location.tz).isoformat(),
            "preferred_time": "10:00",
        },
        format="json",
    ).json()
    body = {
        "patient": eligible_patient.pk,
        "procedure": "cryomassage-contact",
        "location": location.pk,
        "sessions": [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview["sessions"]],
    }
    started = time.monotonic()
    created = client.post("/api/v1/courses/", body, format="json")
    elapsed = time.monotonic() - started
    assert created.status_code == 201, created.content
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert Course.objects.get().sessions.count() == 10


def test_the_public_request_form_takes_requests_and_still_counts_with_redis_unreachable(
    db, client, redis_down, settings
):
    settings.PUBLIC_REQUESTS_PER_IP_PER_HOUR = 2
    body = {"name": "Ivan", "phone": "+79161112233", "preferred_time": "evenings", "privacy_consent": "on"}
    answers = [client.post("/request/", body).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # counted in PostgreSQL: the limit holds without Redis
    assert BookingRequest.objects.count() == 2


def test_the_public_request_api_shares_the_pages_limit_with_redis_unreachable(db, client, redis_down, settings):
    settings.PUBLIC_REQUESTS_PER_IP_PER_HOUR = 2
    client.post("/request/", {"name": "Ivan", "phone": "+79161112233", "privacy_consent": "on"})
    api = APIClient()
    first = api.post("/api/v1/booking-requests/", {"name": "Ivan", "phone": "+79161112233"}, format="json")
    second = api.post("/api/v1/booking-requests/", {"name": "Ivan", "phone": "+79161112233"}, format="json")
    assert (first.status_code, second.status_code) == (202, 429)
    assert second.json()["error"]["code"] == "throttled" and BookingRequest.objects.count() == 2


def test_the_sign_in_link_limit_still_counts_with_redis_unreachable(patient, redis_down, settings):
    settings.PORTAL_LINKS_PER_CONTACT = 2
    answers = [
        Client().post("/portal/sign-in/", {"contact": "+7 916 123-45-67"}, REMOTE_ADDR=f"10.9.0.{n}").status_code
        for n in range(3)
    ]
    assert answers == [200, 200, 429]  # counted in PostgreSQL: neither open nor closed
    assert len(mail.outbox) == 0  # the patient has no email: the links went by SMS (console)


def test_the_sign_in_link_is_sent_within_the_request_when_the_broker_is_down(
    patient, broker_down, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "core.sms.FileBackend", str(tmp_path / "sms.jsonl")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post("/portal/sign-in/", {"contact": "+7 916 123-45-67"}, REMOTE_ADDR="10.9.1.1")
    assert answer.status_code == 200
    assert time.monotonic() - started < 5
    assert len((tmp_path / "sms.jsonl").read_text().splitlines()) == 1


# ---------------------------------------------------------------- the degrading cache itself


def _backend(location: str) -> DegradingRedisCache:
    return DegradingRedisCache(
        location, {"KEY_PREFIX": "outage-test", "RETRY_SECONDS": 0, "OPTIONS": {"socket_connect_timeout": 0.25}}
    )


def test_a_dead_redis_reads_as_a_miss_and_a_counter_is_refused(settings):
    dead = _backend(f"redis://127.0.0.1:{_closed_port()}/0")
    dead.set("k", 1)
    assert dead.get("k", "missing") == "missing" and dead.add("k", 1) is False and dead.get_many(["k"]) == {}
    with pytest.raises(CacheUnavailable):
        dead.incr("k")


def test_a_key_written_while_redis_was_away_is_forgotten_when_it_answers_again(settings):
    """A session signed out (or a role taken away) during an outage must not come back with Redis."""
    from django.core.cache.backends.redis import RedisCacheClient

    live = _backend(settings.REDIS_URL)
    live.set("signed-in", "old session")
    real = live._cache
    live.__dict__["_cache"] = RedisCacheClient([f"redis://127.0.0.1:{_closed_port()}/0"], socket_connect_timeout=0.25)
    live.delete("signed-in")  # fails: Redis is "away"
    live.__dict__["_cache"] = real  # Redis answers again, with its old data
    assert live.get("signed-in") is None
    assert real.get(live.make_and_validate_key("signed-in"), None) is None


def test_after_a_failure_redis_is_not_tried_again_for_a_while():
    dead = DegradingRedisCache(f"redis://127.0.0.1:{_closed_port()}/0", {"RETRY_SECONDS": 60})
    dead.get("k")
    assert not dead.available
    started = time.monotonic()
    for _ in range(100):
        dead.get("k")
    assert time.monotonic() - started < 0.05


# ---------------------------------------------------------------- PostgreSQL unreachable


@pytest.fixture
def database_down():
    """From here on the connection points at a port where nothing listens; put back afterwards."""

    def cut():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))

    saved = {k: connection.settings_dict[k] for k in ("HOST", "PORT")}
    yield cut
    connection.close()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_page_answers_the_503_page_when_the_database_is_down(registrar, database_down):
    client = login(registrar)
    client.raise_request_exception = False  # as a real server: the error becomes a page
    database_down()
    response = client.get("/patients/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Briefly unavailable" in body and "Traceback" not in body and "OperationalError" not in body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_view_that_meets_the_outage_answers_503_not_500(database_down):
    database_down()
    response = Client().get("/request/")  # anonymous: the form's choices are read by the view
    assert response.status_code == 503 and "Briefly unavailable" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_answers_json_503_when_the_database_is_down(registrar, database_down):
    from accounts.tokens import token_issue

    key = token_issue(user=registrar)[0]
    database_down()
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


# ---------------------------------------------------------------- health endpoints


def test_healthz_answers_ok_without_a_login_or_a_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.head("/healthz").status_code == 200  # load balancers often probe with HEAD
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_readyz_reports_the_database_and_redis_and_nothing_else(db, client):
    cache.set("warm", 1)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_readyz_stays_ready_without_redis(db, client, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["redis"] == "unavailable"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_is_not_ready_without_the_database(database_down):
    database_down()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "ok"}


def test_health_endpoints_are_not_redirected_to_https_in_production(settings, client, db):
    from clinic.settings import production

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = production.SECURE_REDIRECT_EXEMPT
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_moving_a_session_answers_at_once_with_the_broker_down(
    registrar,
    clinic,  # noqa: F811  (the fixture imported above)
    eligible_patient,  # noqa: F811
    cryo,
    location,
    broker_down,
    django_capture_on_commit_callbacks,
):
    """The move frees a time for the waiting list: its task cannot be queued, so the offers are made
    within the request, and the request does not wait for the dead Redis."""
    from scheduling.services import session_move

    from ..scheduling.conftest import book_course

    course = book_course(registrar, eligible_patient, cryo, location)
    session = course.sessions.order_by("start").last()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        session_move(actor=registrar, session=session, new_start=session.start + datetime.timedelta(hours=1))
    assert time.monotonic() - started < 5


def test_a_payment_taken_with_the_broker_down_is_recorded_and_its_receipt_waits_for_the_sweep(
    registrar, patient, cryo, clinician, broker_down, django_capture_on_commit_callbacks
):
    from billing.models import Receipt
    from billing.services import payment_take

    from ..billing.conftest import make_course

    course = make_course(registrar, patient, cryo, clinician=clinician)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        payment = payment_take(
            actor=registrar,
            course=course,
            amount=Decimal("1000.00"),
            method="cash",
            idempotency_key="outage-test-0000001",
        )
    assert time.monotonic() - started < 5
    assert Receipt.objects.get(payment=payment).status == "pending"
