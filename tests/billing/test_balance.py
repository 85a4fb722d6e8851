"""The balance arithmetic, without a database."""

from decimal import Decimal

from billing.balance import balance

D = Decimal


def _balance(**kw):
    args = dict(
        total_price=D("10800.00"),
        price_per_session=D("1000.00"),
        session_count=12,
        paid=D(0),
        refunded=D(0),
        completed=0,
        no_shows=0,
        cancelled=False,
        keep_discount=True,
        no_show_counts=True,
    )
    return balance(**{**args, **kw})


def test_used_sessions_are_worth_their_share_of_the_discounted_price():
    b = _balance(paid=D("4500"), completed=5)
    assert (b.sessions_used, b.used) == (5, D("4500.00"))
    assert (b.due, b.credit, b.refundable) == (D("6300.00"), D(0), D(0))


def test_all_sessions_used_make_the_price_exactly_whatever_the_rounding():
    b = _balance(total_price=D("1000.00"), price_per_session=D("111.11"), session_count=9, completed=9)
    assert b.used == D("1000.00")
    assert _balance(total_price=D("1000.00"), session_count=3, completed=1).used == D("333.33")


def test_a_cancelled_course_owes_only_what_was_used_and_refunds_the_rest():
    b = _balance(paid=D("10800"), completed=5, cancelled=True)
    assert (b.used, b.due, b.credit, b.refundable) == (D("4500.00"), D(0), D("6300.00"), D("6300.00"))


def test_without_the_discount_on_a_partial_course_used_sessions_cost_the_full_price():
    b = _balance(paid=D("10800"), completed=5, cancelled=True, keep_discount=False)
    assert (b.used, b.refundable) == (D("5000.00"), D("5800.00"))


def test_without_the_discount_stopping_never_costs_more_than_the_whole_course():
    b = _balance(paid=D("10800"), completed=11, cancelled=True, keep_discount=False)
    assert b.used == D("10800.00")


def test_no_shows_count_as_used_only_when_the_clinic_says_so():
    assert _balance(completed=2, no_shows=1).sessions_used == 3
    assert _balance(completed=2, no_shows=1, no_show_counts=False).sessions_used == 2


def test_replacements_never_make_more_sessions_used_than_were_sold():
    assert _balance(completed=12, no_shows=2).sessions_used == 12


def test_refunds_reduce_what_is_paid():
    b = _balance(paid=D("10800"), refunded=D("800"))
    assert (b.net_paid, b.due, b.credit) == (D("10000.00"), D("800.00"), D(0))


def test_an_active_course_paid_in_full_is_in_credit_only_beyond_its_price():
    assert _balance(paid=D("10800")).credit == D(0)
    assert _balance(paid=D("10800")).refundable == D("10800.00")
