"""A new course, its sessions and their room and device bookings, written in one statement.

Three INSERTs chained in data-modifying CTEs: the sessions take the course's new id, the bookings
their session's (matched by start, which no two sessions of one course share: the patient's
exclusion constraint refuses it). The rows are the models' own, prepared by their fields as
Model.save() and bulk_create() prepare them (defaults, auto_now, types); the constraints are the
same, and the deferred exclusion checks still run where the caller asks (check_clashes_now).
"""

from __future__ import annotations

from django.db import connection

from ..models import Course, ResourceBooking, Session

_SQL = """
WITH course AS (
  INSERT INTO {course} ({course_columns}) VALUES ({course_values}) RETURNING id
), sessions AS (
  INSERT INTO {session} (course_id, {session_columns})
  SELECT course.id, {session_rows} FROM course, unnest({session_arrays}) AS r({session_names})
  RETURNING id, start
), bookings AS (
  INSERT INTO {booking} (session_id, {booking_columns})
  SELECT sessions.id, {booking_rows}
  FROM sessions JOIN unnest(%s::timestamptz[], {booking_arrays}) AS r(at, {booking_names}) ON r.at = sessions.start
)
SELECT course.id, sessions.id, sessions.start FROM course LEFT JOIN sessions ON true
"""


def _fields(model, *, skip: str = ""):
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname != skip]


def _row(obj, fields) -> list:
    """The values save() would write (pre_save fills auto_now and auto_now_add on the object too)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _parts(key: str, model, objs, skip: str) -> tuple[dict[str, str], list]:
    """The column list, unnest()'s typed arrays and the SELECT's names for one table's rows."""
    fields = _fields(model, skip=skip)
    rows = [_row(obj, fields) for obj in objs]
    quote = connection.ops.quote_name
    names = [f"c{n}" for n in range(len(fields))]
    # without the length (varchar[], not varchar(10)[]), as bulk_create's unnest does
    types = [f.db_type(connection).split("(")[0] for f in fields]
    sql = {
        key: quote(model._meta.db_table),
        f"{key}_columns": ", ".join(quote(f.column) for f in fields),
        f"{key}_arrays": ", ".join(f"%s::{t}[]" for t in types),
        f"{key}_names": ", ".join(names),
        f"{key}_rows": ", ".join(f"r.{n}" for n in names),
    }
    return sql, [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in fields]


def insert_course(course: Course, sessions: list[Session], bookings: list[ResourceBooking]) -> None:
    """Write the course, its sessions and each session's bookings (`booking.start` names its session);
    set their primary keys and links as save() would."""
    course_fields = _fields(Course)
    sql = {
        "course": connection.ops.quote_name(Course._meta.db_table),
        "course_columns": ", ".join(connection.ops.quote_name(f.column) for f in course_fields),
        "course_values": ", ".join(["%s"] * len(course_fields)),
    }
    session_sql, session_params = _parts("session", Session, sessions, skip="course_id")
    booking_sql, booking_params = _parts("booking", ResourceBooking, bookings, skip="session_id")
    params = [*_row(course, course_fields), *session_params, [b.start for b in bookings], *booking_params]
    with connection.cursor() as cursor:
        cursor.execute(_SQL.format(**sql, **session_sql, **booking_sql), params)
        rows = cursor.fetchall()
    course.pk = rows[0][0]
    course._state.adding, course._state.db = False, connection.alias
    by_start = {start: pk for _course, pk, start in rows if pk is not None}
    for session in sessions:
        session.pk, session.course = by_start[session.start], course
        session._state.adding, session._state.db = False, connection.alias
