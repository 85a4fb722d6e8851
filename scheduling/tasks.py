"""Celery tasks of scheduling: the hourly look at every dewar's forecast; a freed time's waiting-list offers."""

from celery import shared_task

from .services.dewars import nitrogen_alerts_raise, nitrogen_alerts_send
from .services.waitlist import waitlist_offer_slot


@shared_task(name="scheduling.nitrogen_alerts", ignore_result=True)
def nitrogen_alerts() -> dict:
    """File a warning for each dewar that needs a refill ordered, then email the unsent ones."""
    return {"raised": nitrogen_alerts_raise(), "sent": nitrogen_alerts_send()}


@shared_task(name="scheduling.waitlist_offer", ignore_result=True)
def waitlist_offer(
    *, session_id: int, location_id: int, procedure_id: int, clinician_id: int, start: str, end: str
) -> int:
    """Offer one freed time (ISO start and end) to the waiting list; the messages go with the next reminders tick."""
    offers = waitlist_offer_slot(
        session_id=session_id,
        location_id=location_id,
        procedure_id=procedure_id,
        clinician_id=clinician_id,
        start=start,
        end=end,
    )
    return len(offers)
