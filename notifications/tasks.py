from datetime import datetime

from celery import shared_task
from django.utils import timezone

from notifications import digests, emails
from notifications.models import Delivery


@shared_task(acks_late=True)
def send_notification_emails(recipient_id: int) -> int:
    """Email one recipient's pending "right away" notifications (batched in one message).

    Idempotent: rows are marked emailed in the same transaction that picks them, so a
    second run (or a retry after a crash) finds nothing left to send. Within the batching
    window after a previous email it sends nothing; the sweep below picks those up."""
    return emails.do_send_immediate_emails(recipient_id=recipient_id)


@shared_task(acks_late=True)
def send_notification_emails_batch(recipient_ids: list[int]) -> int:
    """``send_notification_emails`` for each of a batch of recipients (a large audience's
    right-away emails, ``notifications.do_notify_many``), one transaction each.

    Idempotent, like the above: a re-run or a retry finds the rows already marked emailed."""
    return sum(emails.do_send_immediate_emails(recipient_id=pk) for pk in recipient_ids)


@shared_task(acks_late=True)
def send_due_notification_emails() -> int:
    """Periodic sweep (every few minutes): send what waited out a busy thread's batching
    window. Visits only recipients with something pending. Idempotent, like the above."""
    sent = 0
    for recipient_id in emails.recipients_with_pending(delivery=Delivery.IMMEDIATELY):
        sent += emails.do_send_immediate_emails(recipient_id=recipient_id)
    return sent


@shared_task(acks_late=True)
def enqueue_digests(frequency: str = "weekly") -> int:
    """Daily (``daily``) and on Mondays (``weekly``): find the members due that digest
    with something in it (digested notifications, or their communities' activity in the
    period that ended at midnight) and enqueue them in batches. Idempotent:
    members already sent this period's digest are left out, and the batch task checks
    again under a unique constraint."""
    end = digests.period_end(timezone.now())
    ids = digests.recipients(frequency=frequency, end=end)
    groups = digests.batches(ids)
    for group in groups:
        send_digest_batch.delay(group, frequency, end.isoformat())
    return len(groups)


@shared_task(acks_late=True)
def send_digest_batch(user_ids: list[int], frequency: str, period_end: str) -> int:
    """Send one batch of digests. Idempotent (see notifications.digests.do_send_batch)."""
    return digests.do_send_batch(
        user_ids=user_ids, frequency=frequency, end=datetime.fromisoformat(period_end)
    )
