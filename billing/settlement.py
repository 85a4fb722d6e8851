"""Which delivered sessions settle how much of a course's advance (tag 1214 = 4), as plain arithmetic.

Each used session is worth its share of the course's price; its settlement receipts together
never exceed that share, and all settlements together never exceed the advance still held (paid,
less refunds). An advance that arrives later settles the sessions it now covers, oldest first.
"""

from __future__ import annotations

from decimal import Decimal

from .balance import ZERO, used_value


def session_shares(
    *,
    used: int,
    session_count: int,
    total_price: Decimal,
    price_per_session: Decimal = ZERO,
    partial: bool = False,
    keep_discount: bool = True,
) -> list[Decimal]:
    """The share of each of the first `used` sessions, priced as the balance prices them (a course
    stopped part way without its discount: the full price): the differences of the running value,
    so that the shares add up to what the sessions are worth exactly. A session settled at the
    discounted share before the course stopped gets the difference settled then."""
    values = [
        used_value(
            used=n,
            session_count=session_count,
            total_price=total_price,
            price_per_session=price_per_session,
            partial=partial,
            keep_discount=keep_discount,
        )
        for n in range(used + 1)
    ]
    return [values[n] - values[n - 1] for n in range(1, used + 1)]


def settlements_due(*, shares: list[Decimal], settled: list[Decimal], held: Decimal) -> list[Decimal]:
    """For each used session (in order), what to settle now: its unsettled share, while the advance
    held and not yet settled lasts."""
    available = held - sum(settled, ZERO)
    due = []
    for share, done in zip(shares, settled, strict=True):
        amount = max(min(share - done, available), ZERO)
        due.append(amount)
        available -= amount
    return due
