"""The decision methods under concurrency, on PostgreSQL: many ballots at once keep one
live ballot per member, two sweeps at once close a ranked-choice vote once, and an
objection withdrawn while the close runs is counted or refused, never half of each."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Count

from notifications.models import Notification
from purposes.guards import ProposalError
from purposes.methods import consent, ranked
from purposes.methods.result import Electorate
from purposes.models import Proposal, Vote
from purposes.selectors import ballot_options
from purposes.sweep import do_sweep
from purposes.voting import check_cast_ballot, check_cast_consent, check_withdraw_objection

from .test_method_voting import in_voting_by

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ALTERNATIVES = ["To grow vegetables together.", "To share a garden."]


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _recount_ranked(proposal):
    live = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    return ranked.count(
        [vote.ballot for vote in live],
        options=ballot_options(proposal),
        electorate=Electorate(
            size=proposal.electorate_size, active=proposal.active_electorate_size
        ),
        quorum_percent=proposal.quorum_percent,
        seed=proposal.tie_seed,
    )


def test_fifty_ranked_ballots_at_once_leave_one_live_ballot_per_member():
    _community, users, proposal = in_voting_by("ranked", count=10, alternatives=ALTERNATIVES)
    options = list(ballot_options(proposal))
    barrier = threading.Barrier(50)

    @_in_thread
    def cast(i):
        barrier.wait()
        ranking = options[i % len(options) :] + options[: i % len(options)]
        check_cast_ballot(actor=users[i % 10], proposal=proposal, ballot=ranking)

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(cast, range(50)))
    live = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    assert live.count() == 10
    assert {row["n"] for row in live.values("user").annotate(n=Count("id"))} == {1}
    assert Vote.objects.filter(proposal=proposal).count() == 50  # every change kept


def test_two_sweeps_at_once_close_a_ranked_vote_once_with_the_count_of_its_ballots():
    _community, users, proposal = in_voting_by("ranked", count=6, alternatives=ALTERNATIVES)
    options = list(ballot_options(proposal))
    for i, user in enumerate(users):
        check_cast_ballot(actor=user, proposal=proposal, ballot=[options[i % 2], options[2]])
    barrier = threading.Barrier(2)

    @_in_thread
    def sweep(_):
        barrier.wait()
        return do_sweep(now=proposal.voting_ends_at)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(sweep, range(2)))
    assert sorted(r["closed"] for r in results) == [0, 1]
    proposal.refresh_from_db()
    assert proposal.closed_at is not None
    recount = _recount_ranked(proposal)
    assert proposal.result["winner"] == recount.winner
    assert len(proposal.result["rounds"]) == len(recount.rounds)
    do_sweep(now=proposal.voting_ends_at)  # the result notices, once
    do_sweep(now=proposal.voting_ends_at)
    notices = Notification.objects.filter(
        url__contains=f"/proposals/{proposal.pk}/", text__contains=proposal.result_reason[:40]
    )
    per_member = notices.values("recipient").annotate(n=Count("id"))
    assert len(per_member) == len(users)
    assert {row["n"] for row in per_member} == {1}


def test_an_objection_withdrawn_while_the_close_runs_is_counted_or_refused():
    _community, users, proposal = in_voting_by("consent", count=5)
    for user in users[1:4]:
        check_cast_consent(actor=user, proposal=proposal, position="consent")
    check_cast_consent(
        actor=users[0], proposal=proposal, position="object", reason="The shed is too small."
    )
    barrier = threading.Barrier(2)
    outcome = {}

    @_in_thread
    def withdraw(_):
        barrier.wait()
        try:
            check_withdraw_objection(actor=users[0], proposal=proposal)
            outcome["withdrawn"] = True
        except ProposalError:
            outcome["withdrawn"] = False

    @_in_thread
    def close(_):
        barrier.wait()
        do_sweep(now=proposal.voting_ends_at)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda f: f(None), [withdraw, close]))
    proposal.refresh_from_db()
    assert proposal.closed_at is not None
    objection = Vote.objects.get(proposal=proposal, user=users[0], superseded_at__isnull=True)
    # Whatever the order, the stored result is the count of what stood at the close.
    live = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    withdrawn_before_close = (
        objection.withdrawn_at is not None and objection.withdrawn_at <= proposal.closed_at
    )
    assert outcome["withdrawn"] == withdrawn_before_close
    recount = consent.count(
        [
            consent.ConsentBallot(
                position=v.choice,
                reason=v.reason,
                withdrawn=v.withdrawn_at is not None and v.withdrawn_at <= proposal.closed_at,
            )
            for v in live
        ],
        electorate=Electorate(
            size=proposal.electorate_size, active=proposal.active_electorate_size
        ),
        quorum_percent=proposal.quorum_percent,
    )
    assert proposal.result["outcome"] == str(recount.outcome)
    assert proposal.state == (
        Proposal.State.PASSED if withdrawn_before_close else Proposal.State.FAILED
    )
