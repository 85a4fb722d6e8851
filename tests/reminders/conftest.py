"""The reminders' tests book courses in the scheduling tests' clinic."""

from ..scheduling.conftest import at, book_course, clinic, cryotherapy, eligible_patient, next_weekday  # noqa: F401
