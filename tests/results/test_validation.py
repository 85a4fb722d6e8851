"""The plain rules a trichoscopy's figures meet, without a database."""

from decimal import Decimal as D

from results.validation import (
    Figures,
    Reading,
    figures_problems,
    final_check_possible,
    grade_problem,
    reading_problems,
    same_reading,
)

ZONES = {"frontoparietal", "occipital"}


def _codes(figures):
    return {(where, code) for where, _message, code in figures_problems(figures)}


def test_plausible_figures_have_no_problem():
    figures = Figures(200, D("70.0"), D("30.0"), D("62.5"), D("85.0"), D("13.0"))
    assert figures_problems(figures) == []


def test_density_is_required_and_within_its_plausible_range():
    assert _codes(Figures(None, D("70"))) == {("density", "density_required")}
    assert _codes(Figures(0)) == {("density", "density_range")}
    assert _codes(Figures(5000)) == {("density", "density_range")}
    message = figures_problems(Figures(5000))[0][1]
    assert "hairs per cm²" in message and "700" in message


def test_a_share_is_a_percentage():
    assert _codes(Figures(150, terminal_share=D("120"))) == {("terminal_share", "share_range")}
    assert _codes(Figures(150, telogen_share=D("-1"))) == {("telogen_share", "share_range")}


def test_terminal_and_vellus_shares_add_up_to_a_hundred_within_rounding():
    assert figures_problems(Figures(150, D("55.5"), D("44.4"))) == []
    problems = figures_problems(Figures(150, D("70"), D("70")))
    assert [(w, c) for w, _m, c in problems] == [("vellus_share", "shares_sum")]
    assert "140" in problems[0][1]


def test_anagen_and_telogen_leave_room_for_catagen_only():
    assert figures_problems(Figures(150, anagen_share=D("85"), telogen_share=D("13"))) == []
    assert _codes(Figures(150, anagen_share=D("60"), telogen_share=D("20"))) == {("telogen_share", "shares_sum")}
    assert _codes(Figures(150, anagen_share=D("90"), telogen_share=D("20"))) == {("telogen_share", "shares_sum")}


def test_a_figure_out_of_range_does_not_hide_another_pairs_sum():
    """A density of 5000 used to hide that terminal and vellus added up to 140 %, until it was fixed."""
    codes = _codes(Figures(5000, D("70"), D("70"), anagen_share=D("60"), telogen_share=D("20")))
    assert codes == {("density", "density_range"), ("vellus_share", "shares_sum"), ("telogen_share", "shares_sum")}
    # A share out of range is said alone: its pair's sum would only repeat it.
    assert _codes(Figures(150, D("120"), D("70"))) == {("terminal_share", "share_range")}


def test_one_share_alone_is_accepted():
    assert figures_problems(Figures(150, terminal_share=D("60"))) == []


def test_the_diameter_is_in_micrometres_within_its_range():
    assert _codes(Figures(150, mean_diameter=D("400"))) == {("mean_diameter", "diameter_range")}
    assert _codes(Figures(150, mean_diameter=D("2"))) == {("mean_diameter", "diameter_range")}


def test_a_grade_comes_from_its_scale():
    assert grade_problem("", "") is None
    assert grade_problem("hamilton", "3v") is None
    assert grade_problem("ludwig", "II") is None
    assert grade_problem("ludwig", "5")[1] == "grade_not_of_scale"
    assert "I, II, III" in grade_problem("ludwig", "5")[0]
    assert grade_problem("hamilton", "8")[1] == "grade_not_of_scale"
    assert grade_problem("", "3")[1] == "scale_required"
    assert grade_problem("savin", "3")[1] == "scale_unknown"


def test_a_reading_names_each_problem_where_it_belongs():
    reading = Reading(
        method="guesswork",
        scale="hamilton",
        grade="IX",
        zones={"frontoparietal": Figures(900), "occipital": Figures(150, D("80"), D("80"))},
    )
    problems = reading_problems(reading, ZONES)
    assert set(problems) == {"method", "grade", "frontoparietal-density", "occipital-vellus_share"}
    assert problems["grade"][0][1] == "grade_not_of_scale"


def test_a_reading_needs_at_least_one_measured_zone_and_known_zones():
    empty = Reading(method="trichoscopy", zones={"frontoparietal": Figures(None)})
    assert reading_problems(empty, ZONES)["zones"][0][1] == "zones_required"
    unknown = Reading(method="trichoscopy", zones={"eyebrow": Figures(100)})
    assert reading_problems(unknown, ZONES)["zones"][0][1] == "zone_unknown"


def test_an_empty_optional_zone_is_not_a_problem():
    reading = Reading(method="phototrichogram", zones={"frontoparietal": Figures(180), "occipital": Figures(None)})
    assert reading_problems(reading, ZONES) == {}


def test_the_check_after_the_course_needs_a_session_done_or_the_course_cancelled():
    assert not final_check_possible(course_cancelled=False, completed_sessions=0)
    assert final_check_possible(course_cancelled=False, completed_sessions=1)
    assert final_check_possible(course_cancelled=True, completed_sessions=0)


def test_a_reading_equal_but_for_empty_zones_and_spaces_is_the_same():
    zone = Figures(150, D("55.0"), D("45.0"))
    base = Reading(method="trichoscopy", zones={"frontoparietal": zone}, device="Aramo")
    padded = Reading(
        method="trichoscopy",
        zones={"frontoparietal": Figures(150, D("55"), D("45")), "occipital": Figures(None)},
        device=" Aramo ",
    )
    assert same_reading(base, padded)
    assert not same_reading(
        base, Reading(method="trichoscopy", zones={"frontoparietal": zone}, device="Aramo", grade="I")
    )
