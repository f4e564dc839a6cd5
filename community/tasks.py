from datetime import date, datetime, timedelta

from celery import shared_task
from django.utils import timezone

from . import digests, emails, relationships, snapshots
from .models import Delivery
from .moderation import appeals, suspensions


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
def send_daily_digests() -> int:
    """Daily: one digest email per recipient with pending digest notifications.
    Idempotent: digested rows are marked emailed; a second run sends nothing."""
    sent = 0
    for recipient_id in emails.recipients_with_pending(delivery=Delivery.DAILY):
        sent += emails.do_send_digest(recipient_id=recipient_id)
    return sent


# --- Engagement (issue 7) -----------------------------------------------------------------


@shared_task(acks_late=True)
def take_daily_snapshots(day: str | None = None) -> int:
    """Daily, just after midnight UTC: bring the relationship counts up to the end of
    ``day`` (ISO date; by default yesterday) and upsert every community's snapshot of it.

    Idempotent: the counts and their watermark move in one transaction, and each snapshot
    is an upsert on (community, day) computed from timestamps up to the end of that day,
    so a rerun, or a rerun after a worker died half-way, writes identical rows."""
    when = date.fromisoformat(day) if day else timezone.now().date() - timedelta(days=1)
    return snapshots.take_snapshots(day=when).communities


@shared_task(acks_late=True)
def recompute_relationships() -> int:
    """Weekly: recount every pair from the posts, for the window the counts describe now
    (the watermark), healing any drift of the incremental runs. Idempotent: the same
    window gives the same table; one transaction replaces it."""
    until = relationships.watermark_until()
    if until is None:
        return 0
    return relationships.recompute_all(until=until)


@shared_task(acks_late=True)
def enqueue_digests(frequency: str = "weekly") -> int:
    """Daily (``daily``) and on Mondays (``weekly``): find the members with something to
    read in the period that ended at midnight and enqueue them in batches. Idempotent:
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
    """Send one batch of digests. Idempotent (see community.digests.do_send_batch)."""
    return digests.do_send_batch(
        user_ids=user_ids, frequency=frequency, end=datetime.fromisoformat(period_end)
    )


# --- Moderation (issue 6) -----------------------------------------------------------------


@shared_task(acks_late=True)
def end_expired_moderation() -> list[int]:
    """Every few minutes: end moderator terms and suspensions that are due, logging each.
    Idempotent: conditional updates; only a row actually changed is logged."""
    return list(suspensions.do_end_expired())


@shared_task(acks_late=True)
def sweep_appeals() -> int:
    """Every few minutes: decide appeals whose 72 hours are up and replace jurors who did
    not answer in time. Idempotent: each appeal is handled under its row lock, only while
    it is open."""
    return appeals.do_sweep_appeals()
