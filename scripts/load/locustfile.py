"""A clinic's mixed day for locust (run by scripts/load_test.py, which passes LOAD_DATA and LOAD_LOG).

Registrars search patients, preview and book courses (API), move sessions (API), read the day grid;
clinicians read "My day" and record outcomes (the page's form); patients read the portal and their
course's calendar feed. Every request is also written to LOAD_LOG as one line of JSON (sent,
answered, name, status, ok), from which the load test counts what failed when a node was killed.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import threading
import time

import urllib3
from locust import HttpUser, between, events, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # the cluster signs its own certificate

DATA = json.loads(open(os.environ["LOAD_DATA"]).read())
PASSWORD = "demo-pass-2026"
# nginx passes Host without the port, so the browser's Origin is https://127.0.0.1 (CSRF checks it).
HEADERS = {"Accept-Language": "ru", "Origin": "https://127.0.0.1"}
_log = open(os.environ["LOAD_LOG"], "a", buffering=1)
_lock = threading.Lock()
_patients = list(DATA["patients"])
_started = list(DATA["started"])
_booked: list[int] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, start_time=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    answered = time.time()
    sent = start_time if start_time else answered - response_time / 1000
    ok = exception is None and status != 0  # locust's verdict: 4xx/5xx fail unless the task accepts them
    with _lock:
        _log.write(json.dumps({"sent": sent, "answered": answered, "name": name, "status": status, "ok": ok}) + "\n")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else ""


class _SignedIn(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        self.client.verify = False  # the cluster's self-signed certificate
        self.client.headers.update(HEADERS)
        page = self.client.get("/accounts/login/", name="sign-in page")
        self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": _csrf(page.text)},
            name="sign in",
        )

    def post_form(self, path: str, data: dict, name: str, page_path: str):
        page = self.client.get(page_path, name=name + " (form)")
        data = {**data, "csrfmiddlewaretoken": _csrf(page.text)}
        return self.client.post(path, data, name=name)


class Registrar(_SignedIn):
    weight = 3
    wait_time = between(0.5, 1.5)
    username = "registrar"

    def on_start(self):
        super().on_start()
        answer = self.client.post(
            "/api/v1/auth/token/", json={"username": self.username, "password": PASSWORD}, name="api token"
        )
        self.api = {"Authorization": f"Token {answer.json()['token']}"} if answer.ok else {}

    @task(4)
    def search(self):
        term = random.choice(["Ива", "Петр", "Fault", "+7 9", "Смир", "Load"])
        self.client.get(f"/patients/?q={term}", name="patient search")

    @task(3)
    def day_grid(self):
        day = datetime.date.today() + datetime.timedelta(days=random.randrange(7))
        self.client.get(f"/scheduling/calendar/?location={DATA['location']}&date={day}", name="day grid")

    @task(2)
    def book(self):
        with _lock:
            patient = _patients.pop() if _patients else None
        if patient is None:
            return
        first_day = datetime.date.today() + datetime.timedelta(days=2 + random.randrange(5))
        plan = {"patient": patient, "procedure": "cryomassage-contact", "location": DATA["location"]}
        ask = {"count": 10, "first_day": first_day.isoformat(), "preferred_time": f"{random.randrange(9, 17)}:00"}
        preview = self.client.post("/api/v1/courses/preview/", json={**plan, **ask}, headers=self.api, name="preview")
        if not (preview.ok and preview.json().get("bookable")):
            return
        sessions = [{"start": s["start"], "clinician": s["clinician"]["id"]} for s in preview.json()["sessions"]]
        with self.client.post(
            "/api/v1/courses/", json={**plan, "sessions": sessions}, headers=self.api, name="book", catch_response=True
        ) as answer:
            if answer.status_code == 409:  # another registrar took a slot first: the app's right answer
                answer.success()
            elif answer.status_code == 201:
                with _lock:
                    _booked.append(answer.json()["id"])

    @task(1)
    def move(self):
        if not _booked:
            return
        course = self.client.get(f"/api/v1/courses/{random.choice(_booked)}/", headers=self.api, name="course")
        if not course.ok:
            return
        scheduled = [s for s in course.json()["sessions"] if s["status"] == "scheduled"]
        if not scheduled:
            return
        session = random.choice(scheduled)
        start = datetime.datetime.fromisoformat(session["start"]) + datetime.timedelta(hours=1)
        with self.client.post(
            f"/api/v1/sessions/{session['id']}/move/",
            json={"start": start.isoformat(), "shift_following": False},
            headers=self.api,
            name="move",
            catch_response=True,
        ) as answer:
            if answer.status_code in (400, 409):  # that hour is taken or closed: refused with a reason
                answer.success()


class Clinician(_SignedIn):
    weight = 2
    wait_time = between(1, 2)

    def on_start(self):
        self.username = random.choice(["doctor", "doctor2"])
        super().on_start()

    @task(3)
    def my_day(self):
        self.client.get("/scheduling/worklist/", name="my day")

    @task(1)
    def record(self):
        with _lock:
            mine = [s for s in _started if s[1] == self.username]
            if not mine:
                return
            _started.remove(mine[0])
        session = mine[0][0]
        self.post_form(
            f"/scheduling/sessions/{session}/outcome/",
            {"outcome": "completed", "next": "worklist"},
            name="record outcome",
            page_path="/scheduling/worklist/",
        )


class Patient(_SignedIn):
    weight = 2
    wait_time = between(1, 3)
    username = "patient"

    @task(3)
    def portal(self):
        self.client.get("/portal/", name="portal home")

    @task(1)
    def feed(self):
        if DATA.get("course"):
            self.client.get(f"/portal/courses/{DATA['course']}/calendar.ics", name="calendar feed")
