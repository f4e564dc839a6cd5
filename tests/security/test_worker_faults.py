"""Faults with a real worker (issue 9): a task that always crashes is tried a bounded
number of times (once: tasks are not retried automatically), logged with its error, and
its message is gone from the queue, never redelivered in an endless loop; the worker goes
on serving the next task."""

import time

import pytest
import redis
from django.conf import settings

from tests.worker import real_worker

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_task_that_always_crashes_runs_once_is_logged_and_leaves_the_queue(
    transactional_db, tmp_path
):
    log = tmp_path / "worker.log"
    with real_worker(tmp_path, extra_env={"DATABASE_URL": _database_url()}) as (client, queue):
        # A malformed date: send_digest_batch raises ValueError however often it runs.
        crash = client.send_task(
            "community.tasks.send_digest_batch", args=[[], "weekly", "not-a-date"], queue=queue
        )
        assert _wait_for(lambda: f"[{crash.id}] raised unexpected" in log.read_text()), (
            log.read_text()
        )
        after = client.send_task("community.tasks.ping", args=["still here"], queue=queue)
        assert _wait_for(lambda: f"[{after.id}] succeeded" in log.read_text()), log.read_text()
        time.sleep(3)  # time for a redelivery, if there were one
        text = log.read_text()
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        waiting = broker.llen(queue)
    assert text.count(f"Task community.tasks.send_digest_batch[{crash.id}] received") == 1, text
    assert "ValueError" in text
    assert waiting == 0
    print(f"\ncrashing task: 1 attempt, logged, queue empty ({queue})")
