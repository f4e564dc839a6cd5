"""Commons' Celery app with every job of the beat schedule sent each second, for the
soak test of `run_commons` (`--celery-app tests.every_second`)."""

from config.celery import app

__all__ = ["app"]

app.conf.beat_schedule = {
    name: {**entry, "schedule": 1.0} for name, entry in app.conf.beat_schedule.items()
}
