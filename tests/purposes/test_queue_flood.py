"""A vote's close is never behind the mail (README, "Past one machine", queues).

100,000 mail tasks wait in the ``mail`` queue (one real message as Celery sends it,
copied into Redis in bulk: enqueueing them one by one would take minutes and prove
nothing more); the beat's sweep goes, by the routing of config/settings.py, to the
``governance`` queue, whose worker (as docker-compose.yml runs it, ``-Q governance``)
closes the vote at once. Its delay is measured from the send to the closed row."""

import time

import pytest
import redis
from django.conf import settings

from config.celery import app
from notifications import emails
from purposes.models import Proposal
from tests.worker import database_url, real_worker, wait_for

from .test_sweep_worker import due_proposal

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

FLOOD = 100_000
SWEEP_INTERVAL = settings.CELERY_BEAT_SCHEDULE["sweep-proposals"]["schedule"]


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("mail", "governance")
    yield client
    client.delete("mail", "governance")


def test_a_vote_closes_at_once_while_100000_mails_wait(transactional_db, tmp_path, broker, figure):
    _community, proposal = due_proposal()
    app.conf.task_always_eager = False  # messages to Redis, as in production (reset after)

    started = time.perf_counter()
    app.send_task("notifications.tasks.send_notification_emails", args=[0])  # routed: mail
    (message,) = broker.lrange("mail", 0, 0)
    pipe = broker.pipeline(transaction=False)
    for _ in range(FLOOD - 1):
        pipe.lpush("mail", message)
    pipe.execute()
    flooded = time.perf_counter() - started
    assert broker.llen("mail") == FLOOD

    # What one mail task costs even with nothing to send (a real email costs far more).
    timed = time.perf_counter()
    for _ in range(200):
        emails.do_send_immediate_emails(recipient_id=0)
    per_mail = (time.perf_counter() - timed) / 200

    env = {"DATABASE_URL": database_url()}
    with real_worker(tmp_path, extra_env=env, queue="governance") as _worker:
        sent = time.perf_counter()
        app.send_task("purposes.tasks.sweep_proposals")  # as beat sends it: routed, no queue
        assert wait_for(
            lambda: Proposal.objects.get(pk=proposal.pk).state != Proposal.State.VOTING,
            timeout=SWEEP_INTERVAL,
        ), (tmp_path / "worker.log").read_text()
        delay = time.perf_counter() - sent
    assert delay < SWEEP_INTERVAL
    # Every mail still waits, and the close's own announcement joined them at the back.
    assert broker.llen("mail") > FLOOD
    behind = FLOOD * per_mail
    figure(
        f"queue flood: {FLOOD:,} mails enqueued in {flooded:.1f} s; the vote closed "
        f"{delay:.2f} s after the sweep was sent; in one shared queue it would have waited "
        f"behind them ≥ {FLOOD:,} × {per_mail * 1000:.2f} ms = {behind:.0f} s (empty mails, "
        f"one worker process)"
    )
