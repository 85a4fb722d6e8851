"""The before-and-after's arithmetic and its words, and the trend chart's geometry: no database."""

import datetime
from decimal import Decimal

from django.utils import translation

from results import chart
from results.comparison import METRIC, change, compare, delta_text, percent_text, plain_words, table

DENSITY, TERMINAL, DIAMETER = METRIC["density"], METRIC["terminal_share"], METRIC["mean_diameter"]

BEFORE = {"frontoparietal": {"density": 150, "terminal_share": Decimal("55.0"), "mean_diameter": Decimal("52.0")}}
AFTER = {"frontoparietal": {"density": 180, "terminal_share": Decimal("66.0"), "mean_diameter": Decimal("58.5")}}


def test_density_from_150_to_180_is_thirty_more_per_cm2_and_twenty_percent():
    item = change(DENSITY, 150, 180)
    assert (item.delta, item.percent, item.direction) == (Decimal(30), Decimal("20.0"), 1)


def test_a_share_changes_in_percentage_points_and_gets_no_percent_of_a_percent():
    item = change(TERMINAL, Decimal("55.0"), Decimal("66.0"))
    assert (item.delta, item.percent) == (Decimal("11.0"), None)


def test_a_fall_is_negative_and_the_percent_is_rounded_half_up_to_one_place():
    item = change(DIAMETER, Decimal("60.0"), Decimal("52.1"))
    assert item.delta == Decimal("-7.9") and item.percent == Decimal("-13.2")  # -13.1666…
    assert change(DENSITY, 3, 4).percent == Decimal("33.3")
    assert change(DENSITY, 8, 9).percent == Decimal("12.5")
    assert change(DENSITY, 6, 7).percent == Decimal("16.7")


def test_a_missing_figure_at_either_check_gives_no_change_and_a_start_of_zero_no_percent():
    assert change(DENSITY, None, 180).delta is None
    assert change(DENSITY, 150, None).percent is None
    assert change(DENSITY, None, None).direction is None
    assert change(DIAMETER, 0, 5).delta == 5 and change(DIAMETER, 0, 5).percent is None


def test_compare_keeps_the_zones_of_either_check_and_leaves_out_figures_measured_at_neither():
    before = {"front": {"density": 150, "anagen_share": None}, "vertex": {"density": 120}}
    after = {"front": {"density": 180}, "crown": {"density": 90}}
    zones = compare(before, after)
    assert [z.zone for z in zones] == ["front", "vertex", "crown"]
    front = zones[0].changes
    assert [c.metric.field for c in front] == ["density"]
    assert zones[1].changes[0].after is None and zones[2].changes[0].before is None


def test_compare_with_no_second_check_lists_the_first_checks_figures_without_change():
    zones = compare(BEFORE, {})
    assert {c.metric.field: c.delta for c in zones[0].changes} == {
        "density": None,
        "terminal_share": None,
        "mean_diameter": None,
    }


def test_the_table_writes_the_known_course_as_plus_30_per_cm2_plus_20_percent_and_plus_11_points():
    with translation.override("en"):
        rows = table(compare(BEFORE, AFTER))
    density, terminal, diameter = rows
    assert (density.zone, density.zone_rows, terminal.zone_rows) == ("frontoparietal", 3, 0)
    assert (density.before, density.after, density.change, density.percent) == ("150", "180", "+30 per cm²", "+20.0 %")
    assert (terminal.before, terminal.after, terminal.change, terminal.percent) == ("55.0", "66.0", "+11.0 points", "")
    assert (diameter.change, diameter.percent) == ("+6.5 µm", "+12.5 %")


def test_the_table_in_russian_writes_decimal_commas_and_a_true_minus():
    with translation.override("ru"):
        item = change(DIAMETER, Decimal("60.0"), Decimal("52.5"))
        assert delta_text(item) == "−7,5 мкм"
        assert percent_text(item) == "−12,5 %"
        assert delta_text(change(TERMINAL, Decimal("55.0"), Decimal("66.0"))) == "+11,0 п. п."


def test_the_patient_reads_the_change_in_plain_russian_with_the_right_preposition():
    with translation.override("ru"):
        assert plain_words(change(DENSITY, 150, 180)) == "Плотность волос выросла со 150 до 180 на см² (+20 %)"
        assert plain_words(change(DENSITY, 90, 80)) == "Плотность волос снизилась с 90 до 80 на см² (−11 %)"
        assert plain_words(change(DENSITY, 200, 200)) == "Плотность волос не изменилась: 200 на см²"
        assert plain_words(change(TERMINAL, Decimal("55.0"), Decimal("66.0"))) == (
            "Доля толстых (терминальных) волос выросла с 55 до 66 %"
        )


def test_the_patient_reads_it_in_english_too_and_nothing_for_an_incomplete_figure():
    with translation.override("en"):
        assert plain_words(change(DENSITY, 150, 180)) == "Hair density rose from 150 to 180 per cm² (+20 %)"
        assert plain_words(change(DIAMETER, Decimal("52.0"), Decimal("58.5"))) == (
            "The mean hair thickness rose from 52 to 58.5 µm (+13 %)"
        )
    assert plain_words(change(DENSITY, None, 180)) == ""
    assert plain_words(change(METRIC["telogen_share"], 10, 12)) == ""  # not one a patient follows


def _checks(*figures):
    start = datetime.date(2026, 9, 1)
    return [
        chart.CheckFigures(day=start + datetime.timedelta(days=30 * n), kind="check", density=d, terminal=t)
        for n, (d, t) in enumerate(figures)
    ]


def test_the_trend_draws_density_on_a_round_axis_from_zero_and_terminal_share_from_0_to_100():
    with translation.override("en"):
        trend = chart.trend(_checks((150, Decimal("55.0")), (165, Decimal("60.0")), (180, Decimal("66.0"))))
    density, terminal = trend.panels
    assert [t.text for t in density.value_ticks] == ["0", "50", "100", "150", "200"]
    assert [t.text for t in terminal.value_ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert [d.value for d in density.dots] == ["150", "165", "180"]
    ys = [d.y for d in density.dots]
    assert ys == sorted(ys, reverse=True)  # rising figures are drawn higher (SVG's y grows downwards)
    assert density.value_ticks[0].at == density.bottom and density.value_ticks[-1].at == density.top
    xs = [d.x for d in density.dots]
    assert xs[1] - xs[0] == xs[2] - xs[1] and density.left < xs[0] < xs[-1] < density.right


def test_the_trend_says_in_words_what_it_draws_and_its_table_has_every_check():
    with translation.override("ru"):
        trend = chart.trend(_checks((150, Decimal("55.0")), (None, None), (180, Decimal("66.5"))))
    density, terminal = trend.panels
    assert density.title == "Плотность волос"
    assert density.description == "Плотность волос (волос на см²): 1 сент. 2026: 150; 31 окт. 2026: 180."
    assert [d.value for d in terminal.dots] == ["55,0 %", "66,5 %"]
    assert [(r.label, r.density, r.terminal) for r in trend.rows] == [
        ("1 сент. 2026", "150", "55,0 %"),
        ("1 окт. 2026", "—", "—"),
        ("31 окт. 2026", "180", "66,5 %"),
    ]


def test_a_trend_of_one_check_is_a_dot_in_the_middle_and_no_figures_no_chart():
    trend = chart.trend(_checks((150, None)))
    assert [p.key for p in trend.panels] == ["density"]
    (dot,) = trend.panels[0].dots
    assert trend.panels[0].left < dot.x < trend.panels[0].right
    assert chart.trend(_checks((None, None))) is None
    assert chart.trend([]) is None


def test_the_value_axis_top_is_round_and_above_the_largest_figure():
    assert chart.nice_top(180) == (200, 50)
    assert chart.nice_top(260) == (300, 100)
    assert chart.nice_top(42) == (50, 10)
    assert chart.nice_top(690) == (800, 200)
