from celery import shared_task

from . import emails
from .models import Delivery


@shared_task(ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def ping(value: str = "pong") -> str:
    """Echo back: proves a message went through the broker to a worker.

    Idempotent: it changes nothing.
    """
    return value


@shared_task(acks_late=True)
def send_notification_emails(recipient_id: int) -> int:
    """Email one recipient's pending "right away" notifications (batched in one message).

    Idempotent: rows are marked emailed in the same transaction that picks them, so a
    second run (or a retry after a crash) finds nothing left to send. Within the batching
    window after a previous email it sends nothing; the sweep below picks those up."""
    return emails.do_send_immediate_emails(recipient_id=recipient_id)


@shared_task(acks_late=True)
def send_due_notification_emails() -> int:
    """Periodic sweep (every few minutes): send what waited out a busy thread's batching
    window. Visits only recipients with something pending. Idempotent, like the above."""
    sent = 0
    for recipient_id in emails.recipients_with_pending(delivery=Delivery.IMMEDIATELY):
        sent += emails.do_send_immediate_emails(recipient_id=recipient_id)
    return sent


@shared_task(acks_late=True)
def send_daily_digests() -> int:
    """Daily: one digest email per recipient with pending digest notifications.
    Idempotent: digested rows are marked emailed; a second run sends nothing."""
    sent = 0
    for recipient_id in emails.recipients_with_pending(delivery=Delivery.DAILY):
        sent += emails.do_send_digest(recipient_id=recipient_id)
    return sent
