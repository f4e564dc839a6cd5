"""Concurrency on PostgreSQL: many voters at once, two sweeps at once."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Count

from notifications.models import Notification
from purposes.models import Charter, Proposal, Vote
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import community_with_members

from .test_proposals import to_discussion

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _voting_proposal(count):
    community, members = community_with_members(count)
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    return community, members, proposal


def test_fifty_threads_voting_at_once_leave_one_live_vote_per_member():
    community, members, proposal = _voting_proposal(10)
    barrier = threading.Barrier(50)

    @_in_thread
    def vote(i):
        member = members[i % len(members)]
        barrier.wait()
        check_cast_vote(
            actor=member.user,
            proposal=proposal,
            choice=random.choice(["for", "against", "abstain"]),
            now=proposal.voting_started_at,
        )

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(vote, range(50)))
    assert Vote.objects.filter(proposal=proposal).count() == 50  # none lost
    live = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    per_member = live.values("user").annotate(n=Count("id"))
    assert live.count() == 10
    assert {row["n"] for row in per_member} == {1}


def test_two_sweeps_at_once_close_and_apply_once():
    community, members, proposal = _voting_proposal(3)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    barrier = threading.Barrier(2)

    @_in_thread
    def sweep(_):
        barrier.wait()
        return do_sweep(now=proposal.voting_ends_at)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(sweep, range(2)))
    assert sorted(r["closed"] for r in results) == [0, 1]
    assert sum(r["notified"] for r in results) == 1
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED
    assert Charter.objects.filter(community=community).count() == 2
    told = Notification.objects.filter(text__contains="Passed")
    assert told.count() == 3
