"""Schemathesis with every check and every phase, stateful included, against the deployed API.

    python scripts/api_fuzz.py          # needs DATABASE_URL / REDIS_URL (make api-fuzz fills them)

It deploys as scripts/deploy_check.py does (production settings, migrate, the demo data, gunicorn;
no collectstatic: the API serves no static file) into a database of its own (clinic_apifuzz; Redis
database API_FUZZ_REDIS_DB, 13), takes an API token for a registrar, a clinician and a patient from
POST /api/v1/auth/token/, and runs `schemathesis run --checks all` against the served schema as each
of them: the examples, coverage, fuzzing and stateful phases, a few cases per operation
(API_FUZZ_MAX_EXAMPLES, 5), deterministic, so a failure in CI is a failure on a laptop. Bounded: it
stops itself at five minutes.

The run fails on any server error, on a failure of any other check except the three kinds in
REPORTED, which judge how complete the schema is; what those find is printed, not asserted
(README: Tests and CI). It fails too if the stateful phase did not run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import deploy_check as deploy
from deploy_http import CheckFailed, api_token

ROLES = [("registrar", "registrar"), ("clinician", "doctor"), ("patient", "patient")]
# Failures that judge how complete the schema is rather than the API: a status code the schema does
# not declare (core.schema declares each operation's errors, not a 405 the fuzzer may provoke), and
# the API accepting a request the schema forbids or refusing one it allows (an id that names no row,
# a blank string). Reported, not asserted; every other failure (a 5xx first of all, an error answer
# that is not the documented Error schema) fails the run.
REPORTED = {"UndefinedStatusCode", "AcceptedNegativeData", "RejectedPositiveData"}
# The deployment (migrate, the demo) took 60-75 s with collectstatic (30-40 s of it), each role's run 40-50 s with 46
# operations: five minutes leaves room on a busy machine.
DEADLINE = time.monotonic() + 300


def main() -> int:
    deploy.NAME = "api-fuzz"
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGALRM, deploy.over_time)
    signal.alarm(int(DEADLINE - time.monotonic()) + 5)
    server_url, redis_url = deploy.targets("clinic_apifuzz", os.environ.get("API_FUZZ_REDIS_DB", "13"))
    work = Path(tempfile.mkdtemp(prefix="api-fuzz-"))
    env = deploy.environment(server_url, redis_url, work)
    procs: dict[str, subprocess.Popen] = {}
    ok = False
    try:
        deploy.reset(server_url, redis_url)
        deploy.prepare_api(env, work)
        port = deploy.free_port()
        procs = deploy.start(env, work, port, names=("gunicorn",))
        deploy.wait_for_web(port, procs)
        tokens = {role: api_token(port, username, deploy.PASSWORD) for role, username in ROLES}
        schema = _download_schema(port, tokens["registrar"], work)
        results = {role: _fuzz(port, role, token, work, schema) for role, token in tokens.items()}
        ok = _summarise(results)
    except CheckFailed as exc:
        deploy.say(f"FAILED: {exc}")
    except KeyboardInterrupt:
        deploy.say("interrupted")
    finally:
        signal.alarm(0)
        deploy.stop(procs)
        if not ok and "gunicorn" in procs:
            print(deploy.errors_or_tail((work / "gunicorn.log").read_text()))
        deploy.drop(server_url, redis_url)
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    deploy.say("PASSED" if ok else f"FAILED (reports in {work})")
    return 0 if ok else 1


def _download_schema(port: int, token: str, work: Path) -> Path:
    """The schema is for staff only (a patient gets 403): read it once as staff, fuzz every role with it."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/schema/?format=json",
        headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        path = work / "schema.json"
        path.write_bytes(response.read())
    return path


def _fuzz(port: int, role: str, token: str, work: Path, schema: Path) -> dict:
    report = work / f"{role}.json"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        str(schema),
        "--url",
        f"http://127.0.0.1:{port}",
        "--header",
        f"Authorization: Token {token}",
        "--header",
        "X-Forwarded-Proto: https",  # as the HTTPS proxy sends it (see deploy_http.py)
        "--checks",
        "all",
        "--max-examples",
        os.environ.get("API_FUZZ_MAX_EXAMPLES", "5"),
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    started = time.monotonic()
    log = work / f"schemathesis-{role}.log"
    with log.open("w") as out:
        try:
            subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT, timeout=DEADLINE - started)
        except subprocess.TimeoutExpired:
            raise CheckFailed(f"schemathesis as {role} ran out of time; see {log}") from None
    deploy.say(f"schemathesis as {role}: {time.monotonic() - started:.1f} s (log {log.name})")
    if not report.exists():
        raise CheckFailed(f"schemathesis as {role} wrote no report:\n{log.read_text()[-3000:]}")
    return {"report": json.loads(report.read_text()), "log": log}


def _summarise(results: dict) -> bool:
    """One line per role and failure kind; True when nothing but the reported kinds failed."""
    ok = True
    print(f"\n{'role':<10} {'phases run':<34} {'cases':>5}  failures (code, kind, count, operations)")
    for role, result in results.items():
        report = result["report"]
        phases = ",".join(name for name, phase in report["phases"].items() if phase["status"] != "skip")
        print(f"{role:<10} {phases:<34} {report['test_cases']['generated']:>5}")
        if "stateful" not in phases or not report["complete"]:
            print(f"{'':<10} the stateful phase did not run or the run did not complete: {report['stop_reason']}")
            ok = False
        clean = True
        for failure in report["failures"]:
            reported = failure["type"] in REPORTED
            clean = clean and reported
            operations = ", ".join(failure["operations"])
            mark = "reported" if reported else "FAIL"
            print(f"{'':<10} {mark:<8} {failure['code']} {failure['title']} x{failure['count']}: {operations}")
        for error in report["errors"]:
            print(f"{'':<10} FAIL     error: {json.dumps(error)[:300]}")
            clean = False
        if not clean:
            print(f"{'':<10} requests, responses and curl lines: {result['log']}")
        ok = ok and clean
    return ok


if __name__ == "__main__":
    sys.exit(main())
