"""The phototype warning and the healing-phase rules, as pure functions: no database."""

import datetime
import zoneinfo

from django.utils import translation

from procedures.rules import (
    ProcedureFacts,
    ScreeningFacts,
    decide,
    healing_phase_end,
    outside_healing_phase,
    preceding_treatment_problems,
)

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
SESSION = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=MSK)
THERAPY = ProcedureFacts(
    id=4,
    name="Cryotherapy after a laser, peel or microdermabrasion",
    active=True,
    requires_ice_test=False,
    screening_valid_days=30,
    ice_test_valid_days=30,
    ice_test_min_hours_before=0,
    phototype_warning_from=4,
)
TODAY = datetime.date(2026, 12, 2)
NOV_28 = datetime.date(2026, 11, 28)


def screened(fitzpatrick, days_before=5, absolute=()):
    return ScreeningFacts(
        examined_at=SESSION - datetime.timedelta(days=days_before),
        procedure_ids=frozenset({4}),
        absolute_present=tuple(absolute),
        fitzpatrick=fitzpatrick,
    )


def warnings(procedure=THERAPY, **screening):
    decision = decide(procedure=procedure, screening=screened(**screening), ice_test=None, when=SESSION, tz=MSK)
    return decision


def test_a_phototype_from_the_threshold_up_is_warned_about_and_still_eligible():
    for fitzpatrick in (4, 5, 6):
        decision = warnings(fitzpatrick=fitzpatrick)
        assert decision.eligible and decision.reasons == ()
        assert [w.code for w in decision.warnings] == ["phototype_pigmentation_risk"]


def test_a_lighter_phototype_than_the_threshold_gets_no_warning():
    assert warnings(fitzpatrick=3).warnings == ()
    assert warnings(fitzpatrick=1).warnings == ()


def test_the_warning_names_the_phototype_in_roman_numerals_in_both_languages():
    with translation.override("en"):
        assert warnings(fitzpatrick=5).warnings[0].message.startswith("Phototype V: higher risk of pigmentation — ")
    with translation.override("ru"):
        assert warnings(fitzpatrick=5).warnings[0].message.startswith("Фототип V: выше риск пигментации — ")


def test_no_threshold_means_no_warning_whatever_the_phototype():
    plain = ProcedureFacts(**{**THERAPY.__dict__, "phototype_warning_from": None})
    assert warnings(procedure=plain, fitzpatrick=6).warnings == ()


def test_a_lapsed_or_missing_screening_gives_no_phototype_only_its_reason():
    lapsed = warnings(fitzpatrick=6, days_before=31)
    assert [r.code for r in lapsed.reasons] == ["screening_expired"] and lapsed.warnings == ()
    none = decide(procedure=THERAPY, screening=None, ice_test=None, when=SESSION, tz=MSK)
    assert [r.code for r in none.reasons] == ["no_screening"] and none.warnings == ()


def test_a_contraindication_blocks_and_the_phototype_warning_is_still_shown():
    decision = warnings(fitzpatrick=5, absolute=["Cold urticaria"])
    assert not decision.eligible
    assert [w.code for w in decision.warnings] == ["phototype_pigmentation_risk"]
    assert decision.as_dict()["warning_codes"] == ["phototype_pigmentation_risk"]


def test_the_healing_phase_ends_its_days_after_the_treatment():
    assert healing_phase_end(NOV_28, 14) == datetime.date(2026, 12, 12)


def test_the_window_edges_the_last_day_is_inside_the_next_is_not():
    assert outside_healing_phase(treatment_day=NOV_28, days=14, first_day=NOV_28) is None  # the same day
    assert outside_healing_phase(treatment_day=NOV_28, days=14, first_day=datetime.date(2026, 12, 12)) is None
    late = outside_healing_phase(treatment_day=NOV_28, days=14, first_day=datetime.date(2026, 12, 13))
    assert late.code == "outside_healing_phase"
    with translation.override("en"):
        late = outside_healing_phase(treatment_day=NOV_28, days=14, first_day=datetime.date(2026, 12, 13))
        assert late.message == (
            "The first session (13 December 2026) is after the healing phase, which ends on 12 December 2026."
        )


def codes(**kwargs):
    args = {"kind": "laser", "other": "", "day": NOV_28, "first_day": TODAY, "today": TODAY, **kwargs}
    return [r.code for r in preceding_treatment_problems(**args)]


def test_the_treatment_needs_a_kind_and_a_date():
    assert codes() == []
    assert codes(kind="") == ["preceding_treatment_required"]
    assert codes(day=None) == ["preceding_treatment_required"]


def test_another_treatment_must_be_named():
    assert codes(kind="other") == ["preceding_treatment_unnamed"]
    assert codes(kind="other", other="  ") == ["preceding_treatment_unnamed"]
    assert codes(kind="other", other="IPL") == []


def test_a_treatment_today_is_accepted_tomorrow_is_in_the_future():
    assert codes(day=TODAY) == []
    assert codes(day=TODAY + datetime.timedelta(days=1), first_day=TODAY + datetime.timedelta(days=3)) == [
        "preceding_treatment_in_future"
    ]


def test_a_treatment_after_the_first_session_is_refused_on_the_same_day_is_not():
    first = datetime.date(2026, 11, 30)
    assert codes(day=datetime.date(2026, 12, 1), first_day=first) == ["preceding_treatment_after_first_session"]
    assert codes(day=first, first_day=first) == []
