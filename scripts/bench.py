"""Benchmarks: build realistic data once in a database of its own, then print one table.

    make bench            # or: python scripts/devenv.py exec -- python scripts/bench.py

Data (built once, in the database `clinic_bench` beside DATABASE_URL's): 50 locations,
500 clinicians, 100,000 patients, 100,000 ten-session courses = 1,000,000 sessions with their
room bookings. Location "Bench 0" has 200 sessions on every one of the 100 filled days.

    python scripts/bench.py reports   # just the reports: each for a month, one location and all 50
    python scripts/bench.py waitlist  # just the waiting list: a freed time against 1,000 and 10,000 entries
    python scripts/bench.py floor     # just issue 22's hot paths, each as a multiple of the trivial request
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = os.environ.get("BENCH_DB", "clinic_bench")  # a helper's own copy: BENCH_DB=clinic_x_bench
LOCATIONS, CLINICIANS_PER_LOCATION, SLOTS_PER_DAY, DAYS = 50, 10, 20, 100
PATIENTS = 100_000


def use_bench_database() -> None:
    import psycopg2

    url = urlsplit(os.environ["DATABASE_URL"])
    admin = urlunsplit(url._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
        if cur.fetchone() is None:
            cur.execute(f"CREATE DATABASE {BENCH_DB}")
    conn.close()
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{BENCH_DB}"))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def first_day() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=2)


BUILD_SQL = """
INSERT INTO accounts_location (name, address, phone, time_zone)
SELECT 'Bench ' || l, 'Bench street ' || l, '+7 495 000-00-00', 'Europe/Moscow' FROM generate_series(0, %(locations)s - 1) l;

INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
SELECT '!', false, 'bench_doc_' || c, 'Doctor', 'Bench' || c, '', false, true, now()
FROM generate_series(0, %(clinicians)s - 1) c;

INSERT INTO accounts_user_groups (user_id, group_id)
SELECT u.id, g.id FROM accounts_user u, auth_group g WHERE u.username LIKE 'bench_doc_%%' AND g.name = 'clinician';

INSERT INTO accounts_user_locations (user_id, location_id)
SELECT u.id, l.id FROM accounts_user u JOIN accounts_location l
  ON l.name = 'Bench ' || (substring(u.username from 11)::int / %(per_location)s)
WHERE u.username LIKE 'bench_doc_%%';

INSERT INTO scheduling_openinghours (location_id, weekday, opens, closes)
SELECT l.id, d, '08:00', '21:00' FROM accounts_location l, generate_series(0, 6) d WHERE l.name LIKE 'Bench %%';

INSERT INTO scheduling_staffhours (clinician_id, location_id, weekday, starts, ends)
SELECT ul.user_id, ul.location_id, d, '08:00', '21:00'
FROM accounts_user_locations ul JOIN accounts_user u ON u.id = ul.user_id, generate_series(0, 6) d
WHERE u.username LIKE 'bench_doc_%%';

INSERT INTO scheduling_certification (clinician_id, procedure_id, valid_until)
SELECT u.id, p.id, now()::date + 3650 FROM accounts_user u, procedures_procedure p
WHERE u.username LIKE 'bench_doc_%%' AND p.slug = 'cryomassage-contact';

-- One room per clinician and one dewar per location.
INSERT INTO scheduling_resource (location_id, kind_id, name, active)
SELECT ul.location_id, k.id, 'Room of ' || u.username, true
FROM accounts_user_locations ul JOIN accounts_user u ON u.id = ul.user_id, procedures_resourcekind k
WHERE u.username LIKE 'bench_doc_%%' AND k.slug = 'treatment-room';

INSERT INTO patients_patient (full_name, date_of_birth, sex, phone, phone_digits, email, preferred_language,
                              consent_sms, consent_email, notes, home_location_id, created_at, updated_at)
SELECT (ARRAY['Иванова','Петрова','Смирнова','Кузнецова','Соколова','Попова','Лебедева','Козлова'])[1 + p %% 8]
       || ' ' || (ARRAY['Анна','Мария','Елена','Ольга','Наталья','Ирина'])[1 + (p / 8) %% 6] || ' Бенч' || p,
       date '1960-01-01' + (p %% 15000), 'female', '+7900' || lpad(p::text, 7, '0'), '900' || lpad(p::text, 7, '0'),
       '', 'ru', true, false, '', (SELECT min(id) FROM accounts_location WHERE name LIKE 'Bench %%'), now(), now()
FROM generate_series(0, %(patients)s - 1) p;
"""

COURSES_SQL = """
-- Course k: clinician c = k / 200, slot s = (k / 10) %% 20, block b = (k %% 10) / 2, parity = k %% 2.
-- Its 10 sessions fall on days 20*b + parity + 2*i at 08:30 + 30 min * s.
WITH docs AS (
  SELECT u.id AS clinician_id, ul.location_id, substring(u.username from 11)::int AS c,
         (SELECT r.id FROM scheduling_resource r WHERE r.name = 'Room of ' || u.username) AS room_id
  FROM accounts_user u JOIN accounts_user_locations ul ON ul.user_id = u.id WHERE u.username LIKE 'bench_doc_%%'
), pats AS (
  SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS k FROM patients_patient WHERE full_name LIKE '%% Бенч%%'
)
INSERT INTO scheduling_course (patient_id, procedure_id, location_id, status, session_count, price_per_session,
                               discount_percent, total_price, cancel_reason, created_by_id, created_at,
                               preceding_elsewhere, preceding_kind, preceding_kind_other)
SELECT pats.id, (SELECT id FROM procedures_procedure WHERE slug = 'cryomassage-contact'), docs.location_id, 'active',
       10, 950, 10, 8550, '', docs.clinician_id, now(), false, '', ''
FROM pats JOIN docs ON docs.c = pats.k / 200;

WITH docs AS (
  SELECT u.id AS clinician_id, substring(u.username from 11)::int AS c,
         (SELECT r.id FROM scheduling_resource r WHERE r.name = 'Room of ' || u.username) AS room_id
  FROM accounts_user u WHERE u.username LIKE 'bench_doc_%%'
), crs AS (
  SELECT co.id, co.patient_id, co.location_id, (row_number() OVER (ORDER BY co.patient_id) - 1)::int AS k
  FROM scheduling_course co JOIN patients_patient p ON p.id = co.patient_id WHERE p.full_name LIKE '%% Бенч%%'
)
INSERT INTO scheduling_session (course_id, patient_id, location_id, clinician_id, start, "end", status, sequence,
                                cancel_reason, created_at, updated_at, rescheduled_at)
SELECT crs.id, crs.patient_id, crs.location_id, docs.clinician_id, t.start, t.start + interval '20 minutes',
       'scheduled', 0, '', now(), now(), now()
FROM crs JOIN docs ON docs.c = crs.k / 200,
LATERAL generate_series(0, 9) i,
LATERAL (SELECT ((%(first_day)s::date + 20 * ((crs.k %% 10) / 2) + (crs.k %% 2) + 2 * i)
                 + time '08:30' + interval '30 minutes' * ((crs.k / 10) %% 20)) AT TIME ZONE 'Europe/Moscow' AS start) t;

INSERT INTO scheduling_resourcebooking (session_id, resource_id, start, "end", active)
SELECT s.id, r.id, s.start, s."end", true
FROM scheduling_session s JOIN accounts_user u ON u.id = s.clinician_id
JOIN scheduling_resource r ON r.name = 'Room of ' || u.username
WHERE u.username LIKE 'bench_doc_%%';
"""


def build() -> None:
    from django.db import connection

    from accounts.models import Location

    if Location.objects.filter(name="Bench 0").exists():
        print("[bench] data already built")
        return
    started = time.perf_counter()
    params = {
        "locations": LOCATIONS,
        "clinicians": LOCATIONS * CLINICIANS_PER_LOCATION,
        "per_location": CLINICIANS_PER_LOCATION,
        "patients": PATIENTS,
        "first_day": first_day(),
    }
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:  # all or nothing, so a rerun starts clean
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(BUILD_SQL, params)
        cursor.execute(COURSES_SQL, params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"[bench] built the data in {time.perf_counter() - started:.0f} s", flush=True)


# Production-like: DEBUG off (so templates are cached), static files without a manifest.
PRODUCTION_LIKE = {
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


def timed(fn, runs: int):
    """(queries of the last run, median ms, p95 ms); the session row's upkeep is not counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], None
    for i in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn(i)
            times.append((time.perf_counter() - started) * 1000)
        queries = len(
            [
                q
                for q in ctx.captured_queries
                if "django_session" not in q["sql"]
                and q["sql"] not in ("BEGIN", "COMMIT")
                and "SAVEPOINT" not in q["sql"]
            ]
        )
    times.sort()
    return queries, statistics.median(times), times[int(len(times) * 0.95) - 1]


def bench_calendar():
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import Location, User

    location = Location.objects.get(name="Bench 0")
    registrar, _ = User.objects.get_or_create(username="bench_registrar")
    from django.contrib.auth.models import Group

    registrar.groups.add(Group.objects.get(name="registrar"))
    registrar.locations.add(location)
    day = first_day() + datetime.timedelta(days=10)
    client = Client()
    client.force_login(registrar)
    url = f"/scheduling/calendar/?location={location.pk}&date={day.isoformat()}"
    with override_settings(**PRODUCTION_LIKE):
        response = client.get(url)
        assert response.status_code == 200
        sessions = _grid_sessions(response.content.decode())
        result = timed(lambda i: client.get(url), 50)
    return sessions, result


def _grid_sessions(page: str) -> int:
    """The sessions the time grid draws: its data block's events that are not shading."""
    import json
    import re

    block = re.search(r'<script id="calendar-options" type="application/json">(.*?)</script>', page, re.S)
    return sum(1 for e in json.loads(block.group(1))["events"] if e.get("display") != "background")


def bench_booking():
    from django.test.utils import override_settings

    from accounts.models import Location, User
    from patients.models import Patient
    from procedures.models import Contraindication, Procedure, ResourceKind
    from procedures.services import ice_test_record, screening_sign
    from scheduling.models import Resource
    from scheduling.services import SessionSpec, course_book, course_preview

    location = Location.objects.get(name="Bench 0")
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    # The filler sessions hold only their clinician's room; bookings here need a dewar too.
    Resource.objects.get_or_create(
        location=location, name="Bench dewar", defaults={"kind": ResourceKind.objects.get(slug="nitrogen-dewar")}
    )
    registrar = User.objects.get(username="bench_registrar")
    doctor = User.objects.filter(username__startswith="bench_doc_", locations=location).first()
    doctor.groups.add(*registrar.groups.none())
    from django.contrib.auth.models import Group

    clinician_group = Group.objects.get(name="clinician")
    doctor.groups.add(clinician_group)
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)}
    runs, concurrent = 30, 40
    patients = list(Patient.objects.filter(home_location=location).order_by("-id")[: runs + concurrent])
    # Start from the same state every run: remove the courses an earlier run booked.
    from scheduling.models import Course, Session

    earlier = Course.objects.filter(created_by=registrar)
    Session.objects.filter(course__in=earlier).delete()
    earlier.delete()
    plans = []
    for n, patient in enumerate(patients):
        when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)
        screening_sign(
            actor=doctor, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2, examined_at=when
        )
        ice_test_record(actor=doctor, patient=patient, area="nape", exposure_seconds=10, performed_at=when)
        # The filler data gave every patient a cryomassage course already: a second one here is allowed.
        Procedure.objects.filter(pk=cryo.pk).update(
            screening_valid_days=400, ice_test_valid_days=400, allow_concurrent_courses=True
        )
        cryo.refresh_from_db()
        day = first_day() + datetime.timedelta(days=DAYS + 30 + 30 * (n // 10))
        hour = datetime.time(9 + n % 10)
        plan = course_preview(
            patient=patient, procedure=cryo, location=location, count=12, first_day=day, preferred_time=hour
        )
        assert plan.bookable, plan.problems
        plans.append((patient, [SessionSpec(s.start, s.clinician_id) for s in plan.sessions]))
    with override_settings(**PRODUCTION_LIKE):
        result = timed(
            lambda i: course_book(
                actor=registrar, patient=plans[i][0], procedure=cryo, location=location, specs=plans[i][1]
            ),
            runs,
        )
        rate = _book_concurrently(plans[runs:], registrar, cryo, location, clients=4)
    return (*result, rate)


_CONCURRENT: dict = {}  # what the forked registrars book (set before the fork, read in the children)


def _book_concurrently(plans, registrar, procedure, location, *, clients: int) -> float:
    """Courses per second with `clients` registrars booking at once, each a process of its own with
    its own connection, as web workers are (threads of one process would share one core: the GIL)."""
    import multiprocessing

    from django.db import connections

    _CONCURRENT.update(plans=plans, registrar=registrar, procedure=procedure, location=location, clients=clients)
    connections.close_all()  # the children must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        pool.map(_noop, range(clients))  # forked and ready before the clock starts
        started = time.perf_counter()
        booked = sum(pool.map(_book_share, range(clients)))
        elapsed = time.perf_counter() - started
    assert booked == len(plans), f"{booked} of {len(plans)} courses booked"
    return len(plans) / elapsed


def _noop(_n: int) -> None:
    return None


def _book_share(n: int) -> int:
    """One registrar's share of the plans (every `clients`-th), booked one after another."""
    from django.db import connections

    from scheduling.services import course_book

    c = _CONCURRENT
    try:
        for patient, specs in c["plans"][n :: c["clients"]]:
            course_book(
                actor=c["registrar"], patient=patient, procedure=c["procedure"], location=c["location"], specs=specs
            )
    finally:
        connections.close_all()
    return len(c["plans"][n :: c["clients"]])


def bench_search():
    """The patient list searched by a registrar: a name, a surname and name, a phone written two ways."""
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User

    registrar = User.objects.get(username="bench_registrar")
    client = Client()
    client.force_login(registrar)
    queries = ["Петрова", "Смирнова Ольга", "+7 900 001-23-45", "9000054321", "Бенч4242", "Козлова Ир"]
    with override_settings(**PRODUCTION_LIKE):
        for q in queries:
            assert client.get("/patients/", {"q": q}).status_code == 200
        return timed(lambda i: client.get("/patients/", {"q": queries[i % len(queries)]}), 60)


def bench_portal():
    """The portal home of a patient with a 12-session course (3 held), in a table of 1M sessions.

    The course is at "Bench 1", so that the other benchmarks' days keep exactly their sessions.
    """
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import Location, User
    from patients.models import Patient
    from scheduling.models import Course, Session

    location = Location.objects.get(name="Bench 1")
    user, _ = User.objects.get_or_create(username="bench_portal_patient")
    user.groups.add(Group.objects.get(name="patient"))
    patient, _created = Patient.objects.get_or_create(
        user=user,
        defaults={
            "full_name": "Портал Бенч Пациентовна",
            "date_of_birth": datetime.date(1985, 5, 5),
            "sex": "female",
            "phone": "+79990000001",
            "home_location": location,
        },
    )
    if not Session.objects.filter(patient=patient).exists():
        filler = Session.objects.filter(location=location).select_related("course").first()
        course = Course.objects.create(
            patient=patient,
            procedure=filler.course.procedure,
            location=location,
            session_count=12,
            price_per_session=950,
            discount_percent=10,
            total_price=10260,
            created_by=user,
        )
        start = datetime.datetime.combine(first_day(), datetime.time(7), tzinfo=location.tz)
        for n in range(12):  # at 07:00 on odd days (the reminder benchmark's day is day 0); 3 already held
            begin = start + datetime.timedelta(days=2 * (n - 3) + 1)
            Session.objects.create(
                course=course,
                patient=patient,
                location=location,
                clinician=filler.clinician,
                start=begin,
                end=begin + datetime.timedelta(minutes=20),
                status="completed" if n < 3 else "scheduled",
            )
    client = Client()
    client.force_login(user)
    with override_settings(**PRODUCTION_LIKE):
        response = client.get("/portal/")
        assert response.status_code == 200 and 'max="12" value="3"' in response.content.decode()
        for _ in range(5):  # warm: template and translation caches, the connection
            client.get("/portal/")
        return timed(lambda i: client.get("/portal/"), 50)


def bench_trivial():
    """The floor: a request that runs one query and answers a few bytes (`/readyz`: SELECT 1 and a
    Redis ping, through the whole middleware stack), to give each figure as a multiple of it."""
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()
    with override_settings(**PRODUCTION_LIKE):
        for _ in range(20):
            client.get("/readyz")
        return timed(lambda i: client.get("/readyz"), 200)


def bench_nitrogen():
    """The Nitrogen page of "Bench 0": its dewar's forecast a month ahead from a reading, the booked
    sessions holding it, and the actual use between readings."""
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from accounts.models import Location, User
    from procedures.models import ResourceKind
    from scheduling.models import Dewar, NitrogenReading, Resource

    location = Location.objects.get(name="Bench 0")
    resource, _ = Resource.objects.get_or_create(
        location=location, name="Bench dewar", defaults={"kind": ResourceKind.objects.get(slug="nitrogen-dewar")}
    )
    dewar, created = Dewar.objects.get_or_create(
        resource=resource, defaults={"capacity_litres": 35, "daily_loss_litres": Decimal("0.5"), "reserve_litres": 5}
    )
    registrar, _ = User.objects.get_or_create(username="bench_registrar")
    registrar.groups.add(Group.objects.get(name="registrar"))
    registrar.locations.add(location)
    if created:
        now = timezone.now()
        for n, (kind, litres) in enumerate((("refill", 34), ("weighing", 31), ("weighing", 28))):
            NitrogenReading.objects.create(
                dewar=dewar,
                kind=kind,
                litres=litres,
                measured_at=now - datetime.timedelta(days=3 - n),
                recorded_by=registrar,
            )
    client = Client()
    client.force_login(registrar)
    url = f"/scheduling/nitrogen/{dewar.pk}/"
    with override_settings(**PRODUCTION_LIKE):
        assert client.get(url).status_code == 200
        for _ in range(3):
            client.get(url)
        return timed(lambda i: client.get(url), 50)


def bench_cashier_day():
    """The cashier's day of "Bench 0" on a day with 200 sessions and 300 payments (made once, in bulk:
    the day's figures are what is measured, not the taking)."""
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import Location, User
    from billing.models import Payment, Receipt
    from scheduling.models import Session

    location = Location.objects.get(name="Bench 0")
    registrar, _ = User.objects.get_or_create(username="bench_registrar")
    registrar.groups.add(Group.objects.get(name="registrar"))
    registrar.locations.add(location)
    day = first_day() + datetime.timedelta(days=10)
    noon = datetime.datetime.combine(day, datetime.time(12), tzinfo=location.tz)
    if not Payment.objects.filter(idempotency_key__startswith="bench-day-").exists():
        sessions = list(Session.objects.on_local_day(day, location.tz).filter(location=location)[:200])
        Payment.objects.bulk_create(
            Payment(
                course_id=sessions[n % len(sessions)].course_id,
                amount=950 if n % 3 else 4500,
                method=("cash", "card", "transfer")[n % 3],
                registrar=registrar,
                location=location,
                taken_at=noon + datetime.timedelta(minutes=n),
                idempotency_key=f"bench-day-{n:06d}-payment",
            )
            for n in range(300)
        )
        # Each payment has its advance receipt, sent, as on a working day.
        Receipt.objects.bulk_create(
            Receipt(
                kind="advance", payment=p, amount=p.amount, status="sent", provider_id=f"bench-{p.pk}", sent_at=noon
            )
            for p in Payment.objects.filter(idempotency_key__startswith="bench-day-")
        )
    client = Client()
    client.force_login(registrar)
    url = f"/billing/day/?location={location.pk}&date={day.isoformat()}"
    with override_settings(**PRODUCTION_LIKE):
        response = client.get(url)
        assert response.status_code == 200 and response.content.decode().count("data-payment") >= 300
        for _ in range(3):
            client.get(url)
        return timed(lambda i: client.get(url), 50)


def bench_reports():
    """Each report for a month of the filled days: one location ("Bench 0") and all 50, through the API.

    A registrar attached to every bench location asks (an administrator's pages want a second factor);
    her locations are all the bench's, so "all" is the same set of locations an administrator sees.
    """
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import Location, User
    from reports.selectors import REPORTS

    locations = list(Location.objects.filter(name__startswith="Bench "))
    one = next(loc for loc in locations if loc.name == "Bench 0")
    user, _ = User.objects.get_or_create(username="bench_reports_registrar")
    user.groups.add(Group.objects.get(name="registrar"))
    user.locations.add(*locations)
    client = Client()
    client.force_login(user)
    first = first_day()
    month = {"date_from": first.isoformat(), "date_to": (first + datetime.timedelta(days=30)).isoformat()}
    results = {}
    with override_settings(**PRODUCTION_LIKE):
        for scope, params, runs in (("one location", month | {"location": one.pk}, 10), ("all locations", month, 5)):
            for name in REPORTS:
                url = f"/api/v1/reports/{name}/"
                assert client.get(url, params).status_code == 200  # warm
                results[(name, scope)] = timed(lambda i, url=url, params=params: client.get(url, params), runs)
            results[("page", scope)] = timed(lambda i, params=params: client.get("/reports/", params), 3)
    return results


WAITLIST_SIZES = {"Bench 1": 1_000, "Bench 2": 10_000}  # entries waiting at each location

WAITLIST_PATIENTS_SQL = """
INSERT INTO patients_patient (full_name, date_of_birth, sex, phone, phone_digits, email, preferred_language,
                              consent_sms, consent_email, notes, home_location_id, created_at, updated_at)
SELECT 'Ожидающая ' || %(tag)s || ' ' || p, date '1970-01-01' + (p %% 15000), 'female',
       '+7901' || lpad(p::text, 7, '0'), '901' || lpad(p::text, 7, '0'), '', 'ru', true, false, '',
       %(location)s, now(), now()
FROM generate_series(0, %(count)s - 1) p;
"""


def _waitlist_build(name: str, size: int, day: datetime.date):
    """`size` waiting entries at location `name`, in order of waiting, made once.

    One in ten fits the freed time (any day, any time); the others wait for other weekdays or for an
    evening window. One fitting patient in five is screened and ice-tested: the other four are not
    eligible, and the planner asks the eligibility function about each before it is skipped.
    """
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Location
    from patients.models import Patient
    from procedures.models import Procedure, ResourceKind
    from scheduling.models import Resource, WaitlistEntry

    location = Location.objects.get(name=name)
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    tag = f"лист{size}"
    # The bench's courses are written without a dewar; a course planned here needs one.
    Resource.objects.get_or_create(
        location=location, name="Bench dewar", defaults={"kind": ResourceKind.objects.get(slug="nitrogen-dewar")}
    )
    if WaitlistEntry.objects.filter(location=location).count() >= size:
        return location
    print(f"[bench] putting {size:,} patients on the waiting list at {name} (once)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(WAITLIST_PATIENTS_SQL, {"tag": tag, "count": size, "location": location.pk})
    patients = list(Patient.objects.filter(full_name__startswith=f"Ожидающая {tag} ").order_by("pk"))
    now = timezone.now()
    other_days = [d for d in range(7) if d != day.weekday()]
    entries = []
    for j, patient in enumerate(patients):
        fits = j % 10 == 0
        entries.append(
            WaitlistEntry(
                patient=patient,
                procedure=cryo,
                location=location,
                weekdays=[] if fits or j % 2 else other_days,
                time_from=None if fits or not j % 2 else datetime.time(19),
                earliest_on=timezone.localdate(),
                latest_on=day + datetime.timedelta(days=30),
                sessions=10,
                via="desk",
                created_at=now + datetime.timedelta(microseconds=j),
            )
        )
    WaitlistEntry.objects.bulk_create(entries, batch_size=2000)
    _make_eligible_for_cryomassage(Patient.objects.filter(pk__in=[p.pk for p in patients[::50]]))
    return location


def _waitlist_slot(place: dict, n: int) -> dict:
    """The n-th freed time of a run: hours 09:00 to 18:00 with each clinician in turn (20 minutes)."""
    start = datetime.datetime.combine(place["day"], datetime.time(9 + n % 10), tzinfo=place["location"].tz)
    return {
        "session_id": place["freed"].pk,
        "location_id": place["location"].pk,
        "procedure_id": place["freed"].course.procedure_id,
        "clinician_id": place["doctors"][(n // 10) % len(place["doctors"])].pk,
        "start": start,
        "end": start + datetime.timedelta(minutes=20),
    }


def _waitlist_place(name: str, size: int) -> dict:
    from django.db.models import Max

    from accounts.models import User
    from scheduling.models import Session

    sessions = Session.objects.filter(location__name=name)
    last = sessions.aggregate(last=Max("start"))["last"]
    day = last.astimezone(datetime.UTC).date() + datetime.timedelta(days=5)
    location = _waitlist_build(name, size, day)
    doctors = list(User.objects.filter(locations=location, groups__name="clinician").order_by("pk"))
    freed = sessions.select_related("course").order_by("pk").first()
    return {"location": location, "day": day, "doctors": doctors, "freed": freed}


def bench_waitlist():
    """The waiting list: one freed time matched against 1,000 and 10,000 waiting entries, then the offers
    made a second over a run of freed times (10,000 waiting). Offers are rolled back after each run.

    The freed time is on a day after the filled ones (the planner must place the whole course from it);
    each match makes the 3 offers a slot allows (WAITLIST_OFFERS_PER_SLOT).
    """
    from django.conf import settings
    from django.db import transaction

    from scheduling.services.waitlist import waitlist_offer_slot

    results = {}
    for name, size in WAITLIST_SIZES.items():
        place = _waitlist_place(name, size)
        made = []

        def match(i, place=place, made=made):
            with transaction.atomic():
                made.append(len(waitlist_offer_slot(**_waitlist_slot(place, 0))))
                transaction.set_rollback(True)

        match(0)  # warm
        results[size] = (*timed(match, 5), made[-1])
    # Offers a second: freed times one after another, the offers kept until the run ends (each patient
    # is offered once a day, so each slot goes further down the list).
    count = int(os.environ.get("BENCH_WAITLIST_SLOTS", "20"))
    with transaction.atomic():
        started = time.perf_counter()
        offers = sum(len(waitlist_offer_slot(**_waitlist_slot(place, n))) for n in range(count))
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    results["rate"] = (offers, count, offers / elapsed, settings.WAITLIST_OFFERS_PER_SLOT)
    return results


def _print_waitlist(results) -> None:
    print(
        f"\n{'waiting list: a freed time matched, 3 offers made':<64} {'queries':>7} {'median ms':>9} {'p95 ms':>7}  offers"
    )
    for size in WAITLIST_SIZES.values():
        queries, median, p95, made = results[size]
        print(
            f"{f'{size:,} waiting (1 in 10 fits, 1 in 5 of those eligible)':<64} {queries:>7} {median:>9.1f} {p95:>7.1f}  {made}"
        )
    offers, slots, rate, per_slot = results["rate"]
    print(
        f"offers made over {slots} freed times, 10,000 waiting: {offers} offers, {rate:.1f} offers/s (≤ {per_slot} a slot)"
    )


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _make_eligible_for_cryomassage(patients) -> None:
    """Sign a screening and an ice test, through the services, for the patients who have none yet
    (once: the bench database keeps them)."""
    from accounts.models import User
    from procedures.models import Contraindication, Procedure, Screening
    from procedures.services import ice_test_record, screening_sign

    Procedure.objects.filter(slug="cryomassage-contact").update(screening_valid_days=400, ice_test_valid_days=400)
    cryo = Procedure.objects.get(slug="cryomassage-contact")
    missing = list(patients.exclude(pk__in=Screening.objects.values("patient_id")))
    if not missing:
        return
    doctor = User.objects.filter(username__startswith="bench_doc_", groups__name="clinician").first()
    answers = {c.id: (False, "") for c in Contraindication.objects.filter(procedures=cryo)}
    when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=2)
    print(f"[bench] signing screenings and ice tests for {len(missing):,} patients (once)", flush=True)
    for patient in missing:
        screening_sign(
            actor=doctor, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2, examined_at=when
        )
        ice_test_record(actor=doctor, patient=patient, area="nape", exposure_seconds=10, performed_at=when)


def bench_reminders():
    """10,000 reminders due at once: the scan's time, then one worker's send rate beside a no-op's."""
    import subprocess
    import zoneinfo

    from django.db import connection, transaction

    from patients.models import Patient
    from reminders import services as reminders
    from reminders.models import Dispatch, DispatchStatus
    from scheduling.models import Session

    # Day 0 of the filled days: 500 clinicians x 20 slots from 08:30 to 18:00 = 10,000 sessions.
    tz = zoneinfo.ZoneInfo("Europe/Moscow")
    day = first_day()
    now = datetime.datetime.combine(day, datetime.time(8), tzinfo=tz) - datetime.timedelta(hours=14)
    begin = datetime.datetime.combine(day, datetime.time(0), tzinfo=tz)
    day_sessions = Session.objects.filter(
        start__gte=begin, start__lt=begin + datetime.timedelta(days=1), location__name__startswith="Bench "
    )
    patients = Patient.objects.filter(pk__in=day_sessions.values("patient_id"))
    _make_eligible_for_cryomassage(patients)  # a reminder of an ineligible patient's session is held
    Dispatch.objects.filter(session__in=day_sessions).delete()
    patients.update(consent_email=True, consent_sms=False, email="bench@example.com")
    scan_times = []
    for _ in range(3):
        with transaction.atomic():
            started = time.perf_counter()
            added = reminders.scan(now)
            scan_times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    with transaction.atomic():
        reminders.scan(now)
    batches = reminders.enqueue(now)
    due = sum(len(b) for b in batches)

    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import SmtpSink  # the same local SMTP server the tests use

    from clinic.celery import app
    from clinic.tasks import noop

    with SmtpSink() as smtp:
        env = {
            **os.environ,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "DJANGO_DEBUG": "false",
            "SITE_URL": "https://clinic.example",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "clinic",
                "worker",
                *os.environ.get("BENCH_WORKER_POOL", "--pool=solo").split(),
                "-Q",
                "bench",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                "bench@%h",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            while not app.control.ping(destination=[f"bench@{os.uname().nodename}"], timeout=1):
                time.sleep(0.5)

            def noop_rate_now(n=3000):
                started = time.perf_counter()
                results = [noop.apply_async(queue="bench") for _ in range(n)]
                results[-1].get(timeout=600)
                return n / (time.perf_counter() - started)

            noop_rates = [noop_rate_now()]
            cpu_before, sink_before = process_cpu_seconds(worker.pid), process_cpu_seconds(os.getpid())
            started = time.perf_counter()
            from reminders.tasks import send_dispatches

            for ids in batches:
                send_dispatches.apply_async((ids,), queue="bench")
            ids = [i for b in batches for i in b]
            sent = Dispatch.objects.filter(pk__gte=min(ids), pk__lte=max(ids), status=DispatchStatus.SENT)
            finished = Dispatch.objects.filter(pk__gte=min(ids), pk__lte=max(ids)).exclude(
                status__in=[DispatchStatus.PENDING, DispatchStatus.SENDING]
            )
            deadline = time.monotonic() + 600
            while finished.count() < due:  # a range, not 10,000 ids: the poll must not load the machine
                if time.monotonic() > deadline:
                    raise SystemExit("[bench] the reminders were not all sent within 10 minutes")
                time.sleep(0.5)
            if sent.count() < due:
                raise SystemExit(f"[bench] only {sent.count():,} of {due:,} reminders were sent (the rest held)")
            send_rate = due / (time.perf_counter() - started)
            cpu_ms = (process_cpu_seconds(worker.pid) - cpu_before) * 1000 / due
            sink_ms = (process_cpu_seconds(os.getpid()) - sink_before) * 1000 / due
            print(
                f"[bench] CPU per email: the worker {cpu_ms:.2f} ms, the SMTP server (this process) {sink_ms:.2f} ms",
                flush=True,
            )
            # This machine's speed drifts (a shared VM): the yardstick is taken before and after the
            # send, and the faster of the two is the one the send rate is held against.
            noop_rates.append(noop_rate_now())
        finally:
            worker.terminate()
            worker.wait(30)
        received = len(smtp.messages)
    with connection.cursor():
        pass
    return added, statistics.median(scan_times), due, received, send_rate, noop_rates


def main() -> int:
    use_bench_database()
    setup_django()
    build()
    if sys.argv[1:] == ["floor"]:  # just issue 22's paths, each beside the trivial request
        _print_floor()
        return 0
    if sys.argv[1:] == ["portal"]:
        queries, median, p95 = bench_portal()
        print(f"portal home: queries {queries}, median {median:.1f} ms, p95 {p95:.1f} ms")
        return 0
    if sys.argv[1:] == ["nitrogen"]:
        queries, median, p95 = bench_nitrogen()
        print(f"nitrogen page (a dewar, a month ahead): queries {queries}, median {median:.1f} ms, p95 {p95:.1f} ms")
        return 0
    if sys.argv[1:] == ["cashier"]:
        queries, median, p95 = bench_cashier_day()
        print(f"cashier's day (300 payments): queries {queries}, median {median:.1f} ms, p95 {p95:.1f} ms")
        return 0
    if sys.argv[1:] == ["waitlist"]:  # just the waiting list's figures
        _print_waitlist(bench_waitlist())
        return 0
    if sys.argv[1:] == ["reports"]:  # just the reports' figures
        _print_reports(bench_reports())
        return 0
    if sys.argv[1:] == ["reminders"]:  # just the reminder figures, for working on the send path
        added, scan_ms, due, received, send_rate, noop_rates = bench_reminders()
        print(
            f"scan {added:,} in {scan_ms:.0f} ms; send {send_rate:.0f}/s ({received:,} received); "
            f"no-op {noop_rates[0]:.0f}/s before, {noop_rates[1]:.0f}/s after; "
            f"ratio {send_rate / max(noop_rates):.2f} (to the faster)"
        )
        return 0
    from scheduling.models import Session

    total = Session.objects.count()
    print(f"[bench] sessions in the table: {total:,}")
    _, trivial_ms, _ = bench_trivial()
    day_sessions, (cal_q, cal_med, cal_p95) = bench_calendar()
    book_q, book_med, book_p95, book_rate = bench_booking()
    search_q, search_med, search_p95 = bench_search()
    portal_q, portal_med, portal_p95 = bench_portal()
    day_q, day_med, day_p95 = bench_cashier_day()
    n2_q, n2_med, n2_p95 = bench_nitrogen()
    reports = bench_reports()
    waitlist = bench_waitlist()
    added, scan_ms, due, received, send_rate, noop_rates = bench_reminders()
    noop_rate = max(noop_rates)
    rows = [
        (
            "day calendar (200 sessions, 1M in the table)",
            f"{cal_q}",
            f"{cal_med:.1f}",
            f"{cal_p95:.1f}",
            "",
            "issue #22: ≤ 4 queries, ≤ 10 ms, ≤ 20x trivial",
        ),
        (
            "book a 12-session course",
            f"{book_q}",
            f"{book_med:.1f}",
            f"{book_p95:.1f}",
            "",
            "issue #22: ≤ 8 queries, ≤ 20 ms",
        ),
        (
            "patient search, 100,000 patients",
            f"{search_q}",
            f"{search_med:.1f}",
            f"{search_p95:.1f}",
            "",
            "issue #22: ≤ 10 ms",
        ),
        (
            "portal home (12-session course)",
            f"{portal_q}",
            f"{portal_med:.1f}",
            f"{portal_p95:.1f}",
            "",
            "issue #22: ≤ 10 ms",
        ),
        (
            "cashier's day (200 sessions, 300 payments)",
            f"{day_q}",
            f"{day_med:.1f}",
            f"{day_p95:.1f}",
            "",
            "< 50 ms median",
        ),
        (
            "nitrogen page (a dewar, its month ahead)",
            f"{n2_q}",
            f"{n2_med:.1f}",
            f"{n2_p95:.1f}",
            "",
            "fixed queries",
        ),
    ]
    rows += [
        ("book courses, 4 concurrent clients, one location", "", "", "", f"{book_rate:.1f} courses/s", ">= 100 /s"),
        ("reminders: scan 10,000 due at once", "3", f"{scan_ms:.0f}", "", "median of 3", "< 1000 ms"),
        ("reminders: one worker sends to a local SMTP server", "", "", "", f"{send_rate:.0f} /s", ""),
        (
            "a no-op Celery task, same worker (before / after)",
            "",
            "",
            "",
            f"{noop_rates[0]:.0f} / {noop_rates[1]:.0f} /s",
            "",
        ),
        ("send rate / the faster no-op rate", "", "", "", f"{send_rate / noop_rate:.2f}", ">= 0.5"),
    ]
    print(
        f"\n[bench] {os.cpu_count()} cores; the calendar day shows {day_sessions} sessions; the scan recorded "
        f"{added:,} reminders; {received:,} of {due:,} emails reached the SMTP server"
    )
    print(f"[bench] the trivial request (/readyz: one query, a few bytes): median {trivial_ms:.2f} ms")
    print(f"{'benchmark':<52} {'queries':>7} {'median ms':>9} {'x trivial':>9} {'p95 ms':>7} {'rate':>16}  target")
    for name, q, med, p95, rate, target in rows:
        times = f"{float(med) / trivial_ms:.0f}x" if med else ""
        print(f"{name:<52} {q:>7} {med:>9} {times:>9} {p95:>7} {rate:>16}  {target}")
    _print_reports(reports)
    _print_waitlist(waitlist)
    return 0


def _print_floor() -> None:
    """The hot paths of issue 22 and the trivial request, measured in one run, without the rest."""
    _, trivial_ms, _ = bench_trivial()
    sessions, (cal_q, cal_med, _cal_p95) = bench_calendar()
    book_q, book_med, _book_p95, book_rate = bench_booking()
    search_q, search_med, _search_p95 = bench_search()
    portal_q, portal_med, _portal_p95 = bench_portal()
    print(f"[bench] {os.cpu_count()} cores; trivial request (/readyz) median {trivial_ms:.2f} ms")
    print(f"{'path':<44} {'queries':>7} {'median ms':>9} {'x trivial':>9}  target")
    for name, q, med, target in (
        (f"day grid ({sessions} sessions, 1M in the table)", cal_q, cal_med, "≤ 4 q, ≤ 10 ms, ≤ 20x"),
        ("book a 12-session course", book_q, book_med, "≤ 8 q, ≤ 20 ms"),
        ("patient search, 100,000 patients", search_q, search_med, "≤ 10 ms"),
        ("portal home (12-session course)", portal_q, portal_med, "≤ 10 ms"),
    ):
        print(f"{name:<44} {q:>7} {med:>9.1f} {med / trivial_ms:>8.1f}x  {target}")
    print(f"{'4 registrars booking at one location':<44} {'':>7} {book_rate:>9.1f} courses/s  ≥ 100 /s")


def _print_reports(results) -> None:
    print(
        f"\n{'report, a month of 1M sessions (API; page: all six)':<52} {'queries':>7} {'median ms':>9} {'p95 ms':>7}  target"
    )
    for (name, scope), (queries, median, p95) in results.items():
        target = "" if name == "page" else ("< 1000 ms" if scope == "one location" else "< 3000 ms")
        print(f"{name + ', ' + scope:<52} {queries:>7} {median:>9.1f} {p95:>7.1f}  {target}")


if __name__ == "__main__":
    sys.exit(main())
