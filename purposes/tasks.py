"""Celery tasks of the purposes app: thin wrappers over the actions they run (rule 9)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from purposes.offshoots import do_send_offshoot_digests
from purposes.sweep import do_sweep


# A database that cannot be reached is retried a bounded number of times (after 1, 2, 4 s);
# the beat sends a fresh sweep every minute anyway.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=True,
)
def sweep_proposals() -> dict[str, int]:
    """Every minute (beat): open voting, close, tally and apply, remind, notify results.

    Idempotent and safe to run twice at once: every step locks its proposal row and
    re-checks its state in one transaction (see purposes.sweep.do_sweep). A worker
    killed half-way rolls its transaction back, and the message goes back to the queue
    (acks_late, reject_on_worker_lost) for the next worker to do the step once; a dropped
    database connection is retried at once by do_sweep.
    """
    return do_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_offshoot_digests() -> int:
    """Daily (beat, just after midnight UTC): each community's members get one notification
    naming the communities grown out of it on a day that has ended.

    Idempotent: one (parent, day) row per digest, inserted in the notifications'
    transaction under a unique constraint, so running twice, at once or after a worker
    died half-way sends each digest once. Days missed while no worker ran are caught up
    (a week back)."""
    return do_send_offshoot_digests()
