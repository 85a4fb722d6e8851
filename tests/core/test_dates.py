"""The plausible ranges, the query-parameter helper, the JSON depth and reading odd stored dates."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from core import dates
from core.parsers import json_depth


def test_each_range_takes_its_plausible_values_and_names_the_bounds_otherwise():
    now = timezone.now()
    assert dates.RECORD.contains(now) and dates.RECORD.contains(datetime.datetime(2000, 1, 2, tzinfo=datetime.UTC))
    assert not dates.RECORD.contains(now + datetime.timedelta(hours=1))
    assert dates.BOOKING.contains(now + datetime.timedelta(days=700))
    assert not dates.BOOKING.contains(now + datetime.timedelta(days=800))
    assert not dates.BOOKING.contains(now - datetime.timedelta(days=2))
    assert dates.BIRTH.contains(datetime.date(1900, 1, 1)) and not dates.BIRTH.contains(datetime.date(1899, 12, 31))
    with pytest.raises(ValidationError) as error:
        dates.BROWSE.check(datetime.date(1, 1, 1))
    assert error.value.code == "date_out_of_range"
    assert "Enter a date from" in error.value.messages[0] and "2000" in error.value.messages[0]


def test_a_naive_datetime_is_never_plausible():
    with pytest.raises(ValidationError):
        dates.RECORD.check(datetime.datetime(2020, 1, 1))


def test_the_query_helper_reads_a_date_or_says_what_is_wrong():
    assert dates.query_date(QueryDict("date=2026-11-30"), "date") == datetime.date(2026, 11, 30)
    assert dates.query_date(QueryDict(""), "date") is None
    for bad, code in (("0001-01-01", "date_out_of_range"), ("9999-12-31", "date_out_of_range"), ("x", "invalid_date")):
        with pytest.raises(ValidationError) as error:
            dates.query_date(QueryDict(f"date={bad}"), "date")
        assert error.value.code == code


def test_json_depth_counts_arrays_and_objects_but_not_brackets_in_strings():
    assert json_depth('{"a": [1, {"b": []}]}') == 4
    assert json_depth('{"a": "[[[[\\"[[["}') == 1
    assert json_depth("[" * 1000 + "]" * 1000) == 1000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("'0001-01-01 00:00+02:30:17'::timestamptz", datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)),
        ("'10000-01-01 00:00+00'::timestamptz", datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC)),
        ("'infinity'::timestamptz", datetime.datetime(9999, 12, 30, tzinfo=datetime.UTC)),
        ("'0044-03-15 BC'::date", datetime.date(1, 1, 2)),
        ("'0001-01-01 00:00 BC'::timestamp", datetime.datetime(1, 1, 2)),
        ("'2026-11-30 10:00+03'::timestamptz", datetime.datetime(2026, 11, 30, 7, tzinfo=datetime.UTC)),
        ("'2026-11-30'::date", datetime.date(2026, 11, 30)),
        ("NULL::date", None),
    ],
)
def test_a_stored_date_python_cannot_hold_is_read_as_the_nearest_one_it_can(sql, expected):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}")
        value = cursor.fetchone()[0]
    assert value == expected
    if isinstance(value, datetime.datetime) and value.tzinfo:
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # +14 and -11: no overflow either way
            value.astimezone(zoneinfo.ZoneInfo(zone))
