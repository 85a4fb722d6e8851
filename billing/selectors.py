"""Reads of the money of a course."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from scheduling.models import Course, CourseStatus, Session, SessionStatus

from .balance import Balance, balance
from .day import day_totals
from .models import Payment, PaymentLink, Receipt, ReceiptKind, Refund


def _sum(queryset) -> Decimal:
    """The sum of the rows' amounts (0 for none)."""
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def course_balance(course: Course, *, sessions=None, paid=None, refunded=None) -> Balance:
    """The course's balance under the clinic's policy. Pass the course's sessions and the sums paid
    and refunded if already known: then they cost no query (the course page has them)."""
    if sessions is None:
        counts = course.sessions.aggregate(
            completed=Count("id", filter=Q(status=SessionStatus.COMPLETED)),
            no_shows=Count("id", filter=Q(status=SessionStatus.NO_SHOW)),
        )
    else:
        counts = {
            "completed": sum(s.status == SessionStatus.COMPLETED for s in sessions),
            "no_shows": sum(s.status == SessionStatus.NO_SHOW for s in sessions),
        }
    return balance(
        total_price=course.total_price,
        price_per_session=course.price_per_session,
        session_count=course.session_count,
        paid=_sum(Payment.objects.filter(course=course)) if paid is None else paid,
        refunded=_sum(Refund.objects.filter(course=course)) if refunded is None else refunded,
        cancelled=course.status == CourseStatus.CANCELLED,
        keep_discount=settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE,
        no_show_counts=settings.BILLING_NO_SHOW_COUNTS_AS_USED,
        **counts,
    )


def course_payments(course: Course) -> list[Payment]:
    return list(Payment.objects.filter(course=course).select_related("registrar", "receipt"))


def course_payment_links(course: Course) -> list[PaymentLink]:
    return list(PaymentLink.objects.filter(course=course).select_related("created_by"))


def course_refunds(course: Course) -> list[Refund]:
    return list(Refund.objects.filter(course=course).select_related("registrar", "receipt"))


def _used_statuses() -> list[str]:
    if settings.BILLING_NO_SHOW_COUNTS_AS_USED:
        return [SessionStatus.COMPLETED, SessionStatus.NO_SHOW]
    return [SessionStatus.COMPLETED]


def course_used_sessions(course: Course) -> list[Session]:
    """The sessions that used the course, oldest first (no more than were sold), each with `settled`:
    what its settlement receipts have offset so far."""
    sessions = (
        course.sessions.filter(status__in=_used_statuses())
        .annotate(
            settled=Coalesce(
                Sum("settlement_receipts__amount", filter=Q(settlement_receipts__kind=ReceiptKind.SETTLEMENT)),
                Decimal(0),
            )
        )
        .order_by("start", "id")
    )
    return list(sessions[: course.session_count])


def courses_to_settle(now=None) -> list[int]:
    """Courses with money whose used sessions may still be unsettled: a session without any
    settlement receipt, or a payment taken in the last day (it may cover a session settled in part)."""
    now = now or timezone.now()
    unsettled = Session.objects.filter(
        status__in=_used_statuses(), course__payments__isnull=False, settlement_receipts__isnull=True
    ).values_list("course_id", flat=True)
    recent = Payment.objects.filter(
        taken_at__gte=now - datetime.timedelta(days=1), course__sessions__status__in=_used_statuses()
    ).values_list("course_id", flat=True)
    return sorted(set(unsettled) | set(recent))


def receipts_of_course(course: Course) -> list[Receipt]:
    """The settlement receipts of the course's sessions (advances and returns hang on their records)."""
    return list(Receipt.objects.filter(session__course=course).select_related("session").order_by("created_at", "id"))


# What the cashier's day shows of the rows around an entry: no more (a patient's phone, parsed on
# every read, would cost more than the whole list).
_DAY_FIELDS = (
    "course__patient__full_name",
    "course__procedure__name_ru",
    "course__procedure__name_en",
    "registrar__username",
    "registrar__first_name",
    "registrar__last_name",
    "receipt__status",
    "receipt__provider_message",
)


def cashier_day(*, location, day: datetime.date):
    """The payments and refunds taken at a location on its local day, oldest first, and their totals."""
    begin = datetime.datetime.combine(day, datetime.time.min, tzinfo=location.tz)
    end = begin + datetime.timedelta(days=1)
    related = ("registrar", "course__patient", "course__procedure", "receipt")
    payments = list(
        Payment.objects.filter(location=location, taken_at__gte=begin, taken_at__lt=end)
        .select_related(*related)
        .only("amount", "method", "taken_at", "course", "registrar", *_DAY_FIELDS)
        .order_by("taken_at", "id")
    )
    refunds = list(
        Refund.objects.filter(location=location, created_at__gte=begin, created_at__lt=end)
        .select_related(*related)
        .only("amount", "method", "reason", "created_at", "course", "registrar", *_DAY_FIELDS)
        .order_by("created_at", "id")
    )
    entries = [("payment", p.method, str(p.registrar), p.amount) for p in payments]
    entries += [("refund", r.method, str(r.registrar), r.amount) for r in refunds]
    return payments, refunds, day_totals(entries)


def course_balances(courses_with_sessions) -> dict[int, Balance]:
    """Balances of several courses in one query: pairs of (course, its sessions already read).

    Courses read through with_money() already carry their sums: then no query at all."""
    pairs = list(courses_with_sessions)
    sums = {course.pk: (course.paid, course.refunded) for course, _ in pairs if hasattr(course, "paid")}
    missing = [course.pk for course, _ in pairs if course.pk not in sums]
    if missing:
        sums.update(
            (pk, (paid, refunded))
            for pk, paid, refunded in Course.objects.filter(pk__in=missing)
            .annotate(paid=_total_of(Payment), refunded=_total_of(Refund))
            .values_list("pk", "paid", "refunded")
        )
    return {
        course.pk: course_balance(course, sessions=sessions, paid=sums[course.pk][0], refunded=sums[course.pk][1])
        for course, sessions in pairs
    }


# with_money's columns, each a subquery on the course row (constant SQL; the time zone is a parameter).
_PAID_SQL = "SELECT COALESCE(SUM(amount), 0) FROM billing_payment WHERE course_id = scheduling_course.id"
_REFUNDED_SQL = "SELECT COALESCE(SUM(amount), 0) FROM billing_refund WHERE course_id = scheduling_course.id"
_YEARS_SQL = (
    "ARRAY(SELECT DISTINCT EXTRACT(YEAR FROM taken_at AT TIME ZONE %s)::int FROM billing_payment"
    " WHERE course_id = scheduling_course.id)"
)


def with_money(courses, *, tz):
    """Courses annotated, in their own query, with `paid`, `refunded` and `payment_years` (the years in
    `tz` of their payments): the portal home's balances and tax-certificate years without queries of
    their own (course_balances and paid_years_of read them).

    Written as SQL: the same three ORM subqueries (as _total_of and paid_years build them) cost about
    1 ms of Python to build and compile on every visit of the portal home, more than running them."""
    money = DecimalField(max_digits=12, decimal_places=2)
    return courses.annotate(
        paid=RawSQL(_PAID_SQL, (), money),  # noqa: S611 - constant SQL
        refunded=RawSQL(_REFUNDED_SQL, (), money),  # noqa: S611 - constant SQL
        payment_years=RawSQL(_YEARS_SQL, (tz.key,), ArrayField(IntegerField())),  # noqa: S611 - zone bound
    )


def paid_years_of(courses) -> list[int]:
    """paid_years() from a patient's courses (all of them) read through with_money(): no query."""
    return sorted({year for course in courses for year in course.payment_years}, reverse=True)


def _total_of(model):
    """A course's total of its payments (or refunds), 0 without any: a subquery of one course query."""
    rows = model.objects.filter(course_id=OuterRef("pk")).order_by().values("course_id").annotate(t=Sum("amount"))
    return Coalesce(Subquery(rows.values("t")), Decimal(0), output_field=DecimalField(max_digits=12, decimal_places=2))


def paid_years(patient) -> list[int]:
    """The calendar years (her home location's) in which the patient paid anything, newest first: the
    years a certificate for the tax deduction can be asked for. One query."""
    taken = Payment.objects.filter(course__patient_id=patient.pk).annotate(
        year=ExtractYear("taken_at", tzinfo=patient.home_location.tz)
    )
    return list(taken.values_list("year", flat=True).distinct().order_by("-year"))


def paid_in_year(patient, year: int) -> Decimal:
    """What the patient paid for medical services in a calendar year (her home location's), less refunds."""
    tz = patient.home_location.tz
    begin = datetime.datetime(year, 1, 1, tzinfo=tz)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
    paid = _sum(Payment.objects.filter(course__patient=patient, taken_at__gte=begin, taken_at__lt=end))
    refunded = _sum(Refund.objects.filter(course__patient=patient, created_at__gte=begin, created_at__lt=end))
    return max(paid - refunded, Decimal(0))
