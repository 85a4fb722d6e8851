"""A course's money as plain arithmetic: what it costs, what is paid, used, due or in credit.

No database here: the selector counts the sessions and sums the payments, this decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Balance:
    price: Decimal  # what the course costs as sold (after the discount)
    paid: Decimal
    refunded: Decimal
    used: Decimal  # what the delivered sessions are worth
    sessions_used: int
    sessions_total: int
    cancelled: bool

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def owed(self) -> Decimal:
        """What the patient owes in all: the whole price, or only what was used of a cancelled course."""
        return self.used if self.cancelled else self.price

    @property
    def due(self) -> Decimal:
        return max(self.owed - self.net_paid, ZERO)

    @property
    def credit(self) -> Decimal:
        return max(self.net_paid - self.owed, ZERO)

    @property
    def refundable(self) -> Decimal:
        """Paid and not used: the most a refund may give back."""
        return max(self.net_paid - self.used, ZERO)


def sessions_used(*, completed: int, no_shows: int, session_count: int, no_show_counts: bool) -> int:
    """Delivered sessions (and no-shows, if the clinic counts them), never more than were sold:
    a replacement for a no-show the patient was charged for is the clinic's gift."""
    return min(completed + (no_shows if no_show_counts else 0), session_count)


def used_value(
    *,
    used: int,
    session_count: int,
    total_price: Decimal,
    price_per_session: Decimal,
    partial: bool,
    keep_discount: bool,
) -> Decimal:
    """What `used` sessions are worth: their share of the discounted price, or, for a course that
    stops part way when the discount does not survive that, the full price per session (capped at
    the price of the whole course: stopping never costs more than finishing)."""
    if partial and not keep_discount:
        return min(_money(price_per_session * used), total_price)
    # A share of the total, not a rounded unit price times the count: all sessions make the total exactly.
    return _money(total_price * used / session_count)


def balance(
    *,
    total_price: Decimal,
    price_per_session: Decimal,
    session_count: int,
    paid: Decimal,
    refunded: Decimal,
    completed: int,
    no_shows: int,
    cancelled: bool,
    keep_discount: bool,
    no_show_counts: bool,
) -> Balance:
    used = sessions_used(
        completed=completed, no_shows=no_shows, session_count=session_count, no_show_counts=no_show_counts
    )
    value = used_value(
        used=used,
        session_count=session_count,
        total_price=total_price,
        price_per_session=price_per_session,
        partial=cancelled and used < session_count,
        keep_discount=keep_discount,
    )
    return Balance(
        price=_money(total_price),
        paid=_money(paid),
        refunded=_money(refunded),
        used=value,
        sessions_used=used,
        sessions_total=session_count,
        cancelled=cancelled,
    )
