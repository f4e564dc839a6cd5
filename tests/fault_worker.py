"""The Celery app for the fault tests' worker and beat processes
(`celery -A tests.fault_worker worker|beat`): Commons' own app, plus

- a receiver of ``purposes.signals.close_step`` and ``engagement.signals.snapshot_step``
  that carries out a fault planned by the test, once: the plan is a file named by
  COMMONS_FAULT_PLAN holding "<step> <fault>"; the first job to reach that step claims
  the file (an atomic rename, so a redelivered task runs clean) and then either SIGKILLs
  its own process ("kill") or has PostgreSQL terminate its connection in the middle of
  the transaction ("drop-connection");
- with COMMONS_TEST_SWEEP_EVERY set, a beat schedule that sends the sweep that often to
  the test's own queue (COMMONS_TEST_QUEUE).
"""

import os
import signal
from pathlib import Path

import psycopg
from celery.concurrency import asynpool
from django.db import connection

from config.celery import app
from engagement.signals import snapshot_step
from purposes.signals import close_step

__all__ = ["app"]

# The prefork pool notices a SIGKILLed child on its maintenance timer, every 5 s; every
# 0.2 s here lets 100 kills fit in CI's time. What happens once it notices (the message
# back to the queue, a new child) is Celery's own, unchanged.
asynpool.AsynPool.timers = property(lambda self: {self.maintain_pool: 0.2})


def carry_out_planned_fault(sender, step: str, **kwargs) -> None:
    plan = Path(os.environ["COMMONS_FAULT_PLAN"])
    try:
        planned_step, fault = plan.read_text().split()
        if planned_step != step:
            return
        plan.rename(plan.with_suffix(".taken"))
    except (FileNotFoundError, ValueError):
        return
    if fault == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault == "drop-connection":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (backend,) = cursor.fetchone()
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [backend])


if os.environ.get("COMMONS_FAULT_PLAN"):
    close_step.connect(carry_out_planned_fault, dispatch_uid="fault-plan")
    snapshot_step.connect(carry_out_planned_fault, dispatch_uid="fault-plan")

if os.environ.get("COMMONS_TEST_SWEEP_EVERY"):
    app.conf.beat_schedule = {
        "sweep-proposals": {
            "task": "purposes.tasks.sweep_proposals",
            "schedule": float(os.environ["COMMONS_TEST_SWEEP_EVERY"]),
            "options": {"queue": os.environ["COMMONS_TEST_QUEUE"]},
        }
    }
