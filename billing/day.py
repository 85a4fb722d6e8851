"""The cashier's day as plain arithmetic: totals by method and by staff member, from the entries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Totals:
    taken: Decimal = ZERO
    refunded: Decimal = ZERO
    count: int = 0

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


@dataclass
class DayTotals:
    all: Totals = field(default_factory=Totals)
    by_method: dict[str, Totals] = field(default_factory=dict)
    by_staff: dict[str, Totals] = field(default_factory=dict)


def day_totals(entries) -> DayTotals:
    """entries: (kind "payment" or "refund", method, staff member's name, amount)."""
    by_method: dict[str, Totals] = defaultdict(Totals)
    by_staff: dict[str, Totals] = defaultdict(Totals)
    everything = Totals()
    for kind, method, staff, amount in entries:
        for totals in (everything, by_method[method], by_staff[staff]):
            totals.count += 1
            if kind == "payment":
                totals.taken += amount
            else:
                totals.refunded += amount
    return DayTotals(all=everything, by_method=dict(sorted(by_method.items())), by_staff=dict(sorted(by_staff.items())))
