"""Concurrency on PostgreSQL (issue 9), beyond tests/purposes/test_votes_concurrent.py
(50 votes by 10 members, two sweeps) and the flag, admission and founding races of
issues 3 and 6: 1,000 members voting at once, votes arriving while the close runs, and
two passed proposals changing the charter at the same moment.

Threads are released together by a barrier; each has its own database connection and
closes it at the end. Figures are printed for the README's Reliability section.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from members.models import Membership, User
from notifications.models import Delivery, Notification, NotificationPreference
from purposes.charter_diff import CharterText
from purposes.closing import do_close_proposal
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.guards import ProposalError
from purposes.models import Charter, Proposal, Vote
from purposes.seconds import check_second_proposal
from purposes.voting import check_cast_vote, do_cast_vote, do_open_voting
from tests.factories import CommunityFactory, MembershipFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHOICES = ("for", "against", "abstain")
THREADS = 40  # well under PostgreSQL's default 100 connections


def _in_thread(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _community_of(count: int, **fields):
    """An active community with ``count`` members, inserted in bulk (three queries)."""
    community = CommunityFactory(**fields)
    stamp = f"{time.monotonic_ns()}"
    users = User.objects.bulk_create(
        User(username=f"m{stamp}-{i}", email=f"m{stamp}-{i}@example.org", password="!")
        for i in range(count)
    )
    now = timezone.now()
    Membership.objects.bulk_create(
        Membership(user=u, community=community, affirmed_charter=community.charter, affirmed_at=now)
        for u in users
    )
    # The votes' notices stay on the site: a thousand "voting has opened" emails would
    # take most of the test's time and are tested in tests/notifications.
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=u, kind=Notification.Kind.PROPOSAL, delivery=Delivery.NEVER)
        for u in users
    )
    return community, users


def _in_voting(community, users, **kwargs):
    text = community.charter.text()
    fields = {
        "kind": Proposal.Kind.AMEND_PURPOSE,
        "title": "Grow food",
        "rationale": "We mostly garden now.",
        "proposed": CharterText(purpose="To grow food.", goals=text.goals, rules=text.rules),
    } | kwargs
    proposal = check_create_proposal(actor=users[0], community=community, **fields)
    check_submit_proposal(actor=users[0], proposal=proposal)
    for user in users[1:3]:
        check_second_proposal(actor=user, proposal=proposal)
    proposal.refresh_from_db()
    do_open_voting(proposal_id=proposal.pk, now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.VOTING
    return proposal


def test_a_thousand_members_voting_at_once_are_all_counted(figure):
    community, users = _community_of(1000)
    proposal = _in_voting(community, users)
    assert proposal.electorate_size == 1000
    barrier = threading.Barrier(THREADS)

    @_in_thread
    def vote(worker):
        barrier.wait()
        for index in range(worker, len(users), THREADS):
            check_cast_vote(
                actor=users[index],
                proposal=proposal,
                choice=CHOICES[index % 3],
                now=proposal.voting_started_at,
            )

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(vote, range(THREADS)))
    voting_seconds = time.monotonic() - started
    assert Vote.objects.filter(proposal=proposal).count() == 1000
    assert Vote.objects.filter(proposal=proposal, superseded_at__isnull=True).count() == 1000
    assert do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    expected = [sum(1 for i in range(1000) if i % 3 == c) for c in range(3)]
    assert [proposal.for_count, proposal.against_count, proposal.abstain_count] == expected
    assert sum(expected) == 1000
    assert proposal.state == Proposal.State.FAILED  # 334 for, 333 against: short of 2/3
    figure(f"1000 members voting at once ({THREADS} connections): {voting_seconds:.1f} s")


def test_votes_arriving_while_the_close_runs_are_counted_or_refused(figure):
    community, users = _community_of(400)
    proposal = _in_voting(community, users)
    barrier = threading.Barrier(THREADS + 1)
    accepted, refused = [], []

    @_in_thread
    def vote(worker):
        barrier.wait()
        for index in range(worker, len(users), THREADS):
            try:
                check_cast_vote(
                    actor=users[index],
                    proposal=proposal,
                    choice=CHOICES[index % 3],
                    now=proposal.voting_started_at,
                )
            except ProposalError:
                refused.append(index)
            else:
                accepted.append(index)

    @_in_thread
    def close():
        barrier.wait()
        time.sleep(0.15)  # let some votes in first
        return do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)

    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        closing = pool.submit(close)
        list(pool.map(vote, range(THREADS)))
        assert closing.result() is True
    proposal.refresh_from_db()
    counted = proposal.for_count + proposal.against_count + proposal.abstain_count
    assert accepted and refused, "the close did not land among the votes: no race tested"
    assert len(accepted) + len(refused) == 400
    # Every vote accepted is counted; nothing refused left a row.
    assert counted == len(accepted) == Vote.objects.filter(proposal=proposal).count()
    expected_for = sum(1 for i in accepted if i % 3 == 0)
    assert proposal.for_count == expected_for
    figure(f"close during voting: {len(accepted)} counted, {len(refused)} refused, 0 lost")


def _two_passed(community, users, second_fields):
    first = _in_voting(community, users)
    second = _in_voting(community, users[3:] + users[:3], **second_fields)
    for proposal in (first, second):
        for user in users:
            do_cast_vote(
                user=user,
                proposal=proposal,
                choice="for",
                reason="",
                now=proposal.voting_started_at,
            )
    return first, second


def _close_both_at_once(first, second):
    barrier = threading.Barrier(2)

    @_in_thread
    def close(proposal):
        barrier.wait()
        return do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(close, (first, second))) == [True, True]
    first.refresh_from_db()
    second.refresh_from_db()


def test_two_passed_proposals_changing_the_same_field_lose_no_update():
    community, users = _community_of(6)
    text = community.charter.text()
    first, second = _two_passed(
        community,
        users,
        {
            "title": "Grow flowers",
            "proposed": CharterText(purpose="To grow flowers.", goals=text.goals, rules=text.rules),
        },
    )
    _close_both_at_once(first, second)
    states = sorted([first.state, second.state])
    # One applies; the other is stopped as a conflict, never silently overwritten.
    assert states == sorted([Proposal.State.PASSED, Proposal.State.CONFLICT])
    applied = first if first.state == Proposal.State.PASSED else second
    community.refresh_from_db()
    versions = list(Charter.objects.filter(community=community).values_list("version", flat=True))
    assert sorted(versions) == [1, 2]
    assert community.charter.proposal_id == applied.pk
    assert community.charter.purpose == applied.purpose


def test_two_passed_proposals_changing_different_fields_both_apply():
    community, users = _community_of(6)
    text = community.charter.text()
    first, second = _two_passed(
        community,
        users,
        {
            "kind": Proposal.Kind.CHANGE_RULES,
            "title": "Longer votes",
            "proposed": CharterText(
                purpose=text.purpose, goals=text.goals, rules=text.rules | {"voting_days": 9}
            ),
        },
    )
    _close_both_at_once(first, second)
    assert {first.state, second.state} == {Proposal.State.PASSED}
    community.refresh_from_db()
    charter = community.charter
    assert charter.version == 3
    # Both changes are in force: neither write was lost to the other.
    assert charter.purpose == "To grow food." and charter.voting_days == 9


def test_one_member_voting_from_fifty_tabs_keeps_one_live_vote():
    community, users = _community_of(5)
    proposal = _in_voting(community, users)
    member = MembershipFactory(community=community)  # joined after voting opened: refused
    barrier = threading.Barrier(50)
    outcomes = []

    @_in_thread
    def vote(i):
        barrier.wait()
        for actor in (users[4], member.user):
            try:
                check_cast_vote(
                    actor=actor,
                    proposal=proposal,
                    choice=CHOICES[i % 3],
                    now=proposal.voting_started_at,
                )
                outcomes.append((actor.pk, "ok"))
            except ProposalError:
                outcomes.append((actor.pk, "refused"))

    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(vote, range(50)))
    live = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    assert list(live.values_list("user_id", flat=True)) == [users[4].pk]
    assert Vote.objects.filter(proposal=proposal, user=users[4]).count() == 50
    assert outcomes.count((member.user.pk, "refused")) == 50


def test_a_thousand_secret_ranked_ballots_at_once_fill_one_slot_each_and_recount(figure):
    """The decision methods under the same load (#18): ranked choice by secret ballot. Every
    first ballot takes its own empty slot (none taken twice, none lost), each voter keeps
    one live vote, and the count made at the close is the recount of the published
    ballots."""
    from purposes.methods import ranked
    from purposes.methods.charter import DEFAULT_METHODS
    from purposes.methods.result import Electorate
    from purposes.models import SecretBallot
    from purposes.selectors import ballot_options
    from purposes.voting import check_cast_secret

    secret_ranked = {**DEFAULT_METHODS, "purpose": {"method": "ranked", "secret": True}}
    community, users = _community_of(1000, charter__methods=secret_ranked)
    proposal = _in_voting(community, users)
    assert proposal.secret and proposal.method == "ranked"
    proposed, keep = ballot_options(proposal)
    barrier = threading.Barrier(THREADS)

    @_in_thread
    def vote(worker):
        barrier.wait()
        for index in range(worker, len(users), THREADS):
            ranking = [proposed, keep] if index % 4 else [keep, proposed]
            check_cast_secret(
                actor=users[index], proposal=proposal, ballot=ranking,
                now=proposal.voting_started_at,
            )  # fmt: skip

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(vote, range(THREADS)))
    voting_seconds = time.monotonic() - started
    filled = SecretBallot.objects.filter(proposal=proposal).exclude(choice="")
    assert filled.count() == 1000
    assert filled.values("receipt_hash").distinct().count() == 1000
    assert Vote.objects.filter(proposal=proposal, superseded_at__isnull=True).count() == 1000
    assert do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    recount = ranked.count(
        [row.ballot for row in SecretBallot.objects.filter(proposal=proposal).exclude(choice="")],
        options=ballot_options(proposal),
        electorate=Electorate(size=1000, active=proposal.active_electorate_size),
        quorum_percent=proposal.quorum_percent,
        seed=proposal.tie_seed,
    )
    assert proposal.result["winner"] == recount.winner == proposed  # 750 of 1000 first
    assert proposal.result["cast"] == 1000
    figure(f"1000 secret ranked ballots at once ({THREADS} connections): {voting_seconds:.1f} s")
