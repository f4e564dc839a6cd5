"""Moderation by members (R7, issue 6), one module per concern: the log, flags, review,
suspensions, appeals and platform takedowns."""

# Not a re-export: this loads community.notifications before any module here. It imports
# community.tasks, whose beat jobs import appeals and suspensions, which import the log and
# each other by name; begun from inside one of them, that chain would meet it half-loaded.
from community import notifications  # noqa: F401
