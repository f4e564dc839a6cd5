"""Demo moderation: an elected moderator, a hidden post in the queue, an appeal (idempotent)."""


def seed(users: dict) -> None:
    pass
