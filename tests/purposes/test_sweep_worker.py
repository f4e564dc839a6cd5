"""The sweep run by a real Celery worker on Redis and PostgreSQL (the CI's second leg):
the proposal is applied once, duplicated messages notwithstanding. Workers killed or cut
off from the database at each step of the close: tests/security/test_worker_faults.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from purposes.models import Charter, Proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import community_with_members
from tests.worker import database_url, real_worker, wait_for

from .test_proposals import to_discussion

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def due_proposal():
    """A passed-to-be proposal whose voting period has just ended (deadlines moved back)."""
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for",
                                now=proposal.discussion_ends_at)  # fmt: skip
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() - timedelta(seconds=1)
    )
    return community, proposal


def test_worker_sweep_applies_the_proposal_once(transactional_db, tmp_path):
    community, proposal = due_proposal()
    with real_worker(tmp_path, extra_env={"DATABASE_URL": database_url()}) as (client, queue):
        client.send_task("purposes.tasks.sweep_proposals", queue=queue)
        client.send_task("purposes.tasks.sweep_proposals", queue=queue)  # a duplicate beat
        assert wait_for(
            lambda: Proposal.objects.get(pk=proposal.pk).result_notified_at is not None
        ), (tmp_path / "worker.log").read_text()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED and proposal.applied_at
    assert Charter.objects.filter(community=community).count() == 2
