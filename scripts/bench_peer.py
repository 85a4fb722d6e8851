"""Side by side with the nearest Django peer, django-appointment 3.12.0, on the same PostgreSQL in one run.

    make bench-peer       # or: python scripts/devenv.py exec -- python scripts/bench_peer.py

The peer's host project and benchmark are read at run time from PEER_DIR (default: the first of
../shared/peers/django-appointment beside this checkout and /work/shared/peers/django-appointment);
nothing of the peer is kept in this repository. The peer is installed from PyPI, pinned by its
requirements.txt, into a venv of its own (.venv-peer, python3.11), seeded into a scratch database
(clinic_peer_bench) on DATABASE_URL's server, and benchmarked by its own bench.py. Then this app's
comparable jobs run on the bench data of scripts/bench.py (built once, 1M sessions), and one table
prints both: queries, median ms and the median as a multiple of each one's trivial request.

    python scripts/bench_peer.py --runs 30 --peer-heavy-runs 5    # the defaults
    python scripts/bench_peer.py --skip-peer    # ours only (the peer's last figures are in its README)
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
PEER_DB = "clinic_peer_bench"
PEER_VENV = ROOT / ".venv-peer"
PEER_PYTHON = os.environ.get("PEER_PYTHON", "python3.11")
# The peer's jobs that have a counterpart here (bench.py keys); the floor always runs.
PEER_OPS = "a1,a4,b1,c"


def peer_dir() -> Path:
    candidates = [ROOT.parent / "shared/peers/django-appointment", Path("/work/shared/peers/django-appointment")]
    if os.environ.get("PEER_DIR"):
        candidates = [Path(os.environ["PEER_DIR"]).resolve()]
    for candidate in candidates:
        if (candidate / "host" / "bench.py").exists() and (candidate / "requirements.txt").exists():
            return candidate
    raise SystemExit("[bench-peer] the peer's host project was not found: set PEER_DIR to its folder")


def peer_venv(requirements: Path) -> Path:
    """.venv-peer with exactly the peer's pinned requirements (reinstalled when they change)."""
    stamp = PEER_VENV / f".installed-{hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]}"
    python = PEER_VENV / "bin" / "python"
    if not stamp.exists():
        if not python.exists():
            print(f"[bench-peer] creating {PEER_VENV.name} with {PEER_PYTHON}", flush=True)
            subprocess.run([PEER_PYTHON, "-m", "venv", str(PEER_VENV)], check=True)
        print(f"[bench-peer] installing {requirements}", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)],
            check=True,
        )
        for old in PEER_VENV.glob(".installed-*"):
            old.unlink()
        stamp.touch()
    return python


def scratch_database(url: str) -> str:
    """A fresh database for the peer beside DATABASE_URL's (its seed flushes it anyway)."""
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {PEER_DB}")
        cur.execute(f"CREATE DATABASE {PEER_DB}")
    conn.close()
    return urlunsplit(parts._replace(path=f"/{PEER_DB}"))


def drop_scratch_database(url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {PEER_DB}")
    conn.close()


def run_peer(args, database_url: str) -> dict:
    """Seed the peer and run its own bench.py; its raw figures (bench.py --json)."""
    folder = peer_dir()
    python = peer_venv(folder / "requirements.txt")
    host = folder / "host"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env["DATABASE_URL"] = scratch_database(database_url)
    print(f"[bench-peer] peer: {folder} (seed.py, then bench.py --only {PEER_OPS})", flush=True)
    started = time.perf_counter()
    subprocess.run([str(python), "seed.py"], cwd=host, env=env, check=True)
    out = Path(tempfile.gettempdir()) / f"bench-peer-{os.getpid()}.json"
    log = Path(tempfile.gettempdir()) / f"bench-peer-{os.getpid()}.log"
    with log.open("w") as fh:
        subprocess.run(
            [
                str(python),
                "bench.py",
                "--only",
                PEER_OPS,
                "--runs",
                str(args.runs),
                "--heavy-runs",
                str(args.peer_heavy_runs),
                "--json",
                str(out),
            ],
            cwd=host,
            env=env,
            check=True,
            stdout=fh,
        )
    data = json.loads(out.read_text())
    out.unlink()
    data["log"] = str(log)
    print(f"[bench-peer] peer done in {time.perf_counter() - started:.0f} s (its own table: {log})", flush=True)
    if not args.keep_peer_db:
        drop_scratch_database(database_url)
    return data


def _warm_timed(fn, runs: int, warm: int = 3):
    import bench

    for i in range(warm):
        fn(i)
    return bench.timed(fn, runs)


def run_ours(args) -> dict:
    """This app's comparable jobs on scripts/bench.py's data (built there once): {job: (queries, median ms)}."""
    import bench

    bench.use_bench_database()
    bench.setup_django()
    bench.build()
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import Location, User
    from scheduling.models import Session

    print(f"[bench-peer] ours: {Session.objects.count():,} sessions in the table", flush=True)
    results = {}
    _, trivial, _ = bench.bench_trivial()
    results["floor"] = (1, trivial)
    location = Location.objects.get(name="Bench 0")
    day = bench.first_day() + datetime.timedelta(days=10)
    # bench_calendar makes the registrar; its day grid is "a day's list".
    sessions, (q, med, _) = bench.bench_calendar()
    results["day"] = (q, med, f"day grid of a location, {sessions} sessions")
    registrar = User.objects.get(username="bench_registrar")
    doctor = User.objects.filter(username__startswith="bench_doc_", locations=location).order_by("username").first()
    doctor.groups.add(Group.objects.get(name="clinician"))
    as_doctor, as_registrar = Client(), Client()
    as_doctor.force_login(doctor)
    as_registrar.force_login(registrar)
    with override_settings(**bench.PRODUCTION_LIKE):
        url = f"/scheduling/worklist/?date={day.isoformat()}"
        assert as_doctor.get(url).status_code == 200
        q, med, _ = _warm_timed(lambda i: as_doctor.get(url), args.runs)
        n = Session.objects.on_local_day(day, location.tz).filter(clinician=doctor).count()
        results["clinician"] = (q, med, f"a clinician's day (worklist, {n} sessions)")
        url = f"/scheduling/calendar/?location={location.pk}&date={day.isoformat()}&view=week"
        assert as_registrar.get(url).status_code == 200
        q, med, _ = _warm_timed(lambda i: as_registrar.get(url), max(5, args.runs // 3))
        results["week"] = (q, med, "the location's week grid (10 clinicians)")
        url = f"/scheduling/free-slots/?location={location.pk}&procedure=cryomassage-contact&date={day.isoformat()}"
        assert as_registrar.get(url).status_code == 200
        q, med, _ = _warm_timed(lambda i: as_registrar.get(url), args.runs)
        results["slots"] = (q, med, "free slots, a location's day (10 clinicians)")
    q, med, _, rate = bench.bench_booking()
    results["book"] = (q, med, "book a 12-session course (one service call)")
    results["rate"] = rate
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each ordinary job (both apps)")
    parser.add_argument(
        "--peer-heavy-runs", type=int, default=5, help="timed runs of the peer's staff calendar (~5 s each)"
    )
    parser.add_argument("--skip-peer", action="store_true", help="only this app's figures")
    parser.add_argument("--keep-peer-db", action="store_true", help=f"keep {PEER_DB} afterwards")
    args = parser.parse_args()
    database_url = os.environ["DATABASE_URL"]
    peer = None if args.skip_peer else run_peer(args, database_url)
    ours = run_ours(args)
    from django.db import connection

    print(
        f"\n[bench-peer] {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} cores, python {platform.python_version()}, PostgreSQL "
        f"{connection.pg_version // 10000}.{connection.pg_version % 100}; the machine's load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    p = {r["key"]: r for r in peer["results"]} if peer else {}
    if peer:
        print(
            f"[bench-peer] peer: 10,000 appointments of 3 staff over a year; ours: 1,000,000 sessions "
            f"of 500 clinicians at 50 locations. Trivial request: ours /readyz {ours['floor'][1]:.2f} ms, "
            f"the peer's /floor/ {p['floor']['median_ms']:.2f} ms"
        )
    rows = [
        ("trivial request (1 query, a few bytes)", "floor", "floor", "/floor/"),
        ("one clinician's calendar", "clinician", "a1", "staff calendar JSON: all her appointments"),
        ("", "week", None, ""),
        ("a day's list", "day", "a4", "admin list of one day"),
        ("booking", "book", "c", "book one appointment (3 requests)"),
        ("free slots", "slots", "b1", "free slots AJAX, 1 staff, 1 day"),
    ]
    head = (
        f"{'job':<40} {'ours: what':<46} {'q':>4} {'median':>8} {'x triv':>7}   "
        f"{'peer: what':<44} {'q':>6} {'median':>8} {'x triv':>7}"
    )
    print(head)
    print("-" * len(head))
    for job, ours_key, peer_key, peer_what in rows:
        q, med, *what = ours[ours_key]
        what = what[0] if what else "/readyz"
        left = f"{job:<40} {what:<46} {q:>4} {med:>8.1f} {med / ours['floor'][1]:>6.0f}x   "
        right = ""
        if peer_key and peer_key in p:
            r = p[peer_key]
            low, high = r["queries"][0], r["queries"][-1]
            queries = f"{low}" if low == high else f"{low}-{high}"
            right = f"{peer_what:<44} {queries:>6} {r['median_ms']:>8.1f} {r['x_floor']:>6.0f}x"
        print(left + right)
    print(f"(ms; medians; 4 registrars booking at one location at once: {ours['rate']:.1f} courses/s)")
    if peer:
        print(f"[bench-peer] the peer's own full table: {peer['log']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
