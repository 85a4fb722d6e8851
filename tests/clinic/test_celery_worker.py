"""A real Celery worker, started as a process, runs a task this test enqueues."""

import pytest

from accounts.models import Location
from clinic.tasks import health_check

from ..helpers import celery_worker


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_completes_an_enqueued_task_that_reads_the_database():
    Location.objects.create(name="Worker branch", address="Somewhere 1", phone="+7 495 000-00-00")
    Location.objects.create(name="Second branch", address="Somewhere 2", phone="+7 495 000-00-01")
    with celery_worker() as (proc, queue):
        result = health_check.apply_async(queue=queue)
        try:
            answer = result.get(timeout=90)
        except Exception:
            proc.terminate()
            print(proc.stdout.read())
            raise
    assert answer == {"locations": 2}
