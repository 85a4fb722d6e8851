"""The eligibility decision as a pure function: no database."""

import datetime
import zoneinfo

import pytest
from django.utils import translation

from procedures.rules import IceTestFacts, ProcedureFacts, ScreeningFacts, decide, screening_outcome

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
CRYO = ProcedureFacts(
    id=1,
    name="Cryomassage",
    active=True,
    requires_ice_test=True,
    screening_valid_days=30,
    ice_test_valid_days=30,
    ice_test_min_hours_before=24,
)
SESSION = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=MSK)


def screened(days_before=5, absolute=(), relative=()):
    return ScreeningFacts(
        examined_at=SESSION - datetime.timedelta(days=days_before),
        procedure_ids=frozenset({1}),
        absolute_present=tuple(absolute),
        relative_present_not_cleared=tuple(relative),
    )


def iced(hours_before=48, passed=True):
    return IceTestFacts(performed_at=SESSION - datetime.timedelta(hours=hours_before), passed=passed)


def codes(**kwargs):
    facts = {"procedure": CRYO, "screening": screened(), "ice_test": iced(), "when": SESSION, "tz": MSK, **kwargs}
    return [r.code for r in decide(**facts).reasons]


def test_a_cleared_screening_and_a_passed_ice_test_make_the_patient_eligible():
    assert codes() == []


def test_without_a_screening_the_answer_is_no():
    assert codes(screening=None) == ["no_screening"]


def test_a_screening_older_than_its_validity_blocks():
    assert codes(screening=screened(days_before=31)) == ["screening_expired"]
    assert codes(screening=screened(days_before=30)) == []


def test_an_absolute_contraindication_blocks_and_is_named():
    decision = decide(
        procedure=CRYO, screening=screened(absolute=["Active herpes"]), ice_test=iced(), when=SESSION, tz=MSK
    )
    assert not decision.eligible
    assert [r.message for r in decision.reasons] == ["Contraindication present: Active herpes"]


def test_a_relative_contraindication_not_cleared_blocks():
    assert codes(screening=screened(relative=["Migraines"])) == ["contraindication_not_cleared"]


def test_a_failed_ice_test_blocks_with_its_date():
    decision = decide(procedure=CRYO, screening=screened(), ice_test=iced(passed=False), when=SESSION, tz=MSK)
    assert [r.message for r in decision.reasons] == ["Ice test failed on 18 November 2026"]


def test_the_ice_test_must_come_a_day_before_the_first_session():
    assert codes(ice_test=iced(hours_before=23)) == ["ice_test_too_recent"]
    assert codes(ice_test=iced(hours_before=24)) == []


def test_an_old_ice_test_blocks():
    assert codes(ice_test=iced(hours_before=31 * 24)) == ["ice_test_expired"]


def test_no_ice_test_blocks_only_procedures_that_need_one():
    assert codes(ice_test=None) == ["no_ice_test"]
    prp = ProcedureFacts(**{**CRYO.__dict__, "requires_ice_test": False})
    assert codes(procedure=prp, ice_test=None) == []


def test_an_inactive_procedure_is_refused():
    assert codes(procedure=ProcedureFacts(**{**CRYO.__dict__, "active": False})) == ["procedure_inactive"]


def test_reasons_come_in_the_readers_language():
    with translation.override("ru"):
        decision = decide(procedure=CRYO, screening=None, ice_test=iced(passed=False), when=SESSION, tz=MSK)
    messages = [r.message for r in decision.reasons]
    assert messages[0] == "Нет подписанного осмотра за последние 30 дней"
    assert messages[1] == "Холодовая проба не пройдена 18 ноября 2026"


@pytest.mark.parametrize(
    ("answers", "cleared"),
    [
        ([], True),
        ([("absolute", False, ""), ("relative", False, "")], True),
        ([("absolute", True, "")], False),
        ([("relative", True, "")], False),
        ([("relative", True, "   ")], False),
        ([("relative", True, "controlled with medication, neurologist agrees")], True),
        ([("relative", True, "ok"), ("absolute", True, "")], False),
    ],
)
def test_screening_outcome(answers, cleared):
    assert screening_outcome(answers) is cleared
