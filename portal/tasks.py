from celery import shared_task

from core.sms import TransientSendError


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


@shared_task(name="portal.send_sign_in_links", ignore_result=True, acks_late=True)
def send_sign_in_links(contact: str, ip: str | None) -> None:
    """Look a canonical contact up and send its patients their links, away from the request, so the
    sign-in page answers as fast for an unknown contact as for a known one."""
    from .services import sign_in_links_send

    sign_in_links_send(contact=contact, ip=ip)
