import pytest

from ..scheduling.conftest import book_course, clinic, eligible_patient  # noqa: F401  (fixtures)


@pytest.fixture
def course(registrar, clinic, eligible_patient, cryo, location):  # noqa: F811
    """A 10-session cryomassage course for `patient` (whose login is patient_user), at 10:00."""
    return book_course(registrar, eligible_patient, cryo, location)


@pytest.fixture
def sessions(course):
    return list(course.sessions.order_by("start"))


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in Redis and outlive a test's transaction."""
    from django.core.cache import cache

    cache.clear()
    yield
