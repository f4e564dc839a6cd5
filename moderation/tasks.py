from celery import shared_task

from moderation import juries, suspensions


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
    return juries.do_sweep_appeals()
