"""A refused save is a sentence in the clinic's words, never «Нарушено ограничение "staff_hours_order"»."""

import datetime
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import BaseConstraint
from django.urls import reverse
from django.utils import translation

from scheduling.models import Leave, StaffHours

from ..conftest import login
from ..factories import StaffHoursFactory

OURS = {
    *("accounts", "audit", "core", "patients", "procedures", "scheduling"),
    *("billing", "reminders", "portal", "records", "results", "consents", "reports"),
}


def _our_constraints():
    for model in apps.get_models():
        if model._meta.app_config.name.split(".")[0] in OURS or model._meta.app_label in OURS:
            for constraint in model._meta.constraints:
                yield model, constraint


def test_every_constraint_of_ours_has_a_message_in_plain_words():
    constraints = list(_our_constraints())
    assert len(constraints) >= 35
    default = BaseConstraint.default_violation_error_message
    missing = [c.name for _, c in constraints if c.violation_error_message == default]
    assert missing == []
    with translation.override("ru"):
        for _, constraint in constraints:
            text = constraint.get_violation_error_message()
            assert constraint.name not in text and "ограничение" not in text, text
            assert text[0].isupper() and text.endswith("."), text
            assert re.search("[а-яё]", text), f"{constraint.name}: no Russian for {text!r}"
    with translation.override("en"):  # a bare "%" in a message raises here, as in full_clean and the admin
        assert all(constraint.get_violation_error_message() for _, constraint in constraints)


@pytest.mark.django_db
def test_working_hours_that_end_before_they_start_are_refused_with_a_sentence(clinician, location):
    hours = StaffHours(
        clinician=clinician, location=location, weekday=1, starts=datetime.time(18), ends=datetime.time(9)
    )
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        hours.full_clean()
    assert refused.value.messages == ["Начало рабочих часов должно быть раньше их конца."]


@pytest.mark.django_db
def test_the_admin_says_why_it_refuses_leave_that_ends_before_it_starts(administrator, clinician):
    # (Working hours are edited as a week grid, which says so in its own words: tests/scheduling/test_admin_week.py.)
    client = login(administrator)
    client.cookies["django_language"] = "ru"
    response = client.post(
        reverse("admin:scheduling_leave_add"),
        {"clinician": clinician.pk, "starts_on": "2026-12-10", "ends_on": "2026-12-01", "reason": "отпуск"},
    )
    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert "Отпуск не может закончиться раньше, чем начался." in page
    assert "leave_order" not in page and "Нарушено ограничение" not in page
    assert not Leave.objects.exists()


@pytest.mark.django_db
def test_a_second_row_of_hours_for_the_same_weekday_is_refused_with_a_sentence(clinician, location):
    StaffHoursFactory(clinician=clinician, location=location, weekday=3)
    again = StaffHours(
        clinician=clinician, location=location, weekday=3, starts=datetime.time(9), ends=datetime.time(12)
    )
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        again.full_clean()
    assert "У врача уже есть рабочие часы на этот день недели." in refused.value.messages
