from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from engagement import relationships, snapshots


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
