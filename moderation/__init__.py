"""Moderation by members (R7), one module per concern: the log and what every action
shares (log), flags, review, suspensions, appeals (filing) and juries (deciding them),
platform takedowns; the pages in views/."""
