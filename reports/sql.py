"""The reports' SQL: each report is one statement that aggregates in the database.

Every statement starts from `loc`: the asked locations with the range's bounds in each one's own time
zone (the first day's midnight to the midnight after the last day), so a session's day is the day
on the clock of its location, and the (location, start) index finds the sessions of the range.
Parameters: %(first)s, %(last)s (dates, the last included), %(locations)s (ids), %(clinician)s and
%(procedure)s (an id or NULL: no filter), %(notice_hours)s (the cancellation notice).
"""

LOC = """
loc AS (
  SELECT id, time_zone,
         (%(first)s::date)::timestamp AT TIME ZONE time_zone AS begin_at,
         (%(last)s::date + 1)::timestamp AT TIME ZONE time_zone AS end_at
  FROM accounts_location WHERE id = ANY(%(locations)s::int[])
)"""

# The sessions that start in the range at the asked locations, of the asked clinician and procedure.
# Without a procedure the course is not read (the EXISTS folds away when the parameter is NULL).
SCOPED = """
scoped AS NOT MATERIALIZED (
  SELECT s.id, s.course_id, s.patient_id, s.location_id, s.clinician_id, s.start, s."end", s.status,
         s.updated_at, (s.start AT TIME ZONE loc.time_zone)::date AS day
  FROM loc
  JOIN scheduling_session s ON s.location_id = loc.id AND s.start >= loc.begin_at AND s.start < loc.end_at
  WHERE (%(clinician)s::int IS NULL OR s.clinician_id = %(clinician)s::int)
    AND (%(procedure)s::int IS NULL OR EXISTS (
      SELECT 1 FROM scheduling_course c WHERE c.id = s.course_id AND c.procedure_id = %(procedure)s::int
    ))
)"""

# Booked time: what the sessions hold, scheduled or done (scheduling.models.ACTIVE_STATUSES); a
# cancelled or missed session frees its clinician and rooms, as the calendar shows it.
BOOKED_STATUSES = "('scheduled', 'completed')"

USER_NAME = "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username)"

# Available time, by the rules the planner checks a slot against (scheduling.planner.check_slot):
# a clinician's working hours on that weekday at that location, within the location's opening hours,
# not on a day of the clinician's leave, not on a day the location is closed. A room or device is
# available while the location is open. Booked time is the sessions' (a room's: its bookings').
UTILISATION = f"""
WITH {LOC}, {SCOPED},
days AS (
  SELECT loc.id AS location_id, d::date AS day, EXTRACT(ISODOW FROM d)::int - 1 AS weekday
  FROM loc CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
  WHERE NOT EXISTS (
    SELECT 1 FROM scheduling_closure cl
    WHERE cl.location_id = loc.id AND d::date BETWEEN cl.starts_on AND cl.ends_on
  )
),
open_days AS (
  SELECT days.location_id, days.day, days.weekday, oh.opens, oh.closes
  FROM days JOIN scheduling_openinghours oh ON oh.location_id = days.location_id AND oh.weekday = days.weekday
),
available AS (
  SELECT 'clinician' AS kind, sh.clinician_id AS entity_id, o.location_id, o.day,
         GREATEST(0, EXTRACT(EPOCH FROM (LEAST(sh.ends, o.closes) - GREATEST(sh.starts, o.opens))) / 60) AS minutes
  FROM open_days o
  JOIN scheduling_staffhours sh ON sh.location_id = o.location_id AND sh.weekday = o.weekday
  WHERE (%(clinician)s::int IS NULL OR sh.clinician_id = %(clinician)s::int)
    AND NOT EXISTS (
      SELECT 1 FROM scheduling_leave lv
      WHERE lv.clinician_id = sh.clinician_id AND o.day BETWEEN lv.starts_on AND lv.ends_on
    )
  UNION ALL
  SELECT 'resource', r.id, o.location_id, o.day, EXTRACT(EPOCH FROM (o.closes - o.opens)) / 60
  FROM open_days o JOIN scheduling_resource r ON r.location_id = o.location_id AND r.active
),
booked AS (
  SELECT 'clinician' AS kind, s.clinician_id AS entity_id, s.location_id, s.day,
         SUM(EXTRACT(EPOCH FROM (s."end" - s.start))) / 60 AS minutes
  FROM scoped s WHERE s.status IN {BOOKED_STATUSES} GROUP BY 2, 3, 4
  UNION ALL
  -- A room's active bookings are its holds (a cancelled or missed session's are released).
  SELECT 'resource', b.resource_id, r.location_id, (b.start AT TIME ZONE loc.time_zone)::date,
         SUM(EXTRACT(EPOCH FROM (b."end" - b.start))) / 60
  FROM loc JOIN scheduling_resource r ON r.location_id = loc.id
  JOIN scheduling_resourcebooking b
    ON b.resource_id = r.id AND b.active AND b.start >= loc.begin_at AND b.start < loc.end_at
  WHERE (%(clinician)s::int IS NULL AND %(procedure)s::int IS NULL)
     OR b.session_id IN (SELECT id FROM scoped)
  GROUP BY 2, 3, 4
),
together AS (
  SELECT kind, entity_id, location_id, day, minutes AS available, 0 AS booked FROM available
  UNION ALL
  SELECT kind, entity_id, location_id, day, 0, minutes FROM booked
),
periods AS (
  SELECT kind, entity_id, location_id, {{period}} AS period,
         ROUND(SUM(booked))::int AS booked, ROUND(SUM(available))::int AS available
  FROM together GROUP BY 1, 2, 3, 4
)
SELECT p.kind, p.entity_id, p.location_id, p.period, p.booked, p.available,
       CASE WHEN p.kind = 'clinician' THEN {USER_NAME} ELSE r.name END AS name
FROM periods p
LEFT JOIN accounts_user u ON p.kind = 'clinician' AND u.id = p.entity_id
LEFT JOIN scheduling_resource r ON p.kind = 'resource' AND r.id = p.entity_id
ORDER BY p.kind, p.location_id, name, p.entity_id, p.period
"""

PERIODS = {"day": "day", "week": "date_trunc('week', day)::date"}

# A cancellation is late when it came after the deadline (scheduling.services.cancel_deadline: the
# start less CANCEL_NOTICE_HOURS). A cancelled session is not changed again, so its updated_at is
# the moment it was cancelled.
ATTENDANCE = f"""
WITH {LOC}, {SCOPED}
SELECT s.location_id, s.clinician_id, {USER_NAME} AS name,
       COUNT(*) AS booked,
       COUNT(*) FILTER (WHERE s.status = 'completed') AS completed,
       COUNT(*) FILTER (WHERE s.status = 'no_show') AS no_show,
       COUNT(*) FILTER (WHERE s.status = 'cancelled') AS cancelled,
       COUNT(*) FILTER (
         WHERE s.status = 'cancelled' AND s.updated_at > s.start - %(notice_hours)s * interval '1 hour'
       ) AS late_cancelled,
       COUNT(*) FILTER (WHERE s.status = 'scheduled') AS scheduled
FROM scoped s JOIN accounts_user u ON u.id = s.clinician_id
GROUP BY s.location_id, s.clinician_id, u.id
ORDER BY s.location_id, name, s.clinician_id
"""

# The courses that started in the range: their first session (of any status) is in it. The
# candidates are the courses of the range's sessions; the course's own sessions give its first
# start and how many were delivered.
STARTED = f"""
{LOC}, {SCOPED},
per_course AS (
  SELECT s.course_id, MIN(s.start) AS first_start, COUNT(*) FILTER (WHERE s.status = 'completed') AS delivered
  FROM scheduling_session s WHERE s.course_id IN (SELECT course_id FROM scoped)
  GROUP BY s.course_id
),
started AS (
  SELECT c.id, c.patient_id, c.location_id, c.procedure_id, c.status, pc.delivered, loc.begin_at
  FROM per_course pc JOIN scheduling_course c ON c.id = pc.course_id JOIN loc ON loc.id = c.location_id
  WHERE pc.first_start >= loc.begin_at
)"""

COMPLETION = f"""
WITH {STARTED}
SELECT location_id, procedure_id, status, delivered, COUNT(*) AS courses
FROM started GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""

# New: the patient's first course (no session of an earlier course anywhere in the clinic).
PATIENTS = f"""
WITH {STARTED},
flagged AS MATERIALIZED (  -- once per course, not once per count below
  SELECT st.location_id, st.patient_id, EXISTS (
    SELECT 1 FROM scheduling_session e WHERE e.patient_id = st.patient_id AND e.start < st.begin_at
  ) AS is_returning
  FROM started st
)
SELECT location_id,
       COUNT(DISTINCT patient_id) FILTER (WHERE NOT is_returning) AS new_patients,
       COUNT(DISTINCT patient_id) FILTER (WHERE is_returning) AS returning_patients
FROM flagged GROUP BY 1 ORDER BY 1
"""

# Booked value until payments are recorded: the courses booked in the range at their price, and the
# range's sessions at the course's price per session after its discount (total / sessions).
REVENUE = f"""
WITH {LOC}, {SCOPED},
booked_courses AS (
  SELECT c.location_id, c.procedure_id, COUNT(*) AS courses, SUM(c.total_price) AS booked_value
  FROM loc JOIN scheduling_course c ON c.location_id = loc.id
   AND c.created_at >= loc.begin_at AND c.created_at < loc.end_at
  WHERE (%(procedure)s::int IS NULL OR c.procedure_id = %(procedure)s::int)
    AND (%(clinician)s::int IS NULL OR EXISTS (
      SELECT 1 FROM scheduling_session s WHERE s.course_id = c.id AND s.clinician_id = %(clinician)s::int
    ))
  GROUP BY 1, 2
),
session_value AS (
  SELECT s.location_id, c.procedure_id,
         SUM(c.total_price / c.session_count) FILTER (WHERE s.status = 'completed') AS delivered_value,
         SUM(c.total_price / c.session_count) FILTER (WHERE s.status = 'scheduled') AS scheduled_value
  FROM scoped s JOIN scheduling_course c ON c.id = s.course_id GROUP BY 1, 2
)
SELECT COALESCE(b.location_id, v.location_id) AS location_id, COALESCE(b.procedure_id, v.procedure_id) AS procedure_id,
       COALESCE(b.courses, 0) AS courses, COALESCE(b.booked_value, 0) AS booked_value,
       COALESCE(v.delivered_value, 0) AS delivered_value, COALESCE(v.scheduled_value, 0) AS scheduled_value
FROM booked_courses b FULL JOIN session_value v ON v.location_id = b.location_id AND v.procedure_id = b.procedure_id
ORDER BY 1, 2
"""

# Website requests (not a patient's request to move a session) left in the range, in the zone of the
# first asked location (a request names no location). One became a course when its patient has a
# course at an asked location booked at or after the request.
REQUESTS = """
SELECT r.procedure_id,
       COUNT(*) AS requests,
       COUNT(*) FILTER (WHERE r.status = 'new') AS open,
       COUNT(*) FILTER (WHERE r.status = 'handled') AS handled,
       COUNT(*) FILTER (WHERE r.status = 'dismissed') AS dismissed,
       COUNT(*) FILTER (WHERE r.patient_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM scheduling_course c
         WHERE c.patient_id = r.patient_id AND c.created_at >= r.created_at
           AND c.location_id = ANY(%(locations)s::int[])
           AND (%(procedure)s::int IS NULL OR c.procedure_id = %(procedure)s::int)
       )) AS became_courses
FROM scheduling_bookingrequest r
WHERE r.session_id IS NULL AND r.created_at >= %(begin_at)s AND r.created_at < %(end_at)s
  AND (%(procedure)s::int IS NULL OR r.procedure_id = %(procedure)s::int)
GROUP BY r.procedure_id
ORDER BY r.procedure_id NULLS LAST
"""
