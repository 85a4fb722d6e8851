"""The registrar's time grid: its frame (columns, hours, free time, closures, leave), its pinned
queries, drag-to-move through the move form's own service, booking from a free gap, day sheets."""

import datetime
import html
import json
import re

import pytest
from django.urls import reverse

from scheduling.gridtime import clock, frame_of, free_gaps, minutes, out_of_hours, subtract
from scheduling.models import Closure, Leave, Session, SessionStatus

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from ..helpers import page_queries
from .conftest import book_course, next_weekday
from .test_pages_and_api import _make_eligible

# ---------------------------------------------------------------- the arithmetic (no database)


def test_todays_column_is_not_shaded_like_leave_or_a_flagged_session():
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    today = re.search(r"\.calendar-grid \.ec \{[^}]*--ec-today-bg-color:\s*(#[0-9a-f]+)", css)
    leave = re.search(r"\.ec-leave, [^{]*\{ background-color: (#[0-9a-f]+)", css)
    flagged = re.search(r"\.ec-event\.ec-flagged \{ background-color: (#[0-9a-f]+)", css)
    assert today and leave and flagged  # Event Calendar's own pale yellow would read as the legend's "on leave"
    assert today.group(1) not in {leave.group(1), flagged.group(1)}


def test_a_session_splits_the_working_time_into_two_free_gaps():
    working = (minutes("09:00"), minutes("18:00"))
    assert free_gaps(working, [(minutes("10:00"), minutes("10:20"))]) == [(540, 600), (620, 1080)]


def test_a_gap_shorter_than_a_quarter_of_an_hour_is_not_offered():
    working = (minutes("09:00"), minutes("10:00"))
    assert free_gaps(working, [(minutes("09:10"), minutes("09:50"))]) == []


def test_a_day_off_is_all_out_of_hours_and_has_no_free_time():
    assert out_of_hours(None, (540, 1200)) == [(540, 1200)]
    assert free_gaps(None, []) == []


def test_time_that_has_passed_is_not_free():
    assert free_gaps((540, 1080), [], not_before=minutes("12:07")) == [(727, 1080)]
    assert free_gaps((540, 1080), [], not_before=24 * 60) == []


def test_out_of_hours_is_the_grid_less_the_working_time():
    assert out_of_hours((600, 1080), (540, 1200)) == [(540, 600), (1080, 1200)]
    assert subtract([(0, 100)], [(10, 20), (15, 30), (90, 120)]) == [(0, 10), (30, 90)]


def test_the_grid_spans_whole_hours_around_the_hours_and_the_sessions():
    assert frame_of([(540, 1200), (1210, 1230)]) == (540, 21 * 60)
    assert frame_of([]) == (540, 1080)
    assert clock(1440) == "24:00" and minutes(datetime.time(7, 5)) == 425


# ---------------------------------------------------------------- the page


def grid_options(response) -> dict:
    block = r'<script id="calendar-options" type="application/json">(.*?)</script>'
    found = re.search(block, response.content.decode())
    assert found, "the grid's data block is missing"
    return json.loads(found.group(1))


def calendar_url(location, day, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"location": location.pk, "date": day.isoformat(), **extra}.items())
    return f"{reverse('scheduling:calendar')}?{query}"


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location):
    return book_course(registrar, eligible_patient, cryo, location)


@pytest.fixture
def first(course):
    return course.sessions.order_by("start").first()


@pytest.mark.django_db
def test_the_grid_is_the_default_with_every_clinician_of_the_location_as_a_column(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    options = grid_options(as_registrar.get(calendar_url(location, day)))
    assert options["view"] == "resourceTimeGridDay" and options["date"] == day.isoformat()
    titles = [r["title"] for r in options["resources"]]
    assert len(titles) == 3  # doc_a and doc_b of the clinic, and clinician1, who has no session today
    session = next(e for e in options["events"] if e.get("id") == first.pk)
    assert session["start"] == f"{day}T10:00:00" and session["title"] == "Maria Petrovna Ivanova"
    assert session["extendedProps"]["place"] == "session 1 of 10"
    assert session["extendedProps"]["url"] == first.course.get_absolute_url()
    assert session["resourceIds"] == [first.clinician_id] and session["editable"] is True
    assert options["hours"] == ["09:00", "20:00"] and options["offset"] == "+03:00"


@pytest.mark.django_db
def test_free_time_is_the_clinicians_hours_less_their_sessions(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    options = grid_options(as_registrar.get(calendar_url(location, day)))
    shading = [e for e in options["events"] if e.get("display") == "background"]
    mine = [e for e in shading if e["resourceIds"] == [first.clinician_id]]
    free = [(e["start"][11:16], e["end"][11:16]) for e in mine if e["classNames"] == ["ec-free"]]
    off = [(e["start"][11:16], e["end"][11:16]) for e in mine if e["classNames"] == ["ec-off"]]
    assert free == [("09:00", "10:00"), ("10:20", "18:00")]  # a 20-minute session at 10:00
    assert off == [("18:00", "20:00")]  # open until 20:00, the clinician works until 18:00
    page = as_registrar.get(calendar_url(location, day)).content.decode()
    assert "10:20–18:00" in page  # the free times listed for the keyboard, each a link to book there


@pytest.mark.django_db
def test_a_closure_and_a_leave_are_shaded_with_their_reasons(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Repairs")
    options = grid_options(as_registrar.get(calendar_url(location, day)))
    closed = [e for e in options["events"] if e.get("classNames") == ["ec-closed"]]
    assert len(closed) == 3 and {e["title"] for e in closed} == {"Closed: Repairs"}
    assert not [e for e in options["events"] if e.get("classNames") == ["ec-free"]]
    later = day + datetime.timedelta(days=2)
    Leave.objects.create(clinician=first.clinician, starts_on=later, ends_on=later, reason="Conference")
    options = grid_options(as_registrar.get(calendar_url(location, later)))
    leave = [e for e in options["events"] if e.get("classNames") == ["ec-leave"]]
    assert [e["title"] for e in leave] == ["Leave: Conference"] and leave[0]["resourceIds"] == [first.clinician_id]


@pytest.mark.django_db
def test_by_room_the_columns_are_the_rooms_and_devices(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    options = grid_options(as_registrar.get(calendar_url(location, day, by="room", view="week")))
    assert options["view"] == "resourceTimeGridWeek"
    assert sorted(r["title"] for r in options["resources"]) == ["Dewar A", "Room 1", "Room 2"]
    session = next(e for e in options["events"] if e.get("id") == first.pk)
    assert set(session["resourceIds"]) == set(first.bookings.values_list("resource_id", flat=True))


@pytest.mark.django_db
def test_the_data_block_keeps_a_name_from_closing_the_script_and_writes_letters_as_they_are(
    as_registrar, first, location
):
    from patients.models import Patient

    Patient.objects.filter(pk=first.patient_id).update(full_name='Анна </script><b x="1">& Co')
    day = first.start.astimezone(location.tz).date()
    response = as_registrar.get(calendar_url(location, day))
    page = response.content.decode()
    assert "</script><b" not in page and "Анна" in page  # Cyrillic as itself, not six-byte escapes
    assert r"\u003C/script\u003E\u003Cb x=\"1\"\u003E\u0026 Co" in page
    session = next(e for e in grid_options(response)["events"] if e.get("id") == first.pk)
    assert session["title"] == 'Анна </script><b x="1">& Co'


@pytest.mark.django_db
def test_the_list_layout_is_still_there(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    page = as_registrar.get(calendar_url(location, day, layout="list")).content.decode()
    assert 'id="calendar-options"' not in page
    assert f'href="{first.course.get_absolute_url()}">10:00–10:20</a>' in page


@pytest.mark.django_db
def test_a_clinician_sees_the_grid_but_cannot_drag_or_book(clinician, first, location):
    day = first.start.astimezone(location.tz).date()
    response = login(clinician).get(calendar_url(location, day))
    options = grid_options(response)
    assert options["editable"] is False and options["bookUrl"] == ""
    assert 'id="move-dialog"' not in response.content.decode()


@pytest.mark.django_db
def test_the_grid_runs_a_fixed_number_of_queries_whatever_the_sessions(
    as_registrar, registrar, clinic, eligible_patient, cryo, location
):
    day = next_weekday(0, location.tz)
    book_course(registrar, eligible_patient, cryo, location, first_day=day)
    urls = [calendar_url(location, day), calendar_url(location, day, view="week", by="room")]
    few = [page_queries(as_registrar, url) for url in urls]
    for hour in (11, 12, 13):
        other = PatientFactory(home_location=location)
        _make_eligible(other, cryo)
        book_course(registrar, other, cryo, location, first_day=day, hour=hour)
    assert Session.objects.count() == 40
    assert [page_queries(as_registrar, url) for url in urls] == few
    # the user, the sessions with their patients' clinical facts for the warnings (one query), the frame
    # (clinicians, hours, closures, leave, rooms: one query) and the audit event of the list read; her
    # locations come from Redis
    assert few == [4, 4], few


@pytest.mark.django_db
def test_the_grid_flags_each_session_as_the_course_page_would_and_the_closure(
    as_registrar, registrar, clinician, clinic, eligible_patient, cryo, location
):
    from procedures.models import Contraindication, Severity
    from procedures.services import ice_test_record, screening_sign
    from scheduling.selectors import session_warnings

    day = next_weekday(0, location.tz)
    patients = [eligible_patient, *(PatientFactory(home_location=location) for _ in range(3))]
    for hour, patient in zip((10, 11, 12, 13), patients, strict=True):
        if patient is not eligible_patient:
            _make_eligible(patient, cryo)
        book_course(registrar, patient, cryo, location, first_day=day, hour=hour)
    failed, absolute, relative, fine = patients
    ice_test_record(actor=clinician, patient=failed, area="nape", exposure_seconds=10, redness=True)
    asked = Contraindication.objects.filter(procedures=cryo, active=True)
    for patient, severity in ((absolute, Severity.ABSOLUTE), (relative, Severity.RELATIVE)):
        present = asked.filter(severity=severity).order_by("slug").first()
        answers = {c.id: (c == present, "") for c in asked}
        screening_sign(actor=clinician, patient=patient, procedures=[cryo], answers=answers, fitzpatrick=2)
    Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Burst pipe")
    events = [e for e in grid_options(as_registrar.get(calendar_url(location, day)))["events"] if "id" in e]
    shown = {e["id"]: e["extendedProps"]["warnings"] for e in events}
    sessions = Session.objects.filter(id__in=shown).select_related("course__procedure")
    expected = {pk: [w.text for w in found] for pk, found in session_warnings(sessions, location.tz).items()}
    assert shown == expected  # the course page's warnings (their own queries), the closure included
    closed = "Falls on a closure: Burst pipe"
    by_patient = {s.patient_id: shown[s.pk] for s in sessions}
    assert any("No longer eligible: ice test failed" in w for w in by_patient[failed.pk])
    assert any("contraindication present" in w for w in by_patient[absolute.pk])
    assert any("not cleared by the clinician" in w for w in by_patient[relative.pk])
    assert by_patient[fine.pk] == [closed]


@pytest.mark.django_db
def test_the_time_zone_is_named_for_staff_of_several_zones(registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    page = login(registrar).get(calendar_url(location, day)).content.decode()
    assert "Times: Moscow" not in page  # one zone: nothing to tell apart
    registrar.locations.add(LocationFactory(name="Magadan branch", time_zone="Asia/Magadan"))
    page = login(registrar).get(calendar_url(location, day)).content.decode()
    assert "Times: Moscow, UTC+03:00" in page


# ---------------------------------------------------------------- drag-to-move: the preview and the confirm


def preview(client, session, when: datetime.datetime, shift=False):
    data = {"day": when.date().isoformat(), "time": when.strftime("%H:%M")}
    if shift:
        data["shift_following"] = "on"
    return client.post(reverse("scheduling:session-move-preview", args=[session.pk]), data)


def confirm(client, session, when: datetime.datetime, expected: str, shift=False):
    data = {"day": when.date().isoformat(), "time": when.strftime("%H:%M"), "expected": expected}
    if shift:
        data["shift_following"] = "on"
    return client.post(reverse("scheduling:session-move-confirm", args=[session.pk]), data)


@pytest.mark.django_db
def test_the_preview_shows_the_proposal_and_writes_nothing(as_registrar, first, location):
    when = first.start.astimezone(location.tz) + datetime.timedelta(hours=3)
    answer = preview(as_registrar, first, when).json()
    assert answer["ok"] is True and answer["problems"] == [] and answer["fingerprint"]
    assert answer["following"] == 9 and "replan-table" in answer["table"]
    assert "13:00" in answer["summary"]
    assert Session.objects.get(pk=first.pk).start == first.start


@pytest.mark.django_db
def test_the_preview_refuses_a_closed_day_with_the_move_forms_message(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    Closure.objects.create(location=location, starts_on=day, ends_on=day, reason="Repairs")
    answer = preview(as_registrar, first, first.start.astimezone(location.tz) + datetime.timedelta(hours=1)).json()
    assert answer["ok"] is False and any("Repairs" in p for p in answer["problems"])
    form = as_registrar.post(
        reverse("scheduling:session-move", args=[first.pk]), {"day": day.isoformat(), "time": "11:00"}, follow=True
    )
    shown = html.unescape(form.content.decode())
    assert all(problem in shown for problem in answer["problems"])  # the same words as the move form


@pytest.mark.django_db
def test_the_preview_refuses_the_past_and_a_clash(as_registrar, registrar, first, location, other_patient, cryo):
    from django.utils import timezone

    yesterday = timezone.localdate(timezone=location.tz) - datetime.timedelta(days=1)
    past = preview(as_registrar, first, datetime.datetime.combine(yesterday, datetime.time(12)))
    assert past.status_code == 400 and past.json()["problems"] == ["A session cannot be moved into the past."]
    _make_eligible(other_patient, cryo)
    day = first.start.astimezone(location.tz).date()
    other = book_course(registrar, other_patient, cryo, location, first_day=day, hour=12)
    taken = other.sessions.order_by("start").first()
    Session.objects.filter(pk=taken.pk).update(clinician=first.clinician)
    for doctor in UserFactory._meta.model.objects.filter(username__in=["doc_a", "doc_b"]).exclude(
        pk=first.clinician_id
    ):
        Leave.objects.create(clinician=doctor, starts_on=day, ends_on=day)
    answer = preview(as_registrar, first, taken.start.astimezone(location.tz)).json()
    assert answer["ok"] is False and answer["problems"]


@pytest.mark.django_db
def test_the_confirm_applies_the_proposal_shown_and_says_so(as_registrar, first, location):
    when = first.start.astimezone(location.tz) + datetime.timedelta(hours=3)
    fingerprint = preview(as_registrar, first, when).json()["fingerprint"]
    answer = confirm(as_registrar, first, when, fingerprint)
    assert answer.status_code == 200 and answer.json()["ok"] is True and answer.json()["moved"] == [first.pk]
    assert Session.objects.get(pk=first.pk).start == when
    page = as_registrar.get(calendar_url(location, when.date())).content.decode()
    assert "Moved 1 session." in page  # the message waits for the page the script reloads


@pytest.mark.django_db
def test_the_confirm_refuses_a_proposal_that_changed(as_registrar, first, location):
    when = first.start.astimezone(location.tz) + datetime.timedelta(hours=3)
    answer = confirm(as_registrar, first, when, "stale")
    assert answer.status_code == 409 and answer.json()["code"] == "plan_changed"
    assert Session.objects.get(pk=first.pk).start == first.start
    assert confirm(as_registrar, first, when, "").status_code == 400


@pytest.mark.django_db
def test_shift_the_following_re_plans_the_rest_of_the_course(as_registrar, first, location):
    when = first.start.astimezone(location.tz) + datetime.timedelta(days=1)
    answer = preview(as_registrar, first, when, shift=True).json()
    assert answer["ok"] is True and answer["table"].count("<tr") == 11  # the head and all ten sessions
    confirmed = confirm(as_registrar, first, when, answer["fingerprint"], shift=True).json()
    assert confirmed["ok"] is True and len(confirmed["moved"]) == 10


@pytest.mark.django_db
def test_the_move_doors_are_the_owners_only(first, location, clinician, patient_user):
    when = first.start.astimezone(location.tz) + datetime.timedelta(hours=3)
    far = UserFactory(role="registrar", locations=[LocationFactory(name="Far branch")])
    assert preview(login(far), first, when).status_code == 404
    assert confirm(login(far), first, when, "x").status_code == 404
    assert preview(login(clinician), first, when).status_code == 403
    assert preview(login(patient_user), first, when).status_code == 403
    from django.test import Client

    assert preview(Client(), first, when).status_code == 302
    assert Session.objects.get(pk=first.pk).start == first.start


@pytest.mark.django_db
def test_move_here_mode_names_the_session_and_opens_its_day(as_registrar, first, location):
    page = as_registrar.get(f"{reverse('scheduling:calendar')}?move={first.pk}").content.decode()
    assert "Moving the session of Maria Petrovna Ivanova" in page
    options = grid_options(as_registrar.get(f"{reverse('scheduling:calendar')}?move={first.pk}"))
    assert options["moving"] == first.pk
    assert options["date"] == first.start.astimezone(location.tz).date().isoformat()
    far = UserFactory(role="registrar", locations=[LocationFactory(name="Far branch")])
    assert login(far).get(f"{reverse('scheduling:calendar')}?move={first.pk}").status_code == 404


# ---------------------------------------------------------------- a free gap starts a booking; day sheets


@pytest.mark.django_db
def test_a_free_gap_finds_the_patient_and_starts_the_wizard_there(as_registrar, first, location, eligible_patient):
    day = first.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    doctor = first.clinician
    url = reverse("scheduling:calendar-book")
    query = f"?location={location.pk}&day={day}&time=15:30&clinician={doctor.pk}&q=Ivanova"
    page = as_registrar.get(url + query).content.decode()
    link = re.search(r'href="([^"]*/scheduling/patients/\d+/book/\?[^"]*)"', page)
    assert link, "no booking link for the patient found"
    target = html.unescape(link.group(1))
    assert f"first_day={day}" in target and "preferred_time=15%3A30" in target and f"clinician={doctor.pk}" in target
    wizard = as_registrar.get(target).content.decode()
    assert f'value="{day}"' in wizard and 'value="15:30"' in wizard
    assert f'<option value="{doctor.pk}" selected>' in wizard


@pytest.mark.django_db
def test_a_free_gaps_patient_search_says_when_more_match_than_it_lists(as_registrar, first, location):
    for n in range(21):
        PatientFactory(full_name=f"Petrova {n:02d}", home_location=location)
    day = first.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    url = f"{reverse('scheduling:calendar-book')}?location={location.pk}&day={day}&time=15:30"
    many = as_registrar.get(url + "&q=Petrova").content.decode()
    assert many.count("Book a course for Petrova") == 20 and "More patients match: narrow the search" in many
    few = as_registrar.get(url + "&q=Petrova 05").content.decode()
    assert few.count("Book a course for Petrova") == 1 and "More patients match" not in few


@pytest.mark.django_db
def test_the_gap_page_of_another_location_is_refused(first, location, registrar):
    far = UserFactory(role="registrar", locations=[LocationFactory(name="Far branch")])
    url = f"{reverse('scheduling:calendar-book')}?location={location.pk}&day=2030-01-01&time=10:00&q=Ivanova"
    assert login(far).get(url).status_code == 403


@pytest.mark.django_db
def test_the_day_sheet_lists_a_clinicians_sessions_to_print(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date()
    url = f"{reverse('scheduling:calendar-print')}?location={location.pk}&date={day}&clinician={first.clinician_id}"
    page = as_registrar.get(url).content.decode()
    assert page.count('class="day-sheet"') == 1
    assert "10:00–10:20" in page and "Maria Petrovna Ivanova" in page and "1 of 10" in page
    assert "Room" in page and "times: Europe/Moscow" in page
    everyone = as_registrar.get(f"{reverse('scheduling:calendar-print')}?location={location.pk}&date={day}")
    assert everyone.content.decode().count('class="day-sheet"') == 1  # only clinicians with sessions that day
    far = UserFactory(role="registrar", locations=[LocationFactory(name="Far branch")])
    assert login(far).get(url).status_code == 403


@pytest.mark.django_db
def test_a_cancelled_session_leaves_its_time_free(as_registrar, first, location):
    Session.objects.filter(pk=first.pk).update(status=SessionStatus.CANCELLED)
    day = first.start.astimezone(location.tz).date()
    options = grid_options(as_registrar.get(calendar_url(location, day)))
    assert not [e for e in options["events"] if e.get("id") == first.pk]
    free = [e for e in options["events"] if e.get("classNames") == ["ec-free"]]
    free = [e for e in free if e["resourceIds"] == [first.clinician_id]]
    assert [(e["start"][11:16], e["end"][11:16]) for e in free] == [("09:00", "18:00")]


@pytest.mark.django_db
def test_a_location_with_no_rooms_says_so_rather_than_draw_an_empty_grid(registrar):
    empty = LocationFactory(name="Empty branch")
    registrar.locations.add(empty)
    page = login(registrar).get(f"{reverse('scheduling:calendar')}?location={empty.pk}&by=room").content.decode()
    assert "This location has no clinicians (or, by room, no rooms or devices) to show." in page
    assert 'id="calendar-options"' not in page


@pytest.mark.django_db
def test_a_refused_drop_names_the_sessions_own_clinician_not_the_last_one_tried(as_registrar, first, location):
    day = first.start.astimezone(location.tz).date() + datetime.timedelta(days=1)
    doctors = list(UserFactory._meta.model.objects.filter(username__in=["doc_a", "doc_b"]))
    for doctor in doctors:  # nobody can take it that day: the answer is about the session's own clinician
        Leave.objects.create(clinician=doctor, starts_on=day, ends_on=day)
    own = next(d for d in doctors if d.pk == first.clinician_id)
    other = next(d for d in doctors if d.pk != first.clinician_id)
    when = datetime.datetime.combine(day, datetime.time(11), tzinfo=location.tz)
    answer = preview(as_registrar, first, when).json()
    assert answer["ok"] is False
    text = " ".join(answer["problems"])
    assert f"{own} is on leave" in text and str(other) not in text, text
