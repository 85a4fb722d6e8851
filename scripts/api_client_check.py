"""An integrator's day: a client generated from the served schema books a course end to end.

    python scripts/api_client_check.py      # needs DATABASE_URL / REDIS_URL (make api-client fills them)

It deploys as scripts/deploy_check.py does (production settings, migrate, the demo data, gunicorn;
no collectstatic, the API serves no static file) into a database of its own (clinic_apiclient;
Redis database API_CLIENT_REDIS_DB, 12), downloads /api/v1/schema/, generates a Python client
from it with openapi-python-client (`generate --meta none`, into a temporary folder), imports
every module of it, and then, with
nothing but the generated code (tokens from its auth_token_create, sent as its default
`Authorization: Bearer ...`):

- a registrar registers two patients, a clinician records a screening and a passed ice test for each;
- the registrar previews a 10-session cryomassage course for the first, books it (201), moves its
  fifth session a day later with the following ones re-planned (a preview, then the move with the
  preview's fingerprint), cancels its last session, and reads the week's calendar;
- books the same times for the second patient: 409 booking_conflict with one Clash per session
  (number, start, clashes_with "clinician");
- books with `sessions: []`: 400 with fields.sessions in plain words, in English and, with
  Accept-Language: ru, in Russian;
- a wrong token is 401 (Error, authentication_failed), the prefix `Token` works as well as Bearer.

Each answer is checked to be the typed model the schema promises (attrs classes, aware datetimes,
enums), not a dict. Any other answer, a module that does not import, or a step over its time fails.
"""

from __future__ import annotations

import datetime
import importlib
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import deploy_check as deploy
from deploy_http import CheckFailed

DEADLINE = time.monotonic() + 170  # migrate and seed_demo take most of it on a busy machine
PROXY = {"X-Forwarded-Proto": "https"}  # as the HTTPS proxy in front of gunicorn sends it
PROCEDURE = "cryomassage-contact"


def main() -> int:
    deploy.NAME = "api-client"
    deploy.DEADLINE = DEADLINE  # deploy_check's steps stop at ours, not at its own two minutes
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGALRM, deploy.over_time)
    signal.alarm(int(DEADLINE - time.monotonic()) + 5)
    server_url, redis_url = deploy.targets("clinic_apiclient", os.environ.get("API_CLIENT_REDIS_DB", "12"))
    work = Path(tempfile.mkdtemp(prefix="api-client-"))
    env = deploy.environment(server_url, redis_url, work)
    procs: dict[str, subprocess.Popen] = {}
    ok = False
    try:
        deploy.reset(server_url, redis_url)
        deploy.prepare_api(env, work, timeout=60)
        port = deploy.free_port()
        procs = deploy.start(env, work, port, names=("gunicorn",))
        deploy.wait_for_web(port, procs)
        base_url = f"http://127.0.0.1:{port}"
        schema = _download_schema(port, work)
        _generate(schema, work)
        Journey(base_url).run()
        ok = True
    except (CheckFailed, AssertionError) as exc:
        deploy.say(f"FAILED: {type(exc).__name__}: {exc}")
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
    deploy.say("PASSED" if ok else f"FAILED (files in {work})")
    return 0 if ok else 1


def _download_schema(port: int, work: Path) -> Path:
    """The schema is for staff: the registrar's token (taken here by hand; the client takes its own)."""
    from deploy_http import api_token

    token = api_token(port, "registrar", deploy.PASSWORD)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/schema/", headers={"Authorization": f"Bearer {token}", **PROXY}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        path = work / "schema.yaml"
        path.write_bytes(response.read())
    return path


def _generate(schema: Path, work: Path) -> None:
    """openapi-python-client into work/clinic_client, then import every module it wrote."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # it runs ruff
    command = [str(bin_dir / "openapi-python-client"), "generate", "--path", str(schema)]
    command += ["--output-path", str(work / "clinic_client"), "--meta", "none", "--overwrite"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=60)
    output = (done.stdout + done.stderr).strip()
    if done.returncode or "Warning" in output:
        raise CheckFailed(f"openapi-python-client (exit {done.returncode}):\n{output[-3000:]}")
    sys.path.insert(0, str(work))
    package = importlib.import_module("clinic_client")
    modules = [m.name for m in pkgutil.walk_packages(package.__path__, "clinic_client.")]
    for name in modules:
        importlib.import_module(name)  # a NameError here is what issue 17 began with
    deploy.say(f"generated and imported {len(modules)} modules in {time.monotonic() - started:.1f} s")


def step(message: str) -> None:
    deploy.say(f"  ok: {message}")


class Journey:
    """The steps, each through the generated client only."""

    def __init__(self, base_url: str):
        from clinic_client import Client

        self.base_url = base_url
        self.anonymous = Client(base_url=base_url, headers=PROXY, raise_on_unexpected_status=True)

    def run(self) -> None:
        registrar, doctor = self.sign_in("registrar"), self.sign_in("doctor")
        self.auth_errors(registrar)
        procedure, location = self.catalogue(registrar)
        first, second = (self.cleared_patient(registrar, doctor, procedure, location, n) for n in (1, 2))
        plan = self.preview(registrar, first, location)
        course = self.book(registrar, first, location, plan)
        self.conflict(registrar, second, location, plan)
        self.field_errors(registrar, second, location)
        course = self.move(registrar, course)
        course = self.cancel(registrar, course)
        self.calendar(registrar, course, location, plan)

    def sign_in(self, username: str):
        from clinic_client import AuthenticatedClient
        from clinic_client.api.auth import auth_token_create
        from clinic_client.models import TokenInRequest, TokenOut

        answer = auth_token_create.sync_detailed(
            client=self.anonymous, body=TokenInRequest(username=username, password=deploy.PASSWORD, name="client")
        )
        assert answer.status_code == 200 and isinstance(answer.parsed, TokenOut), (answer.status_code, answer.content)
        assert answer.parsed.expires_at.tzinfo is not None
        step(f"{username}: a token from auth_token_create with the plain Client (the endpoint needs none)")
        self.token = answer.parsed.token
        return AuthenticatedClient(base_url=self.base_url, token=answer.parsed.token, headers=PROXY)

    def auth_errors(self, registrar) -> None:
        from clinic_client import AuthenticatedClient
        from clinic_client.api.procedures import procedures_list
        from clinic_client.models import Error

        wrong = AuthenticatedClient(base_url=self.base_url, token="not-a-token", headers=PROXY)
        answer = procedures_list.sync_detailed(client=wrong)
        assert answer.status_code == 401 and isinstance(answer.parsed, Error), answer.content
        assert answer.parsed.error.code == "authentication_failed", answer.parsed
        token_prefix = AuthenticatedClient(base_url=self.base_url, token=self.token, prefix="Token", headers=PROXY)
        assert procedures_list.sync_detailed(client=token_prefix).status_code == 200
        step("a wrong token: 401 Error authentication_failed; the prefix Token works as Bearer does")

    def catalogue(self, registrar):
        from clinic_client.api.patients import patients_list
        from clinic_client.api.procedures import procedures_list
        from clinic_client.models import PaginatedPatientList, Procedure

        procedures = procedures_list.sync(client=registrar)
        assert procedures and all(isinstance(p, Procedure) for p in procedures), procedures
        procedure = next(p for p in procedures if p.slug == PROCEDURE)
        patients = patients_list.sync(client=registrar)
        assert isinstance(patients, PaginatedPatientList) and patients.results, patients
        # The patient list pages without a total (a count would read every match): next says if more.
        step(f"{len(procedures)} procedures, {len(patients.results)} patients on the first page, typed")
        return procedure, patients.results[0].home_location

    def cleared_patient(self, registrar, doctor, procedure, location: int, n: int) -> int:
        from clinic_client.api.patients import patients_create, patients_ice_tests_create, patients_screenings_create
        from clinic_client.models import (
            AnswerRequest,
            IceTestInRequest,
            IceTestOut,
            PatientCreate,
            PatientCreateRequest,
            ScreeningInRequest,
            ScreeningOut,
            SexEnum,
        )

        patient = patients_create.sync(
            client=registrar,
            body=PatientCreateRequest(
                full_name=f"Интегратова Ольга {n}",
                date_of_birth=datetime.date(1990, 1, n),
                sex=SexEnum.FEMALE,
                phone=f"+7 999 555-00-0{n}",
                home_location=location,
                confirm_duplicate=True,
            ),
        )
        assert isinstance(patient, PatientCreate), patient
        answers = [AnswerRequest(contraindication=slug, present=False) for slug in procedure.contraindications]
        screening = patients_screenings_create.sync(
            patient.id,
            client=doctor,
            body=ScreeningInRequest(procedures=[procedure.slug], answers=answers, fitzpatrick=2),
        )
        assert isinstance(screening, ScreeningOut) and screening.cleared, screening
        yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        body = IceTestInRequest(area="затылок", exposure_seconds=10, performed_at=yesterday)
        ice = patients_ice_tests_create.sync(patient.id, client=doctor, body=body)
        assert isinstance(ice, IceTestOut) and ice.passed, ice
        step(f"patient {patient.id} registered; the clinician's screening (cleared) and ice test (passed)")
        return patient.id

    def preview(self, registrar, patient: int, location: int):
        from clinic_client.api.courses import courses_preview_create
        from clinic_client.models import CoursePreview, PlanInRequest, ProposedSession

        first_day = datetime.date.today() + datetime.timedelta(days=3)
        plan = courses_preview_create.sync(
            client=registrar,
            body=PlanInRequest(patient=patient, procedure=PROCEDURE, location=location, count=10, first_day=first_day),
        )
        assert isinstance(plan, CoursePreview), plan
        assert plan.bookable and not plan.problems, plan.problems
        assert len(plan.sessions) == 10 and all(isinstance(s, ProposedSession) for s in plan.sessions)
        assert all(s.start.tzinfo is not None and s.end > s.start for s in plan.sessions)
        step(f"preview: bookable, 10 sessions from {plan.sessions[0].start.isoformat()}, price {plan.price}")
        return plan

    def _book(self, registrar, patient: int, location: int, sessions):
        from clinic_client.api.courses import courses_create
        from clinic_client.models import BookInRequest

        return courses_create.sync_detailed(
            client=registrar,
            body=BookInRequest(patient=patient, procedure=PROCEDURE, location=location, sessions=sessions),
        )

    def _specs(self, plan):
        from clinic_client.models import SessionInRequest

        return [SessionInRequest(start=s.start, clinician=s.clinician.id) for s in plan.sessions]

    def book(self, registrar, patient: int, location: int, plan):
        from clinic_client.models import CourseOut, CourseOutStatusEnum, SessionOut

        answer = self._book(registrar, patient, location, self._specs(plan))
        course = answer.parsed
        assert answer.status_code == 201 and isinstance(course, CourseOut), (answer.status_code, answer.content)
        assert course.status == CourseOutStatusEnum.ACTIVE and len(course.sessions) == 10
        assert all(isinstance(s, SessionOut) for s in course.sessions)
        assert [s.start for s in course.sessions] == [s.start for s in plan.sessions]
        step(f"booked: course {course.id}, 201 CourseOut with 10 SessionOut")
        return course

    def conflict(self, registrar, patient: int, location: int, plan) -> None:
        from clinic_client.models import Clash, ClashesWithEnum, Error

        answer = self._book(registrar, patient, location, self._specs(plan))
        error = answer.parsed
        assert answer.status_code == 409 and isinstance(error, Error), (answer.status_code, answer.content)
        assert error.error.code == "booking_conflict", error.error
        clashes = error.error.conflicts
        assert len(clashes) == 10 and all(isinstance(c, Clash) for c in clashes), clashes
        assert [c.session_number for c in clashes] == list(range(1, 11))
        assert [c.start for c in clashes] == [s.start for s in plan.sessions]
        assert {c.clashes_with for c in clashes} == {ClashesWithEnum.CLINICIAN}, clashes
        step(f"the same times for another patient: 409, 10 Clash objects, e.g. {clashes[0].detail!r}")

    def field_errors(self, registrar, patient: int, location: int) -> None:
        from clinic_client import AuthenticatedClient
        from clinic_client.models import Error

        for language, expected in (("en", "Give at least one session."), ("ru", "Укажите хотя бы один сеанс.")):
            headers = {**PROXY, "Accept-Language": language}
            client = AuthenticatedClient(base_url=self.base_url, token=registrar.token, headers=headers)
            answer = self._book(client, patient, location, [])
            error = answer.parsed
            assert answer.status_code == 400 and isinstance(error, Error), (answer.status_code, answer.content)
            assert error.error.fields["sessions"] == [expected], error.error.fields.to_dict()
            step(f"sessions: [] in {language} -> 400, fields.sessions == {[expected]}")

    def move(self, registrar, course):
        from clinic_client.api.sessions import sessions_move_create
        from clinic_client.models import CourseOut, MoveInRequest, MoveProposal

        fifth = course.sessions[4]
        for shift in (datetime.timedelta(days=1), datetime.timedelta(hours=1), datetime.timedelta(days=2)):
            start = fifth.start + shift
            body = MoveInRequest(start=start, shift_following=True, preview=True)
            proposal = sessions_move_create.sync(fifth.id, client=registrar, body=body)
            assert isinstance(proposal, MoveProposal), proposal
            if proposal.ok:
                break
        assert proposal.ok, proposal.problems
        body = MoveInRequest(start=start, shift_following=True, expected=proposal.fingerprint)
        moved = sessions_move_create.sync(fifth.id, client=registrar, body=body)
        assert isinstance(moved, CourseOut), moved
        assert next(s for s in moved.sessions if s.id == fifth.id).start == start
        step(f"moved session 5 by {shift} (preview: MoveProposal ok, then CourseOut with the fingerprint)")
        return moved

    def cancel(self, registrar, course):
        from clinic_client.api.sessions import sessions_cancel_create
        from clinic_client.models import CourseOut, ReasonInRequest, SessionOutStatusEnum

        last = course.sessions[-1]
        after = sessions_cancel_create.sync(last.id, client=registrar, body=ReasonInRequest(reason="Пациент уехал"))
        assert isinstance(after, CourseOut), after
        assert next(s for s in after.sessions if s.id == last.id).status == SessionOutStatusEnum.CANCELLED
        step(f"cancelled session 10 (id {last.id}): status cancelled")
        return after

    def calendar(self, registrar, course, location: int, plan) -> None:
        from clinic_client.api.calendar import calendar_retrieve
        from clinic_client.models import Calendar, CalendarRetrieveView, CalendarSession

        day = plan.sessions[0].start.date()
        grid = calendar_retrieve.sync(client=registrar, location=location, date=day, view=CalendarRetrieveView.WEEK)
        assert isinstance(grid, Calendar) and all(isinstance(s, CalendarSession) for s in grid.sessions), grid
        ours = [s for s in grid.sessions if s.course == course.id]
        assert ours and all(s.procedure == PROCEDURE for s in ours), ours
        step(f"the week's calendar from {grid.first_day}: {len(grid.sessions)} sessions, {len(ours)} of the course")


if __name__ == "__main__":
    sys.exit(main())
