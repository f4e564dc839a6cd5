"""Demo communities, threads and posts for `manage.py seed_demo` (idempotent)."""


def seed(users: dict) -> None:
    """Communities are founded in purposes.demo (founding makes a charter); threads here."""
