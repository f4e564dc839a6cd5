"""Demo proposals for `manage.py seed_demo` (idempotent). Runs after communities and threads."""


def seed(users: dict) -> None:
    pass
