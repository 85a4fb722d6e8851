"""Bar charts drawn on the server as SVG (no script, no inline style: the page's CSP forbids both).

Pure: the numbers in, the bars' geometry out; templates/reports/_chart.html draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats

MOST_BARS = 25
ROW, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 180, 220, 70


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + ROW - 7


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    height: int
    left_out: int  # rows not drawn (the table has them all)
    caption: str = ""  # what a bar's length is: the value column's label
    width: int = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bar_x: int = LABEL_WIDTH

    def value_x(self, bar: Bar) -> int:
        return self.bar_x + bar.width + 6


def _short(text: str, most: int = 26) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _shown(number) -> str:
    """A bar's figure as the tables write it: in the page's language (3,1 in Russian, not 3.1)."""
    return formats.number_format(number, use_l10n=True) if isinstance(number, Decimal | float) else f"{number}"


def bar_chart(rows: list[dict], *, label: str, value: str, caption: str = "") -> Chart | None:
    """One bar per row (the first MOST_BARS), as long as its `value` against the largest; None when empty."""
    drawn = [r for r in rows if r.get(value) is not None][:MOST_BARS]
    if not drawn:
        return None
    largest = max(float(r[value]) for r in drawn) or 1.0
    bars = [
        Bar(
            label=_short(str(r[label])),
            value=_shown(r[value]),
            y=n * ROW,
            width=max(1, round(BAR_WIDTH * float(r[value]) / largest)) if r[value] else 0,
        )
        for n, r in enumerate(drawn)
    ]
    return Chart(bars=bars, height=len(bars) * ROW, left_out=len(rows) - len(drawn), caption=caption)
