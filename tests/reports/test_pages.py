"""The reports page, its downloads and its API: who may see them, what bad filters answer, what they cost."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from reports.selectors import REPORTS
from scheduling.models import SessionStatus

from ..conftest import login
from ..factories import LocationFactory, PatientFactory, UserFactory
from .conftest import RANGE, at

pytestmark = pytest.mark.django_db
INDEX = reverse("reports:index")


def export(name, fmt):
    return reverse("reports:export", args=[name, fmt])


def api(name):
    return reverse("api-report", args=[name])


def test_the_registrar_sees_every_report_of_her_location(week, as_registrar):
    response = as_registrar.get(INDEX, RANGE)
    assert response.status_code == 200
    page = response.content.decode()
    for name in REPORTS:
        assert f'id="{name}"' in page
    assert page.count("<svg") == 5  # a chart beside each table with rows (no website requests this week)
    assert "Anna Alpha" in page and "Room 1" in page
    reports = page[page.index('<section id="utilisation"') : page.index("</main>")]
    assert "style=" not in reports and "<script" not in reports  # the CSP allows neither inline
    assert '<rect class="report-chart-bar"' in reports


def test_the_page_defaults_to_the_current_month_of_the_location(week, as_registrar):
    from django.utils import timezone

    today = timezone.localdate(timezone=week.tz)
    response = as_registrar.get(INDEX)
    assert response.status_code == 200
    assert response.context["filter"].first == today.replace(day=1)
    assert response.context["filter"].last.month == today.month
    assert f'value="{today.replace(day=1).isoformat()}"' in response.content.decode()  # drawn in the form


def test_an_administrator_sees_all_locations(week, administrator):
    LocationFactory(name="Second branch")
    client = login(administrator)
    response = client.get(INDEX, RANGE)
    assert response.status_code == 200
    assert {loc.name for loc in response.context["filter"].locations} == {"Main branch", "Second branch"}


def test_a_registrar_may_not_ask_for_another_location(week, as_registrar):
    other = LocationFactory(name="Other branch")
    assert as_registrar.get(INDEX, RANGE | {"location": other.pk}).status_code == 403
    assert as_registrar.get(export("utilisation", "csv"), {"location": other.pk}).status_code == 403
    response = as_registrar.get(api("utilisation"), {"location": other.pk})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_registrar_s_all_locations_are_hers_only(week, location):
    other = LocationFactory(name="Other branch")
    UserFactory(username="reg2", role="registrar", locations=[other])
    elsewhere = UserFactory(username="doc_c", role="clinician", locations=[other])
    course = week.course(PatientFactory(home_location=other))
    course.location = other
    course.save(update_fields=["location"])
    week.session(course, elsewhere, at(2, 10, 0, week.tz)).__class__.objects.filter(course=course).update(
        location=other
    )
    client = login(week.registrar)
    data = client.get(api("attendance"), RANGE).json()
    assert data["locations"] == [location.pk]
    assert {r["name"] for r in data["tables"]["clinicians"]} == {"Anna Alpha", "Boris Beta", "All clinicians"}


@pytest.mark.parametrize("role", ["clinician", "patient"])
def test_clinicians_and_patients_are_refused(week, role, clinician, patient_user):
    client = login(clinician if role == "clinician" else patient_user)
    assert client.get(INDEX).status_code == 403
    assert client.get(export("revenue", "csv")).status_code == 403
    assert client.get(api("revenue")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(export("revenue", "xlsx")).status_code == 302


def test_the_navigation_shows_reports_to_administrators_and_registrars(week, as_registrar, as_clinician):
    assert INDEX in as_registrar.get(reverse("patients:list")).content.decode()
    assert INDEX not in as_clinician.get(reverse("patients:list")).content.decode()


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "date_to", "reversed_range"),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "date_to", "range_too_long"),
        ({"date_from": "yesterday"}, "date_from", "invalid"),
        ({"clinician": "999999"}, "clinician", "invalid_choice"),
        ({"period": "month"}, "period", "invalid_choice"),
    ],
)
def test_bad_filters_give_a_form_error_and_a_json_400(week, as_registrar, params, field, code):
    page = as_registrar.get(INDEX, params)
    assert page.status_code == 400
    assert field in page.context["form"].errors
    assert 'class="invalid-feedback' in page.content.decode()
    response = as_registrar.get(api("attendance"), params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]


def test_the_range_says_how_long_it_may_be(week, as_registrar):
    page = as_registrar.get(INDEX, {"date_from": "2025-01-01", "date_to": "2026-01-02"})
    assert "Choose at most 366 days; this range has 367." in page.content.decode()
    assert as_registrar.get(INDEX, {"date_from": "2025-01-01", "date_to": "2026-01-01"}).status_code == 200


def test_the_csv_parses_back_to_the_same_numbers(week, as_registrar):
    response = as_registrar.get(export("attendance", "csv"), RANGE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="attendance-2026-11-02-2026-11-08.csv"' in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["By clinician"]
    header = lines[1]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[2:]}
    anna = rows["Anna Alpha"]
    assert (anna["Sessions booked"], anna["No-shows"], anna["Cancelled late"], anna["No-show rate, %"]) == (
        "3",
        "1",
        "1",
        "50.0",
    )


def test_a_csv_of_several_tables_keeps_each_under_its_title(week, as_registrar):
    lines = list(
        csv.reader(io.StringIO(as_registrar.get(export("utilisation", "csv"), RANGE).content.decode("utf-8-sig")))
    )
    titles = [line[0] for n, line in enumerate(lines) if len(line) == 1 and (n == 0 or lines[n - 1] == [])]
    assert titles == ["Over the whole range", "By week"]


def test_the_xlsx_opens_with_the_same_numbers(week, as_registrar):
    response = as_registrar.get(export("utilisation", "xlsx"), RANGE | {"period": "day"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Over the whole range", "By day"]
    totals = list(book["Over the whole range"].iter_rows(values_only=True))
    header, rows = totals[0], {row[1]: dict(zip(totals[0], row, strict=True)) for row in totals[1:]}
    assert header[:3] == ("Who or what", "Name", "Location")
    assert rows["Boris Beta"]["Booked, min"] == 45
    assert rows["Boris Beta"]["Available, min"] == 240
    assert rows["Boris Beta"]["Utilisation, %"] == 18.8
    assert (rows["Boris Beta"]["Who or what"], rows["Room 1"]["Who or what"]) == ("clinician", "room or device")
    days = list(book["By day"].iter_rows(values_only=True))
    anna_days = {row[3].date(): row[4] for row in days[1:] if row[1] == "Anna Alpha"}
    assert anna_days == {datetime.date(2026, 11, 2): 30, datetime.date(2026, 11, 3): 0}


def test_the_xlsx_keeps_money_as_numbers(week, as_registrar):
    week.course(PatientFactory(home_location=week.location), total="9500.00", created=at(4, 12, 0, week.tz))
    book = load_workbook(io.BytesIO(as_registrar.get(export("revenue", "xlsx"), RANGE).content))
    (header, row) = list(book.worksheets[0].iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["Value of the courses booked"] == 9500
    assert values["Value of the sessions done"] == 900


def test_an_unknown_report_is_404(as_registrar):
    assert as_registrar.get(export("payroll", "csv")).status_code == 404
    assert as_registrar.get(export("revenue", "pdf")).status_code == 404
    assert as_registrar.get(api("payroll")).status_code == 404


def test_the_api_answers_with_typed_rows(week, as_registrar):
    data = as_registrar.get(api("revenue"), RANGE).json()
    assert (data["report"], data["first_day"], data["last_day"]) == ("revenue", "2026-11-02", "2026-11-08")
    (row,) = data["tables"]["procedures"]
    assert row["delivered_value"] == "900.00"
    data = as_registrar.get(api("utilisation"), RANGE | {"period": "day"}).json()
    assert {r["period"] for r in data["tables"]["periods"]} == {"2026-11-02", "2026-11-03"}
    assert {r["kind"] for r in data["tables"]["totals"]} == {"clinician", "resource"}  # codes, not words


def test_the_openapi_schema_names_every_report(as_registrar):
    schema = as_registrar.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/reports/{name}/" in schema["paths"]
    components = schema["components"]["schemas"]
    assert components["ReportAttendanceCliniciansRow"]["properties"]["no_show_rate"]["type"] == "number"
    assert "ReportUtilisationPeriodsRow" in components and "ReportRequestsProceduresRow" in components


def test_each_read_is_audited_once(week, as_registrar):
    before = AuditEvent.objects.filter(record_type="reports.report").count()
    as_registrar.get(INDEX, RANGE)
    as_registrar.get(export("revenue", "csv"), RANGE)
    events = list(AuditEvent.objects.filter(record_type="reports.report").order_by("pk"))[before:]
    assert [e.detail["reports"] for e in events] == [list(REPORTS), ["revenue"]]
    assert events[0].detail["first"] == "2026-11-02" and events[0].actor == week.registrar


def _count(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_s_queries_do_not_grow_with_the_sessions(week, as_registrar):
    as_registrar.get(INDEX, RANGE)  # the first page after signing in also saves the session
    first = _count(as_registrar, INDEX, RANGE)
    for day in (4, 5, 6):  # more sessions, courses and patients in the range
        for hour in (9, 10, 11):
            course = week.course(PatientFactory(home_location=week.location))
            week.session(course, week.doc_a, at(day, hour, 0, week.tz), status=SessionStatus.NO_SHOW)
    assert _count(as_registrar, INDEX, RANGE) == first
    # the user, six reports (two name their procedures: one query each), the audit event, and the
    # form's clinicians and procedures as it is drawn; her locations come from Redis
    assert first == 12


# the user, the report's statement, the procedures' names (reports that name them, when there are
# rows), the audit event; her locations come from Redis
API_QUERIES = {"utilisation": 3, "attendance": 3, "completion": 4, "patients": 3, "revenue": 4, "requests": 3}


@pytest.mark.parametrize("name", list(REPORTS))
def test_each_api_report_costs_a_fixed_number_of_queries(week, as_registrar, name):
    as_registrar.get(api(name), RANGE)
    first = _count(as_registrar, api(name), RANGE)
    for day in (4, 5):
        course = week.course(PatientFactory(home_location=week.location))
        week.session(course, week.doc_b, at(day, 10, 0, week.tz), status=SessionStatus.COMPLETED, room=week.room)
    assert _count(as_registrar, api(name), RANGE) == first == API_QUERIES[name]


def test_a_name_that_looks_like_a_formula_stays_text_in_both_downloads(week, as_registrar):
    week.room.name = '=HYPERLINK("http://evil.example")'
    week.room.save(update_fields=["name"])
    lines = as_registrar.get(export("utilisation", "csv"), RANGE).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in lines
    book = load_workbook(io.BytesIO(as_registrar.get(export("utilisation", "xlsx"), RANGE).content))
    names = [row[1] for row in book.worksheets[0].iter_rows(min_row=2)]
    cell = next(c for c in names if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
