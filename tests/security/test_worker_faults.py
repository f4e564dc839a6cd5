"""Faults with a real worker (issue 9), on PostgreSQL and Redis.

- A task that always crashes is tried a bounded number of times (once: tasks are not
  retried automatically), logged with its error, and its message is gone from the queue,
  never redelivered in an endless loop; the worker goes on serving the next task.
- The worker SIGKILLed at each of the five steps of a close (locked, tallied, decided,
  applied, committed), COMMONS_FAULT_RUNS times each (20 by default): the proposal is
  closed, applied and announced exactly once, by the redelivered sweep.
- The database connection terminated by the server at each of those steps: the
  transaction is rolled back, never half-applied, and the sweep retries it at once.
- A ranked-choice vote (issue 18): the worker SIGKILLed after the count, and the
  connection dropped at each step of its close; the winning wording is applied once.
- Two beats running by mistake, sweeping every half second into a two-process worker:
  every proposal is still closed and applied once.
- The broker (a Redis server of the test's own) stopped across a proposal's close time:
  nothing closes while it is down; once it is back, the sweep closes the proposal once.

The faults are planned through tests/fault_worker.py (the worker's Celery app in these
tests), which listens to purposes.signals.close_step.
"""

import os
import subprocess
import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from notifications.models import Notification
from purposes.closing import do_close_proposal
from purposes.models import Charter, Proposal
from purposes.selectors import ballot_options
from purposes.signals import close_step
from purposes.sweep import do_sweep
from purposes.voting import check_cast_ballot
from tests.purposes.test_method_voting import in_voting_by
from tests.purposes.test_sweep_worker import due_proposal
from tests.worker import database_url, real_beat, real_worker, wait_for

STEPS = ["locked", "tallied", "decided", "applied", "committed"]
RUNS = int(os.environ.get("COMMONS_FAULT_RUNS", "20"))
PREFORK = ("-P", "prefork", "-c", "1")  # the parent survives its child's SIGKILL

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def test_a_task_that_always_crashes_runs_once_is_logged_and_leaves_the_queue(
    transactional_db, tmp_path, figure
):
    log = tmp_path / "worker.log"
    with real_worker(tmp_path, extra_env={"DATABASE_URL": database_url()}) as (client, queue):
        # A malformed date: send_digest_batch raises ValueError however often it runs.
        crash = client.send_task(
            "notifications.tasks.send_digest_batch", args=[[], "weekly", "not-a-date"], queue=queue
        )
        assert wait_for(lambda: f"[{crash.id}] raised unexpected" in log.read_text()), (
            log.read_text()
        )
        after = client.send_task("config.tasks.ping", args=["still here"], queue=queue)
        assert wait_for(lambda: f"[{after.id}] succeeded" in log.read_text()), log.read_text()
        time.sleep(3)  # time for a redelivery, if there were one
        text = log.read_text()
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        waiting = broker.llen(queue)
    assert text.count(f"Task notifications.tasks.send_digest_batch[{crash.id}] received") == 1, text
    assert "ValueError" in text
    assert waiting == 0
    figure(f"crashing task: 1 attempt, logged, queue empty ({queue})")


def _assert_closed_applied_and_announced_once(community, proposal) -> None:
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED and proposal.applied_at
    assert Charter.objects.filter(community=community).count() == 2  # v1 and one new
    members = list(community.memberships.values_list("user_id", flat=True))
    announced = Notification.objects.filter(
        text__contains=proposal.result_reason, community=community
    )
    assert sorted(announced.values_list("recipient_id", flat=True)) == sorted(members)


def _announced(proposal) -> bool:
    return Proposal.objects.get(pk=proposal.pk).result_notified_at is not None


@pytest.mark.parametrize("step", STEPS)
def test_worker_killed_at_each_step_of_a_close_applies_it_exactly_once(
    step, transactional_db, tmp_path, figure
):
    plan = tmp_path / "fault.plan"
    env = {"DATABASE_URL": database_url(), "COMMONS_FAULT_PLAN": str(plan)}
    log = tmp_path / "worker.log"
    started = time.monotonic()
    with real_worker(tmp_path, env, app="tests.fault_worker", pool=PREFORK) as (client, queue):
        for run in range(RUNS):
            community, proposal = due_proposal()
            plan.write_text(f"{step} kill")
            client.send_task("purposes.tasks.sweep_proposals", queue=queue)
            assert wait_for(lambda p=proposal: _announced(p), every=0.05), (
                f"run {run}: not announced\n{log.read_text()}"
            )
            assert not plan.exists(), f"run {run}: the close never reached {step!r}"
            _assert_closed_applied_and_announced_once(community, proposal)
        time.sleep(0.5)  # let a late duplicate, if any, show itself
        text = log.read_text()
    kills = text.count("exited with 'signal 9 (SIGKILL)'")
    assert kills == RUNS, text
    assert Charter.objects.count() == 2 * RUNS
    figure(f"SIGKILL at {step!r}: {RUNS} runs, {kills} kills, each applied once "
           f"({time.monotonic() - started:.1f} s)")  # fmt: skip


def _due_ranked_proposal():
    """A ranked-choice vote whose alternative wording every member ranked first, due."""
    community, users, proposal = in_voting_by("ranked", alternatives=["To share a garden."])
    proposed, alternative, keep = ballot_options(proposal)
    for user in users:
        check_cast_ballot(actor=user, proposal=proposal, ballot=[alternative, proposed, keep])
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() - timedelta(seconds=1)
    )
    return community, proposal


def test_worker_killed_while_counting_a_ranked_vote_applies_the_winner_once(
    transactional_db, tmp_path, figure
):
    """SIGKILL at the step after the count (``tallied``), a few times: the redelivered
    sweep counts the ranked ballots again and applies the winning wording exactly once."""
    plan = tmp_path / "fault.plan"
    env = {"DATABASE_URL": database_url(), "COMMONS_FAULT_PLAN": str(plan)}
    log = tmp_path / "worker.log"
    runs = max(1, RUNS // 5)
    with real_worker(tmp_path, env, app="tests.fault_worker", pool=PREFORK) as (client, queue):
        for run in range(runs):
            community, proposal = _due_ranked_proposal()
            plan.write_text("tallied kill")
            client.send_task("purposes.tasks.sweep_proposals", queue=queue)
            assert wait_for(lambda p=proposal: _announced(p), every=0.05), (
                f"run {run}: not announced\n{log.read_text()}"
            )
            assert not plan.exists(), f"run {run}: the count was never reached"
            _assert_closed_applied_and_announced_once(community, proposal)
            community.refresh_from_db()
            assert community.charter.purpose == "To share a garden."
        text = log.read_text()
    assert text.count("exited with 'signal 9 (SIGKILL)'") == runs, text
    figure(f"ranked count, SIGKILL after the tally: {runs} runs, each applied once")


@pytest.mark.parametrize(
    ("due", "purpose"),
    [(due_proposal, None), (_due_ranked_proposal, "To share a garden.")],
    ids=["majority", "ranked"],
)
def test_connection_dropped_at_each_step_of_a_close_is_rolled_back_and_applied_once(
    due, purpose, transactional_db, tmp_path, figure
):
    """The server ends the worker's connection at each step of a close: the step rolls
    back, the sweep retries, and the proposal is applied and announced once (for a ranked
    vote, the winning wording)."""
    plan = tmp_path / "fault.plan"
    env = {"DATABASE_URL": database_url(), "COMMONS_FAULT_PLAN": str(plan)}
    log = tmp_path / "worker.log"
    with real_worker(tmp_path, env, app="tests.fault_worker") as (client, queue):
        for step in STEPS:
            community, proposal = due()
            plan.write_text(f"{step} drop-connection")
            client.send_task("purposes.tasks.sweep_proposals", queue=queue)
            assert wait_for(lambda p=proposal: _announced(p), every=0.05), log.read_text()
            assert not plan.exists(), f"the close never reached {step!r}"
            _assert_closed_applied_and_announced_once(community, proposal)
            if purpose is not None:
                community.refresh_from_db()
                assert community.charter.purpose == purpose
        text = log.read_text()
    dropped = text.count("terminating connection due to administrator command")
    assert dropped >= len(STEPS), text
    figure(f"{proposal.method} close, connection dropped at {len(STEPS)} steps: each rolled "
           "back, retried, applied once")  # fmt: skip


def test_a_dropped_connection_leaves_nothing_half_applied(transactional_db):
    """In process, to look between the drop and the retry: after the server ends the
    connection inside the close's transaction, the close raises, nothing of it is in the
    database, and the next attempt applies it once."""
    community, proposal = due_proposal()

    def drop(sender, step, **kwargs):
        if step == "applied":  # the new charter is written, not committed
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    close_step.connect(drop, dispatch_uid="test-drop")
    try:
        with pytest.raises(OperationalError):
            do_close_proposal(proposal_id=proposal.pk)
    finally:
        close_step.disconnect(dispatch_uid="test-drop")
    connection.close()
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.VOTING and proposal.applied_at is None
    assert Charter.objects.filter(community=community).count() == 1
    assert do_sweep()["closed"] == 1
    _assert_closed_applied_and_announced_once(community, proposal)


def test_two_beats_by_mistake_still_close_each_proposal_once(transactional_db, tmp_path, figure):
    due = [due_proposal() for _ in range(10)]
    env = {"DATABASE_URL": database_url()}
    workers = ("-P", "prefork", "-c", "2")  # two sweeps really at once
    with real_worker(tmp_path, env, app="tests.fault_worker", pool=workers) as (client, queue):
        beat_env = {**env, "COMMONS_TEST_SWEEP_EVERY": "0.5", "COMMONS_TEST_QUEUE": queue}
        with (
            real_beat(tmp_path, "beat-1", beat_env) as beat_1,
            real_beat(tmp_path, "beat-2", beat_env) as beat_2,
        ):
            assert wait_for(lambda: all(_announced(p) for _, p in due)), (
                tmp_path / "worker.log"
            ).read_text()
            time.sleep(3)  # both beats go on sweeping
            sent = [
                log.read_text().count("Sending due task sweep-proposals")
                for log in (beat_1, beat_2)
            ]
    assert min(sent) >= 3, sent
    for community, proposal in due:
        _assert_closed_applied_and_announced_once(community, proposal)
    figure(f"two beats: {sum(sent)} sweeps sent ({sent}), 10 proposals each applied once")


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of this test's own (port 6392), to stop and start again."""
    port = 6392
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(tmp_path)]  # fmt: skip

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=port)
        assert wait_for(lambda: _answers(client), 10), "private redis-server did not start"
        return process

    def stop(process):
        process.terminate()
        process.wait(timeout=10)

    servers = {"process": start()}
    yield f"redis://127.0.0.1:{port}/0", servers, start, stop
    stop(servers["process"])


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def test_broker_stopped_across_a_close_then_the_sweep_closes_it_once(
    transactional_db, tmp_path, private_redis, figure
):
    broker, servers, start, stop = private_redis
    community, proposal = due_proposal()
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() + timedelta(seconds=4)
    )
    env = {"DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker,
           "CELERY_RESULT_BACKEND": broker}  # fmt: skip
    with real_worker(tmp_path, env, app="tests.fault_worker") as (_client, queue):
        beat_env = {**env, "COMMONS_TEST_SWEEP_EVERY": "0.5", "COMMONS_TEST_QUEUE": queue}
        with real_beat(tmp_path, "beat", beat_env):
            stop(servers["process"])
            time.sleep(7)  # the close time passes with the broker down
            assert Proposal.objects.get(pk=proposal.pk).state == Proposal.State.VOTING
            servers["process"] = start()
            outage_ended = time.monotonic()
            assert wait_for(lambda: _announced(proposal), 90), (tmp_path / "worker.log").read_text()
            caught_up = time.monotonic() - outage_ended
        text = (tmp_path / "worker.log").read_text()
    assert "Connection to broker lost" in text or "Cannot connect to" in text, text
    _assert_closed_applied_and_announced_once(community, proposal)
    figure(f"broker down across the close: caught up {caught_up:.1f} s after it returned")
