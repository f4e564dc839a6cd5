"""Signals of the purposes app."""

from django.dispatch import Signal

# Sent at each step of closing a proposal: "locked", "tallied", "decided" and "applied"
# inside the close's transaction, "committed" after it. Commons itself does not listen: it
# is the seam where the fault tests stop or break a real worker at a known point
# (tests/fault_worker.py), with no test code in the close itself.
close_step = Signal()
