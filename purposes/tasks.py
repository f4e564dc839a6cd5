"""Celery tasks of the purposes app: thin wrappers over purposes.actions (rule 9)."""

from celery import shared_task

from . import actions


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_proposals() -> dict[str, int]:
    """Every minute (beat): open voting, close, tally and apply, remind, notify results.

    Idempotent and safe to run twice at once: every step locks its proposal row and
    re-checks its state in one transaction (see purposes.actions.do_sweep). A worker
    killed half-way rolls its transaction back; the next sweep does the step once.
    """
    return actions.do_sweep()
