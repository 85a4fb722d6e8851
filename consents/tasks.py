from celery import shared_task

from core.sms import TransientSendError

from . import services

RETRY = {"autoretry_for": (OSError, TransientSendError), "retry_backoff": 5, "retry_jitter": True, "max_retries": 3}


@shared_task(name="consents.send_code", ignore_result=True, acks_late=True, **RETRY)
def send_code(code_id: int, raw: str) -> None:
    """The raw code rides in the task message only; the database keeps its HMAC."""
    services.code_send(code_id, raw)


@shared_task(name="consents.send_link", ignore_result=True, acks_late=True, **RETRY)
def send_link(link_id: int, raw: str) -> None:
    services.link_send(link_id, raw)
