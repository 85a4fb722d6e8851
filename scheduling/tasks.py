"""Celery tasks: they take ids, fetch the rows and call scheduling.reminders."""

from celery import shared_task


@shared_task(name="scheduling.reminders_tick", ignore_result=True)
def reminders_tick() -> dict:
    from . import reminders

    return reminders.tick()


@shared_task(name="scheduling.send_dispatches", ignore_result=True, acks_late=True)
def send_dispatches(ids: list[int]) -> None:
    from . import reminders

    for dispatch_id, outcome in reminders.send_batch(ids).items():
        if outcome.retry_in is not None:
            send_dispatches.apply_async(([dispatch_id],), countdown=outcome.retry_in)
