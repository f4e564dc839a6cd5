"""The Celery app: configured from Django settings (the CELERY_ names), tasks autodiscovered."""

import os

from celery import Celery, signals

from config import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
broker.register()

app = Celery("commons")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _read_from_primary(task=None, **_):
    """Every task reads from the primary, even one run eagerly inside a GET request that
    reads from a replica (config.replicas)."""
    from config import replicas

    task.request._commons_primary = replicas.force_primary()


@signals.task_postrun.connect
def _done_reading_from_primary(task=None, **_):
    from config import replicas

    token = getattr(task.request, "_commons_primary", None)
    if token is not None:
        replicas.release(token)
