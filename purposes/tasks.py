"""Celery tasks of the purposes app: thin wrappers over purposes.actions (rule 9)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import actions


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
    re-checks its state in one transaction (see purposes.actions.do_sweep). A worker
    killed half-way rolls its transaction back, and the message goes back to the queue
    (acks_late, reject_on_worker_lost) for the next worker to do the step once; a dropped
    database connection is retried at once by do_sweep.
    """
    return actions.do_sweep()
