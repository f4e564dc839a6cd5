"""The sweep run by a real Celery worker on Redis and PostgreSQL (the CI's second leg):
the proposal is applied once; a worker killed with SIGKILL in the middle of applying
leaves nothing applied, and the next sweep finishes the job exactly once."""

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from purposes import actions
from purposes.models import Charter, Proposal
from tests.factories import community_with_members
from tests.worker import real_worker

from .test_proposals import to_discussion

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _due_proposal():
    """A passed-to-be proposal whose voting period has just ended (deadlines moved back)."""
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    actions.do_sweep(now=proposal.discussion_ends_at)
    for m in members:
        actions.check_cast_vote(actor=m.user, proposal=proposal, choice="for",
                                now=proposal.discussion_ends_at)  # fmt: skip
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() - timedelta(seconds=1)
    )
    return community, proposal


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_sweep_applies_the_proposal_once(transactional_db, tmp_path):
    community, proposal = _due_proposal()
    with real_worker(tmp_path, extra_env={"DATABASE_URL": _database_url()}) as (client, queue):
        client.send_task("purposes.tasks.sweep_proposals", queue=queue)
        client.send_task("purposes.tasks.sweep_proposals", queue=queue)  # a duplicate beat
        assert _wait_for(
            lambda: Proposal.objects.get(pk=proposal.pk).result_notified_at is not None
        ), (tmp_path / "worker.log").read_text()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED and proposal.applied_at
    assert Charter.objects.filter(community=community).count() == 2


def test_worker_killed_mid_apply_leaves_nothing_then_next_sweep_applies_once(
    transactional_db, tmp_path
):
    community, proposal = _due_proposal()
    pid_file = Path(tmp_path) / "apply.pid"
    env = {"DATABASE_URL": _database_url(), "COMMONS_TEST_APPLY_PAUSE": str(pid_file)}
    with real_worker(tmp_path, extra_env=env) as (client, queue):
        client.send_task("purposes.tasks.sweep_proposals", queue=queue)
        assert _wait_for(pid_file.exists), (tmp_path / "worker.log").read_text()
        time.sleep(0.3)  # the pid is written just before the pause, inside the transaction
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
    # PostgreSQL rolls the killed worker's transaction back once it sees the socket close.
    assert _wait_for(
        lambda: Proposal.objects.get(pk=proposal.pk).state == Proposal.State.VOTING, 30
    )
    assert Charter.objects.filter(community=community).count() == 1
    actions.do_sweep()  # the next sweep (no pause here: the env var is the worker's only)
    actions.do_sweep()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED and proposal.applied_at
    assert Charter.objects.filter(community=community).count() == 2
