import json
import os
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL of the database this test run uses, for processes the tests start."""
    s = connection.settings_dict
    user = quote(s["USER"] or "postgres")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    if (s["HOST"] or "").startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={s['HOST']}"
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def celery_worker(*, queue: str | None = None, extra_env: dict | None = None):
    """A real Celery worker process against the test database and the real Redis."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "clinic.settings.test",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "clinic",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, queue
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def page_queries(client, url) -> int:
    """Queries a page runs, leaving out the test's savepoints and the session row's own upkeep."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"] and "django_session" not in q["sql"]])


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self, delay: float = 0.0, delay_rcpt: float = 0.0):
        self.raw = []  # as received; parsed only when a test reads .messages, so the sink stays cheap
        self._parsed = []
        self.delay = delay
        self.delay_rcpt = delay_rcpt  # holds the client before the message is handed over
        self.port = free_port()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.delay_rcpt:
            await asyncio.sleep(self.delay_rcpt)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        self.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        import email

        while len(self._parsed) < len(self.raw):
            self._parsed.append(email.message_from_bytes(self.raw[len(self._parsed)]))
        return self._parsed

    def __enter__(self):
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class JsonApiServer:
    """A local HTTP server standing in for a provider's JSON API outside the machine (an SMS gateway,
    a cloud cash register, a payment provider). Each POST's JSON body goes to `respond`, under a lock;
    `requests` keeps them all."""

    path = "/"

    def __init__(self):
        self.requests = []
        self.port = free_port()
        self._lock = threading.Lock()

    def respond(self, body: dict, headers) -> tuple[int, dict | None]:
        raise NotImplementedError

    def before_answer(self) -> None:
        """Runs outside the lock, after `respond` and before the answer leaves (to hold it back)."""

    def __enter__(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with api._lock:
                    api.requests.append({"body": body, "headers": dict(self.headers)})
                    status, answer = api.respond(body, self.headers)
                api.before_answer()
                data = b"" if answer is None else json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class SmsGateway(JsonApiServer):
    """The SMS provider's internet API: 503 for the first `failures` messages, then an id for each."""

    path = "/messages"

    def __init__(self, failures: int = 0):
        super().__init__()
        self.failures = failures
        self.received = []

    def respond(self, body, headers):
        if self.failures > 0:
            self.failures -= 1
            return 503, None
        self.received.append({"body": body, "auth": headers.get("Authorization")})
        return 200, {"id": f"gw-{len(self.received)}"}


# Year 1 typed in Moscow (local mean time then: +2:30:17) is a BC time in UTC, as the old ice-test form stored it.
ODD_MOMENT_SQL = "'0001-01-01 00:00:00+02:30:17'::timestamptz"


@contextmanager
def constraint_not_valid(model, name: str):
    """The table as a database that held rows breaking `name` is left by the migration: the
    constraint NOT VALID (old rows may break it; new ones are checked). Rows written inside
    the block are the rows stored before the constraint existed."""
    constraint = next((c for c in model._meta.constraints if c.name == name), None)
    if constraint is None:  # a database from before the constraint (the tests run on the old code too)
        yield
        return
    with connection.schema_editor(atomic=False) as editor:
        editor.remove_constraint(model, constraint)
    yield
    with connection.schema_editor(atomic=False) as editor:
        # ALTER TABLE refuses a table with deferred checks pending (the new row's foreign keys): run them now.
        editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        editor.execute(str(constraint.create_sql(model, editor)) + " NOT VALID")
        editor.execute("SET CONSTRAINTS ALL DEFERRED")  # every deferrable constraint of ours is initially deferred


def store_odd_ice_test(*, patient, signed_by, failed: bool = True) -> int:
    """An ice test whose time is a BC date, stored the way the old form did; returns its id."""
    from procedures.models import IceTest

    with constraint_not_valid(IceTest, "icetest_performed_at_plausible"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procedures_icetest (chain, version, amendment_reason, patient_id, signed_by_id, signed_at,"
            " performed_at, area, exposure_seconds, discomfort, redness, itching, other_reaction, passed)"
            f" VALUES (%s, 1, '', %s, %s, now(), {ODD_MOMENT_SQL}, 'nape', 10, false, %s, false, '', %s) RETURNING id",
            [uuid.uuid4(), patient.pk, signed_by.pk, failed, not failed],
        )
        return cursor.fetchone()[0]


def store_odd_screening(*, patient, signed_by, procedure) -> int:
    """A signed screening (nothing present) whose time is a BC date; returns its id."""
    from procedures.models import Screening

    with constraint_not_valid(Screening, "screening_examined_at_plausible"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procedures_screening (chain, version, amendment_reason, patient_id, signed_by_id, signed_at,"
            " examined_at, complaints, scalp_notes, fitzpatrick, cleared)"
            f" VALUES (%s, 1, '', %s, %s, now(), {ODD_MOMENT_SQL}, '', '', 2, true) RETURNING id",
            [uuid.uuid4(), patient.pk, signed_by.pk],
        )
        pk = cursor.fetchone()[0]
    Screening.procedures.through.objects.create(screening_id=pk, procedure_id=procedure.pk)
    return pk
