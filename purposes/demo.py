"""Demo communities (founded with their charters) and proposals for `manage.py seed_demo`."""


def seed(users: dict) -> None:
    pass
