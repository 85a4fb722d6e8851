"""Celery tasks: they take ids, fetch the rows and call the reminders' modules.

The task names keep their "scheduling." prefix: beat's schedule in the database names them so.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import delivery, scan


def tick(now: datetime.datetime | None = None) -> dict:
    """The periodic task's body: scan, then queue the due dispatches for the workers."""
    now = now or timezone.now()
    with transaction.atomic():
        added = scan.scan(now)
        batches = scan.enqueue(now)
        for ids in batches:
            transaction.on_commit(lambda ids=ids: send_dispatches.delay(ids))
    return {"added": added, "queued": sum(len(b) for b in batches)}


@shared_task(name="scheduling.reminders_tick", ignore_result=True)
def reminders_tick() -> dict:
    return tick()


@shared_task(name="scheduling.send_dispatches", ignore_result=True, acks_late=True)
def send_dispatches(ids: list[int]) -> None:
    for dispatch_id, outcome in delivery.send_batch(ids).items():
        if outcome.retry_in is not None:
            send_dispatches.apply_async(([dispatch_id],), countdown=outcome.retry_in)
