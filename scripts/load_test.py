"""The load test (issue 22): a clinic's mixed day through nginx on the cluster, one node killed midway.

    python scripts/load_test.py                 # make load-test: 40 s, 12 users (a step of .ci/run)
    python scripts/load_test.py --seconds 180 --users 40   # make bench runs the full one

Starts scripts/cluster.py's deployment (nginx, PgBouncer, 2 gunicorn nodes, 2 Celery workers, one
beat), makes data through the app's services (patients to book, sessions begun today to record,
reminders due now), then runs locust headless (its own venv, .venv-load, from requirements/load.txt)
with registrars, clinicians and patients (scripts/load/locustfile.py). Halfway through, one gunicorn
node is killed with SIGKILL. It prints per operation: requests, failures, p50, p95, p99 and requests
a second, and it asserts:

- no request failed before the kill, and none that was sent after it (nginx takes the dead node out
  and sends idempotent requests, and any request it could not deliver, to the other one); the
  requests in flight on the dead node at the kill may fail: they are counted and printed;
- every reminder that fell due was sent exactly once while both workers were taking batches
  (a local SMTP server counts each Message-ID), and both workers sent some;
- a public page read 60 times at once from one address is answered 20 times at once (and 5 a
  second after) and otherwise refused with 429 by nginx, while the sign-in page right after is not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster import Cluster, say
from fault_servers import Sink

ROOT = Path(__file__).resolve().parent.parent
LOAD_VENV = ROOT / ".venv-load"
REMINDERS = 40
GRACE = 1.0  # seconds after the kill in which a request may still have been on its way to the dead node


def load_venv() -> Path:
    locust = LOAD_VENV / "bin" / "locust"
    digest = hashlib.sha256((ROOT / "requirements" / "load.txt").read_bytes()).hexdigest()[:12]
    stamp = LOAD_VENV / f".installed-{digest}"
    if not stamp.exists():
        say("installing locust into .venv-load (requirements/load.txt)")
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run(
            [
                str(LOAD_VENV / "bin" / "pip"),
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
                str(ROOT / "requirements" / "load.txt"),
            ],
            check=True,
        )
        stamp.touch()
    return locust


def make_data(cluster: Cluster, patients: int, started: int) -> dict:
    answer = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load" / "load_data.py"), str(patients), str(started), str(REMINDERS)],
        env=cluster.direct_env,
        cwd=cluster.run,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if answer.returncode:
        raise RuntimeError(f"load_data.py failed: {answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def quicker_beat(cluster: Cluster) -> None:
    """Beat ticks every 5 s here (a minute when deployed), so the due reminders go at once."""
    import psycopg2

    with psycopg2.connect(cluster.database_url) as db, db.cursor() as cur:
        cur.execute(
            "UPDATE django_celery_beat_intervalschedule SET every = 5, period = 'seconds' WHERE id = "
            "(SELECT interval_id FROM django_celery_beat_periodictask WHERE task = 'scheduling.reminders_tick')"
        )
    db.close()


def reminders_state(cluster: Cluster, sessions: list[int]) -> tuple[int, int]:
    import psycopg2

    with psycopg2.connect(cluster.database_url) as db, db.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'sent') FROM scheduling_dispatch "
            "WHERE session_id = ANY(%s) AND channel = 'email' AND kind = 'before_24h'",
            [sessions],
        )
        due, sent = cur.fetchone()
    db.close()
    return due, sent


def _get(url: str) -> int:
    import ssl
    import urllib.error
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the cluster's self-signed certificate
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def public_burst(cluster: Cluster, count: int = 60) -> tuple[dict[int, int], int]:
    """`count` reads of a public page at once from one address: the answers by status, then the
    status of the sign-in page asked right after (not a public page: not limited)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _n: _get(f"{cluster.url}/reviews/cryomassage-contact/"), range(count)))
    by_status: dict[int, int] = defaultdict(int)
    for status in statuses:
        by_status[status] += 1
    return dict(by_status), _get(f"{cluster.url}/accounts/login/")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(rows: list[dict], seconds: float) -> list[str]:
    by_name = defaultdict(list)
    for row in rows:
        by_name[row["name"]].append(row)
    lines = [f"{'operation':<22}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"]
    for name in sorted(by_name, key=lambda n: -len(by_name[n])):
        items = by_name[name]
        ms = [(r["answered"] - r["sent"]) * 1000 for r in items]
        failed = sum(1 for r in items if not r["ok"])
        lines.append(
            f"{name:<22}{len(items):>9}{failed:>8}{statistics.median(ms):>9.0f}{percentile(ms, 95):>9.0f}"
            f"{percentile(ms, 99):>9.0f}{len(items) / seconds:>8.1f}"
        )
    ms = [(r["answered"] - r["sent"]) * 1000 for r in rows]
    lines.append(
        f"{'all':<22}{len(rows):>9}{sum(1 for r in rows if not r['ok']):>8}{statistics.median(ms):>9.0f}"
        f"{percentile(ms, 95):>9.0f}{percentile(ms, 99):>9.0f}{len(rows) / seconds:>8.1f}"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--users", type=int, default=12)
    args = parser.parse_args()
    locust = load_venv()
    checks: list[tuple[str, bool]] = []
    with Sink() as sink:
        mail = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
        }
        with Cluster(nodes=2, workers=2, extra_env=mail) as cluster:
            data = make_data(cluster, patients=args.users * 6, started=args.users * 4)
            quicker_beat(cluster)
            work = cluster.run
            (work / "load-data.json").write_text(json.dumps(data))
            log = work / "requests.jsonl"
            env = {**cluster.direct_env, "LOAD_DATA": str(work / "load-data.json"), "LOAD_LOG": str(log)}
            command = [
                str(locust),
                "-f",
                str(ROOT / "scripts" / "load" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 4)),
                "-t",
                f"{args.seconds}s",
                "--host",
                cluster.url,
                "--only-summary",
                "--stop-timeout",
                "5",
            ]
            say(f"locust: {args.users} users for {args.seconds} s against {cluster.url}")
            began = time.time()
            runner = subprocess.Popen(
                command, env=env, cwd=work, stdout=(work / "locust.log").open("w"), stderr=subprocess.STDOUT
            )
            killed = threading.Event()
            kill_at: list[float] = []

            def kill_midway():
                time.sleep(args.seconds / 2)
                kill_at.append(time.time())
                cluster.kill_node(1)
                killed.set()
                say("web node 1 killed with SIGKILL")

            threading.Thread(target=kill_midway, daemon=True).start()
            runner.wait(args.seconds + 60)
            ran = time.time() - began
            due, sent = reminders_state(cluster, data["reminders"])
            until = time.time() + 60
            while (due < REMINDERS or sent < due) and time.time() < until:
                time.sleep(1)
                due, sent = reminders_state(cluster, data["reminders"])
            workers = {n: (work / f"worker{n}.log").read_text().count("send_dispatches") for n in (1, 2)}
            burst, unlimited = public_burst(cluster)
            say(f"a public page read 60 times at once: {burst}; the sign-in page right after: {unlimited}")
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    kill = kill_at[0] if kill_at else float("inf")
    before = [r for r in rows if r["answered"] < kill and not r["ok"]]
    in_flight = [r for r in rows if r["sent"] <= kill + GRACE and r["answered"] >= kill and not r["ok"]]
    after = [r for r in rows if r["sent"] > kill + GRACE and not r["ok"]]
    print("\n".join(table(rows, ran)))
    say(
        f"killed web node 1 at {kill - began:.1f} s; failed: {len(before)} before, {len(in_flight)} in flight, "
        f"{len(after)} after"
    )
    for r in before + in_flight + after:
        print(f"  failed: {r['name']} {r['status']} sent at {r['sent'] - began:.2f} s")
    duplicates = {mid: n for mid, n in sink.ids.items() if n > 1}
    checks += [
        ("locust ran and exited", runner.returncode is not None),
        ("requests were made", len(rows) > args.users * 10),
        ("node 1 was killed midway", killed.is_set()),
        ("no failure before the kill", not before),
        ("no failure among requests sent after the kill", not after),
        (f"every due reminder sent ({sent} of {due} due, {REMINDERS} made)", due == REMINDERS and sent == due),
        (
            f"each received exactly once ({sum(sink.ids.values())} messages, duplicates {duplicates})",
            not duplicates and sum(sink.ids.values()) >= sent,
        ),
        (f"both workers sent reminders (batches per worker: {workers})", all(workers.values())),
        (
            f"a public page read too fast from one address is refused with 429 past its burst ({burst})",
            # 20 at once, plus the 5 a second that come back while the burst is answered
            burst.get(429, 0) >= 10 and burst.get(200, 0) >= 20 and set(burst) <= {200, 429},
        ),
        (f"the sign-in page right after it is not limited ({unlimited})", unlimited == 200),
    ]
    for name, ok in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    if not all(ok for _, ok in checks):
        print(f"logs: {work}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
