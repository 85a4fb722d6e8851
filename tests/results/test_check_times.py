"""A check before the course is dated before its first session that took place; a lone check after
the course is compared as an "after", with nothing before it."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from results import services
from results.compare_selectors import comparison_of, patient_results
from results.models import Check, CheckKind
from results.validation import check_moment_problem
from scheduling.models import SessionStatus
from tests.billing.conftest import make_course

from ..conftest import login
from .conftest import make_check, make_trichoscopy

pytestmark = pytest.mark.django_db
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def test_the_rule_without_a_database():
    held = datetime.datetime(2026, 10, 1, 7, 0, tzinfo=datetime.UTC)
    assert check_moment_problem(CheckKind.BASELINE, held - datetime.timedelta(hours=1), held, MOSCOW) is None
    assert check_moment_problem(CheckKind.BASELINE, held + datetime.timedelta(days=50), None, MOSCOW) is None
    message, code = check_moment_problem(CheckKind.BASELINE, held + datetime.timedelta(days=50), held, MOSCOW)
    assert code == "baseline_after_start" and "1 October 2026, 10:00" in message  # the session's time in Moscow
    assert check_moment_problem(CheckKind.FINAL, held + datetime.timedelta(days=50), held, MOSCOW) is None


@pytest.fixture
def course_under_way(registrar, patient, cryo, clinician):
    """A course whose first two sessions took place 20 and 18 days ago."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    first, second = course.sessions.order_by("start")[:2]
    for n, session in enumerate((first, second)):
        start = timezone.now() - datetime.timedelta(days=20 - 2 * n)
        type(session).objects.filter(pk=session.pk).update(
            start=start, end=start + datetime.timedelta(minutes=20), status=SessionStatus.COMPLETED
        )
    return course


def test_a_baseline_dated_now_on_a_course_under_way_is_refused_and_one_dated_before_it_is_kept(
    course_under_way, clinician
):
    with pytest.raises(ValidationError) as caught:
        services.check_create(actor=clinician, course=course_under_way, kind=CheckKind.BASELINE)
    assert caught.value.error_dict["taken_at"][0].code == "baseline_after_start"
    assert not Check.objects.exists()
    before = timezone.now() - datetime.timedelta(days=21)
    check = services.check_create(actor=clinician, course=course_under_way, kind=CheckKind.BASELINE, taken_at=before)
    assert check.taken_at == before


def test_a_session_whose_time_has_come_counts_though_its_outcome_is_not_recorded(registrar, patient, cryo, clinician):
    """The first session began this morning and nobody has marked it yet: a blank time is still after it."""
    course = make_course(registrar, patient, cryo, clinician=clinician)
    first = course.sessions.order_by("start").first()
    start = timezone.now() - datetime.timedelta(hours=4)
    type(first).objects.filter(pk=first.pk).update(start=start, end=start + datetime.timedelta(minutes=20))
    with pytest.raises(ValidationError) as caught:
        services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE)
    assert caught.value.error_dict["taken_at"][0].code == "baseline_after_start"
    type(first).objects.filter(pk=first.pk).update(status=SessionStatus.CANCELLED)  # a cancelled one does not
    assert services.check_create(actor=clinician, course=course, kind=CheckKind.BASELINE).pk


def test_the_form_says_so_at_the_time_field(course_under_way, clinician):
    page = login(clinician).post(
        reverse("results:check-create", args=[course_under_way.pk]), {"kind": "baseline", "method": "trichoscopy"}
    )
    assert page.status_code == 200 and not Check.objects.exists()
    [error] = page.context["form"].errors["taken_at"]
    assert "before its first session" in error


def test_a_lone_check_after_the_course_is_an_after_with_nothing_before(course_under_way, clinician, patient):
    final = make_check(course_under_way, kind=CheckKind.FINAL, days_ago=1, clinician=clinician)
    make_trichoscopy(final, clinician=clinician, density=180, terminal="66.0")
    result = comparison_of([final])
    assert result.before is None and result.after == final and not result.complete
    checkpoint = make_check(
        course_under_way, kind=CheckKind.CHECKPOINT, after_session=1, days_ago=19, clinician=clinician
    )
    assert comparison_of([checkpoint]).before == checkpoint  # any other lone check is the first
    page = login(clinician).get(reverse("results_compare:course", args=[course_under_way.pk])).content.decode()
    assert "Only the check after the course is recorded" not in page  # two checks now
    checkpoint.delete()
    page = login(clinician).get(reverse("results_compare:course", args=[course_under_way.pk])).content.decode()
    assert "Only the check after the course is recorded" in page
    [section] = patient_results(patient)
    assert section.comparison.after == final and section.comparison.before is None
    api = APIClient()
    api.force_authenticate(clinician)
    answer = api.get(reverse("api-course-results-comparison", args=[course_under_way.pk])).json()
    assert answer["from"] is None and answer["to"] == final.pk
    portal = login(patient.user).get(reverse("portal:results")).content.decode()
    assert "Ваш контроль после курса был" in portal and "сравнить не с чем" in portal  # her language
