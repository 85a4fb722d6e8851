from celery import shared_task

from accounts.models import Location


@shared_task(name="clinic.health_check")
def health_check() -> dict:
    """Prove that a worker reaches the database: return how many locations it sees."""
    return {"locations": Location.objects.count()}


@shared_task(name="clinic.noop")
def noop() -> None:
    """Does nothing: the benchmark's yardstick for what the broker and a worker can do."""
