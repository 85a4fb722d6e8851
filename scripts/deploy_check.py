"""Deploy the app the way README's Deployment section says, then use it over HTTP as every role.

    python scripts/deploy_check.py            # needs DATABASE_URL / REDIS_URL (make deploy-check fills them)

Under clinic.settings.production, with a fresh database (clinic_deploycheck, on DATABASE_URL's
server) and a Redis database of its own (DEPLOY_CHECK_REDIS_DB, 14): collectstatic, migrate, the
demo users, gunicorn on a free loopback port, a Celery worker and beat. Then it signs in as the
administrator (with a recovery code), a registrar, a clinician and a patient, opens each role's
main pages and the pages they link to, fetches every static file those pages name by its hashed
name, pings the worker and waits for beat's first tick to run on it. Any 5xx, a missing page, a
dead process or a step over its time fails the check. Every process it started is stopped, and
the database dropped, whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from deploy_http import Browser, CheckFailed  # beside this file, which Python puts on sys.path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATABASE = "clinic_deploycheck"
STARTED = time.monotonic()
DEADLINE = STARTED + 170  # the whole check, processes included, stays under three minutes
PASSWORD = "demo-pass-2026"  # seed_demo's
RECOVERY_CODE = "demo2fa01"  # seed_demo's first recovery code for admin
# Each role: its login, where it lands, and the pages it must reach (the records' pages are added
# once their ids are known: _record_pages).
ROLES = [
    (
        "administrator",
        "admin",
        "/admin/",
        ["/admin/", "/procedures/", "/patients/data-protection/", "/api/v1/docs/", "/accounts/2fa/setup/"],
    ),
    (
        "registrar",
        "registrar",
        "/patients/",
        [
            "/patients/",
            "/scheduling/calendar/",
            "/scheduling/free-slots/",
            "/scheduling/requests/",
            "/scheduling/closures/",
            "/procedures/",
            "/api/v1/docs/",
        ],
    ),
    (
        "clinician",
        "doctor",
        "/scheduling/worklist/",
        [
            "/patients/",
            "/scheduling/worklist/",
            "/scheduling/calendar/",
            "/scheduling/free-slots/",
            "/procedures/",
            "/api/v1/docs/",
        ],
    ),
    ("patient", "patient", "/portal/", ["/portal/", "/portal/calendar/"]),
]
PAGES_PER_ROLE = 60
OWNER = "owner"  # made by README's `createsuperuser`, non-interactively
OWNER_PASSWORD = secrets.token_urlsafe(16)
NODE = "deploycheck@localhost"  # named, so `celery inspect -d` returns as soon as it answers


NAME = "deploy-check"  # scripts/api_fuzz.py says its own


def say(message: str) -> None:
    print(f"[{NAME} {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def over_time(signum, frame):
    raise CheckFailed("the check ran over two minutes")


def main() -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGALRM, over_time)
    signal.alarm(int(DEADLINE - time.monotonic()) + 5)  # whatever hangs, the cleanup below still runs
    server_url, redis_url = targets(DATABASE, os.environ.get("DEPLOY_CHECK_REDIS_DB", "14"))
    work = Path(tempfile.mkdtemp(prefix="deploy-check-"))
    env = environment(server_url, redis_url, work)
    procs: dict[str, subprocess.Popen] = {}
    rows: list[tuple] = []
    ok = False
    try:
        reset(server_url, redis_url)
        prepare(env, work)
        port = free_port()
        procs = start(env, work, port)
        wait_for_web(port, procs)
        rows += _use_the_site(port, _record_pages(env["DATABASE_URL"]))
        say("pages done")
        rows += _celery_checks(env, work, procs)
        say("celery done")
        failures = [row for row in rows if not row[-1]]
        ok = not failures
    except CheckFailed as exc:
        say(f"FAILED: {exc}")
    except KeyboardInterrupt:
        say("interrupted")
    finally:
        signal.alarm(0)
        stop(procs)
        say("stopped every process")
        report(rows, work, procs, ok)
        drop(server_url, redis_url)
    return 0 if ok else 1


# --- the environment --------------------------------------------------------------------------


def targets(database: str, redis_db: str) -> tuple[str, str]:
    """A scratch database on DATABASE_URL's server, and a database number of our own on REDIS_URL's."""
    database_url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    server = urlunsplit(urlsplit(database_url)._replace(path=f"/{database}"))
    return server, urlunsplit(urlsplit(redis_url)._replace(path=f"/{redis_db}"))


def environment(database_url: str, redis_url: str, work: Path) -> dict[str, str]:
    """README's variables and nothing else of the caller's settings."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"}}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "clinic.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_STATIC_ROOT": str(work / "staticfiles"),
        # Nothing leaves the machine: reminders the beat tick may find go to the worker's log.
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SMS_BACKEND": "core.sms.ConsoleBackend",
    }


def _admin_connection(database_url: str):
    import psycopg2

    parts = urlsplit(database_url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn


def reset(database_url: str, redis_url: str) -> None:
    import redis

    name = urlsplit(database_url).path.lstrip("/")
    conn = _admin_connection(database_url)
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    redis.Redis.from_url(redis_url).flushdb()


def drop(database_url: str, redis_url: str) -> None:
    import redis

    try:
        conn = _admin_connection(database_url)
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{urlsplit(database_url).path.lstrip("/")}" WITH (FORCE)')
        conn.close()
        redis.Redis.from_url(redis_url).flushdb()
    except Exception as exc:  # the verdict is already printed; say what was left behind
        say(f"could not clean up the scratch database or Redis: {exc}")


# --- deploying --------------------------------------------------------------------------------


def _run(env: dict, work: Path, name: str, command: list[str], timeout: float = 40) -> None:
    started = time.monotonic()
    timeout = min(timeout, DEADLINE - started)
    log = work / f"{name}.log"
    with log.open("w") as out:
        try:
            code = subprocess.call(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"{name} took over {timeout:.0f} s; see {log}") from None
    say(f"{' '.join(command[1:])}: exit {code} in {time.monotonic() - started:.1f} s")
    if code:
        print(log.read_text()[-3000:])
        raise CheckFailed(f"{name} failed (exit {code})")


def prepare(env: dict, work: Path, timeout: float = 90) -> None:
    # collectstatic compresses every file with brotli: 10-40 s here when idle, over a minute when busy.
    manage = [PY, str(ROOT / "manage.py")]
    _run(env, work, "collectstatic", [*manage, "collectstatic", "--noinput"], timeout)
    _run(env, work, "migrate", [*manage, "migrate", "--noinput"], timeout)
    # seed_demo refuses DEBUG off (its passwords are known); it runs under the laptop settings
    # against this scratch database, which is dropped at the end. Everything served is production.
    _run({**env, "DJANGO_SETTINGS_MODULE": "clinic.settings.local"}, work, "seed_demo", [*manage, "seed_demo"], timeout)
    owner = {"DJANGO_SUPERUSER_USERNAME": OWNER, "DJANGO_SUPERUSER_EMAIL": "owner@clinic.example"}
    owner["DJANGO_SUPERUSER_PASSWORD"] = OWNER_PASSWORD
    _run({**env, **owner}, work, "createsuperuser", [*manage, "createsuperuser", "--noinput"])
    # Beat's every-minute tick is made due now, so the check sees it reach the worker at once.
    import psycopg2

    with psycopg2.connect(env["DATABASE_URL"]) as db, db.cursor() as cur:
        cur.execute(
            "UPDATE django_celery_beat_periodictask SET last_run_at = now() - interval '10 minutes' "
            "WHERE task = 'scheduling.reminders_tick'"
        )
        if cur.rowcount != 1:
            raise CheckFailed("the reminders tick is not registered with beat (migration scheduling 0005)")


def prepare_api(env: dict, work: Path, timeout: float = 90) -> None:
    """prepare() less collectstatic, the superuser and beat: what the API's checks need (the API
    serves no static file; its errors are JSON, not templates)."""
    manage = [PY, str(ROOT / "manage.py")]
    _run(env, work, "migrate", [*manage, "migrate", "--noinput"], timeout)
    _run({**env, "DJANGO_SETTINGS_MODULE": "clinic.settings.local"}, work, "seed_demo", [*manage, "seed_demo"], timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(env: dict, work: Path, port: int, names=("gunicorn", "worker", "beat")) -> dict[str, subprocess.Popen]:
    celery = [PY, "-m", "celery", "-A", "clinic"]
    commands = {
        "gunicorn": [PY, "-m", "gunicorn", "clinic.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        "worker": [*celery, "worker", "--concurrency", "1", "--loglevel", "INFO", "-n", NODE],
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(work / "celerybeat-schedule")],
    }
    procs = {}
    for name in names:
        command = commands[name]
        out = (work / f"{name}.log").open("w")
        procs[name] = subprocess.Popen(
            command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        say(f"started {name} (pid {procs[name].pid}): {' '.join(command[1:])}")
    return procs


def wait_for_web(port: int, procs: dict) -> None:
    while time.monotonic() < DEADLINE:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise CheckFailed(f"{name} exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise CheckFailed("gunicorn did not listen in time")


def stop(procs: dict) -> None:
    """SIGTERM each process group we started (gunicorn's and the worker's children too), then SIGKILL."""
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


# --- using it ---------------------------------------------------------------------------------


def _record_pages(database_url: str) -> dict[str, list[str]]:
    """The pages of the demo patient's records (seed_demo gives her a screening, ice test and course)."""
    import psycopg2

    query = """
        SELECT p.id, (SELECT max(id) FROM scheduling_course WHERE patient_id = p.id),
               (SELECT max(id) FROM procedures_screening WHERE patient_id = p.id),
               (SELECT max(id) FROM procedures_icetest WHERE patient_id = p.id)
        FROM patients_patient p JOIN accounts_user u ON u.id = p.user_id WHERE u.username = 'patient'
    """
    with psycopg2.connect(database_url) as db, db.cursor() as cur:
        cur.execute(query)
        row = cur.fetchone()
    if row is None or None in row:
        raise CheckFailed(f"seed_demo left the demo patient without a course, screening or ice test: {row}")
    patient, course, screening, ice_test = row
    staff = [f"/patients/{patient}/", f"/scheduling/courses/{course}/", f"/scheduling/courses/{course}/print/"]
    return {
        "registrar": staff,
        "clinician": [*staff, f"/procedures/screenings/{screening}/", f"/procedures/ice-tests/{ice_test}/"],
        "administrator": [f"/patients/{patient}/export.json"],
    }


def _use_the_site(port: int, records: dict[str, list[str]]) -> list[tuple]:
    anonymous = Browser(port, "anonymous")
    anonymous.expect_https_redirect()
    anonymous.visit("/accounts/login/", required=True)
    anonymous.visit("/request/", required=True)
    rows = list(anonymous.rows)
    statics: set[str] = set(anonymous.static_refs)
    for role, username, landing, required in ROLES:
        browser = Browser(port, role)
        if browser.sign_in(username, PASSWORD, landing, RECOVERY_CODE if role == "administrator" else None):
            pages = [*required, *records.get(role, [])]
            browser.crawl(landing, pages, limit=PAGES_PER_ROLE, deadline=DEADLINE - 30)
        rows += browser.rows
        statics |= browser.static_refs
    owner = Browser(port, "superuser")  # README's createsuperuser: must set up a second factor first
    owner.sign_in(OWNER, OWNER_PASSWORD, "/accounts/2fa/setup/", None)
    rows += owner.rows
    rows += anonymous.fetch_statics(sorted(statics))
    return rows


def _celery(env: dict, work: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "celery", "-A", "clinic", *args], cwd=work, env=env, capture_output=True, text=True, timeout=20
    )


def _celery_checks(env: dict, work: Path, procs: dict) -> list[tuple]:
    ping = _celery(env, work, "inspect", "ping", "-d", NODE, "--timeout", "10")
    answer = "ok" if ping.returncode == 0 else (ping.stdout + ping.stderr).strip()[-60:]
    rows = [("worker", "ping", f"celery inspect ping -d {NODE}", answer, "", ping.returncode == 0)]
    ran = 0
    while time.monotonic() < DEADLINE - 8:
        stats = _celery(env, work, "inspect", "stats", "-d", NODE, "--json", "--timeout", "10")
        if stats.returncode == 0:
            replies = json.loads(stats.stdout)
            ran = sum(reply.get("total", {}).get("scheduling.reminders_tick", 0) for reply in replies.values())
            if ran:
                break
        time.sleep(2)
    rows.append(("beat", "tick", "scheduling.reminders_tick sent and run", f"{ran} run(s)", "", ran > 0))
    for name, proc in procs.items():
        alive = proc.poll() is None
        rows.append((name, "alive", f"pid {proc.pid}", "yes" if alive else f"exit {proc.returncode}", "", alive))
    return rows


def report(rows: list[tuple], work: Path, procs: dict, ok: bool) -> None:
    print(f"\n{'who':<14} {'what':<7} {'path':<58} {'answer':<24} {'ms':>5}")
    for who, method, path, status, ms, good in rows:
        mark = "" if good else "   <-- FAIL"
        print(f"{who:<14} {method:<7} {path[:58]:<58} {str(status)[:24]:<24} {ms!s:>5}{mark}")
    pages = sum(1 for row in rows if row[1] == "GET")
    print(f"\n{len(rows)} checks, {pages} GETs, {sum(not row[-1] for row in rows)} failed")
    if ok:
        shutil.rmtree(work, ignore_errors=True)
        say("PASSED")
        return
    for name in procs:
        print(f"\n--- {name}.log ---\n{errors_or_tail((work / f'{name}.log').read_text())}")
    say(f"FAILED (logs in {work})")


def errors_or_tail(log: str) -> str:
    """Every logged error with its traceback (Django logs each 500's), else the last lines."""
    blocks = re.findall(r"^(?:Internal Server Error|\[[^]]*ERROR|Traceback).*?(?=^\[|\Z)", log, re.M | re.S)
    return "".join(blocks)[:8000] if blocks else log[-2500:]


if __name__ == "__main__":
    sys.exit(main())
