"""Celery tasks of scheduling: the hourly look at every dewar's forecast; a freed time's waiting-list offers,
and the sweep that passes the times of expired offers on."""

from celery import shared_task

from .services.dewars import nitrogen_alerts_raise, nitrogen_alerts_send
from .services.waitlist import waitlist_offer_slot, waitlist_offers_pass_on


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


@shared_task(name="scheduling.waitlist_sweep", ignore_result=True, soft_time_limit=240, time_limit=270)
def waitlist_sweep() -> int:
    """Every five minutes: the still-free times of expired offers go to the next waiting patients."""
    return waitlist_offers_pass_on()
