"""Moderation by members (R7, issue 6), one module per concern: the log, flags, review,
suspensions, appeals and platform takedowns."""
