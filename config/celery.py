"""The Celery app: configured from Django settings (the CELERY_ names), tasks autodiscovered."""

import os

from celery import Celery

from config import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
broker.register()

app = Celery("commons")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
