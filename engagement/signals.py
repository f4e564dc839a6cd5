"""Signals of the community app."""

from django.dispatch import Signal

# Sent when the daily snapshot job has written everything and not yet committed. Commons
# itself does not listen: it is the seam where the fault tests kill a real worker at that
# point (tests/fault_worker.py), with no test code in the job itself.
snapshot_step = Signal()
