"""Reads of the money of a course."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum

from scheduling.models import Course, CourseStatus, SessionStatus

from .balance import Balance, balance
from .models import Payment, Refund


def _sum(queryset) -> Decimal:
    """The sum of the rows' amounts (0 for none)."""
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def course_balance(course: Course, *, sessions=None, payments=None, refunds=None) -> Balance:
    """The course's balance under the clinic's policy. Pass the course's sessions, payments and
    refunds if already read: then they cost no query (the course page has them)."""
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
        paid=_sum(Payment.objects.filter(course=course))
        if payments is None
        else sum((p.amount for p in payments), Decimal(0)),
        refunded=_sum(Refund.objects.filter(course=course))
        if refunds is None
        else sum((r.amount for r in refunds), Decimal(0)),
        cancelled=course.status == CourseStatus.CANCELLED,
        keep_discount=settings.BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE,
        no_show_counts=settings.BILLING_NO_SHOW_COUNTS_AS_USED,
        **counts,
    )


def course_payments(course: Course) -> list[Payment]:
    return list(Payment.objects.filter(course=course).select_related("registrar", "receipt"))


def course_refunds(course: Course) -> list[Refund]:
    return list(Refund.objects.filter(course=course).select_related("registrar", "receipt"))
