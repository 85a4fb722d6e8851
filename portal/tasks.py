from celery import shared_task

from scheduling.sms import TransientSendError


@shared_task(
    name="portal.send_link",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError, TransientSendError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,
)
def send_portal_link(link_id: int, raw: str) -> None:
    """The raw token rides in the task message only; the database keeps its hash."""
    from .services import send_link

    send_link(link_id, raw)
