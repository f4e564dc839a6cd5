"""Demo history for the health pages (`manage.py seed_demo`, idempotent)."""


def seed(users: dict) -> None:
    pass
