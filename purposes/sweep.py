"""The sweep: one pass over the database, run every minute by Celery beat, that moves
proposals through their deadlines (open voting, close, remind, tell the result).

Deadlines are found from database state, not from scheduled jobs; each step locks its
proposal and re-checks its state, so two sweeps at once, a re-delivered message or a
worker killed half-way never apply anything twice or half.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from purposes.closing import do_close_proposal, do_notify_result
from purposes.models import Proposal
from purposes.voting import REMINDER_BEFORE_CLOSE, do_open_voting, do_send_reminder

logger = logging.getLogger(__name__)
State = Proposal.State


def do_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """One pass over the database: open voting, close and apply, remind, notify results.
    Each proposal is handled in its own transaction under its own lock; one that fails is
    logged and retried by the next sweep, without holding up the others."""
    now = now or timezone.now()
    done = {"opened": 0, "closed": 0, "reminded": 0, "notified": 0}
    reminders = Proposal.objects.filter(
        state=State.VOTING,
        reminder_sent_at__isnull=True,
        voting_ends_at__lte=now + REMINDER_BEFORE_CLOSE,
        voting_ends_at__gt=now,
    )
    results = Proposal.objects.filter(
        state__in=Proposal.CLOSED_STATES, result_notified_at__isnull=True
    )
    steps = [
        ("opened", Proposal.objects.due_to_open_voting(now), do_open_voting),
        ("closed", Proposal.objects.due_to_close(now), do_close_proposal),
        ("reminded", reminders, do_send_reminder),
        ("notified", results, do_notify_result),
    ]
    for name, due, step in steps:
        for pk in list(due.values_list("pk", flat=True)):
            done[name] += _run_step(step, name=name, proposal_id=pk, now=now)
    return done


def _run_step(step, *, name: str, proposal_id: int, now: datetime) -> bool:
    """Run one sweep step on one proposal. When the database connection drops mid-step the
    server has rolled the transaction back (nothing half-done): reconnect and try once more
    at once. Any other failure is logged and left for the next sweep."""
    for attempt in (1, 2):
        try:
            return bool(step(proposal_id=proposal_id, now=now))
        except (OperationalError, InterfaceError):
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning(
                "Proposal %s: the database connection dropped during %s; rolled back, retrying",
                proposal_id, name, exc_info=True,
            )  # fmt: skip
            connection.close()
        except Exception:
            logger.exception("Proposal %s: %s failed; the next sweep retries", proposal_id, name)
            return False
