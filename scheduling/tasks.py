"""Celery tasks of scheduling: the hourly look at every dewar's forecast."""

from celery import shared_task

from .services.dewars import nitrogen_alerts_raise, nitrogen_alerts_send


@shared_task(name="scheduling.nitrogen_alerts", ignore_result=True)
def nitrogen_alerts() -> dict:
    """File a warning for each dewar that needs a refill ordered, then email the unsent ones."""
    return {"raised": nitrogen_alerts_raise(), "sent": nitrogen_alerts_send()}
