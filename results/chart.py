"""The trend of a course drawn on the server as SVG: density and terminal share at each check.

Pure: the figures in, the geometry and the words out; templates/results/_trend.html draws them (no
script, no inline style: the page's CSP forbids both). Two small panels, one per figure, each on its
own axis starting at 0 (a trend drawn from 140 would make +30 look like a doubling); checks are
spaced evenly, in time order, each labelled with its date. The words (titles, the description a
screen reader reads, the dates) are in the active language; the table beside the chart has them all.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language, gettext

from core.dates import RU_MONTHS_SHORT

WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 36, 18, 34  # room for the value axis, the last date, the dates
MOST_DATE_LABELS = 4


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: str  # as written ("180", "66,0 %")
    label: str  # the check's date

    @property
    def text_y(self) -> float:
        return round(self.y - 8, 1)


@dataclass(frozen=True)
class Tick:
    at: float  # y of a value tick, x of a date
    text: str


@dataclass(frozen=True)
class Panel:
    key: str  # "density" / "terminal": ids in the page
    title: str
    description: str  # <desc>: the whole trend in words
    dots: list[Dot]
    value_ticks: list[Tick]
    date_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def points(self) -> str:
        return " ".join(f"{d.x:.1f},{d.y:.1f}" for d in self.dots)

    @property
    def date_y(self) -> int:
        return self.bottom + 18

    @property
    def tick_x(self) -> int:
        return self.left - 5


@dataclass(frozen=True)
class TrendRow:
    label: str
    kind: str
    density: str
    terminal: str


@dataclass(frozen=True)
class Trend:
    panels: list[Panel]
    rows: list[TrendRow]  # the table beside the chart: every check, every figure drawn


@dataclass(frozen=True)
class CheckFigures:
    """What the chart needs of one check: when, what kind, the two figures (None when not measured)."""

    day: datetime.date
    kind: str  # as shown: "before the course"
    density: int | Decimal | None
    terminal: Decimal | None


def date_label(day: datetime.date) -> str:
    """ "7 дек. 2026" / "7 Dec 2026": short, with the year (a course can cross one)."""
    if (get_language() or "ru").startswith("ru"):
        return f"{day.day} {RU_MONTHS_SHORT[day.month - 1]} {day.year}"
    return formats.date_format(day, "j M Y")


def _written(value, percent: bool) -> str:
    text = formats.number_format(value, use_l10n=True)
    return f"{text} %" if percent else text


def nice_top(largest: float) -> tuple[int, int]:
    """A round top for the value axis above `largest` and its step (at most 5 steps): 180 → (200, 50)."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200):
        top = step * math.ceil(max(largest, 1) * 1.05 / step)
        if top / step <= 5:
            return top, step
    return 1000, 200


def _panel(key, title, unit_text, values, labels, top, step, percent) -> Panel | None:
    measured = [(i, v) for i, v in enumerate(values) if v is not None]
    if not measured:
        return None
    plot_w, plot_h = WIDTH - RIGHT - LEFT - 16, HEIGHT - BOTTOM - TOP
    count = len(values)

    def x_of(i: int) -> float:
        return LEFT + 8 + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y_of(v) -> float:
        return TOP + plot_h * (1 - float(v) / top)

    dots = [Dot(round(x_of(i), 1), round(y_of(v), 1), _written(v, percent), labels[i]) for i, v in measured]
    value_ticks = [Tick(round(y_of(v), 1), _written(v, percent)) for v in range(0, top + 1, step)]
    every = max(1, math.ceil(count / MOST_DATE_LABELS))
    date_ticks = [Tick(round(x_of(i), 1), labels[i]) for i in range(count) if i % every == 0 or i == count - 1]
    steps = "; ".join(f"{d.label}: {d.value}" for d in dots)
    description = f"{title} ({unit_text}): {steps}."
    return Panel(key, title, description, dots, value_ticks, date_ticks)


def trend(checks: list[CheckFigures]) -> Trend | None:
    """The two panels over the checks given (in time order); None when no check has a figure."""
    if not any(c.density is not None or c.terminal is not None for c in checks):
        return None
    labels = [date_label(c.day) for c in checks]
    densities = [c.density for c in checks]
    top, step = nice_top(max((float(v) for v in densities if v is not None), default=1))
    panels = [
        _panel("density", gettext("Hair density"), gettext("hairs per cm²"), densities, labels, top, step, False),
        _panel(
            "terminal",
            gettext("Terminal hairs"),
            gettext("share of all hairs, %"),
            [c.terminal for c in checks],
            labels,
            100,
            25,
            True,
        ),
    ]
    rows = [
        TrendRow(
            label,
            c.kind,
            "—" if c.density is None else _written(c.density, False),
            "—" if c.terminal is None else _written(c.terminal, True),
        )
        for label, c in zip(labels, checks, strict=True)
    ]
    return Trend([p for p in panels if p is not None], rows)
