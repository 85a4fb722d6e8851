"""Every lock the billing app takes lives here."""

from django.db import connection

from scheduling.models import Course


def lock_course_money(course_id: int) -> Course:
    """Hold the course's row until the transaction ends, so that payments and refunds of one
    course are decided one at a time on sums no one else is changing.

    FOR NO KEY UPDATE: bookings that insert sessions of the course (a key-share lock) still go on.
    Refused outside a transaction, where the lock would end with the statement.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_course_money needs a transaction")
    return (
        Course.objects.select_for_update(no_key=True, of=("self",))
        .select_related("patient", "procedure", "location")
        .get(pk=course_id)
    )
