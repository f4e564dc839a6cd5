"""Voting: the electorate snapshot, one live vote per member, changes kept as history,
the close time, and the tally written at the close."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from purposes.drafting import check_accept_nomination, check_submit_proposal
from purposes.guards import ProposalError
from purposes.models import ElectorateMember, Proposal, Vote
from purposes.seconds import check_second_proposal, discussion_thread_url, open_discussion_thread
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import MembershipFactory, UserFactory, community_with_members

from .test_proposals import draft, to_discussion

pytestmark = pytest.mark.django_db
State = Proposal.State


def in_voting(count=5, **community_fields):
    community, members = community_with_members(count, **community_fields)
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    return community, members, proposal


def test_do_open_voting_snapshots_current_members_suspended_or_not():
    community, members = community_with_members(4)
    members[3].suspended_until = timezone.now() + timedelta(days=30)
    members[3].save()
    gone = MembershipFactory(community=community, left_at=timezone.now())
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    electorate = set(
        ElectorateMember.objects.filter(proposal=proposal).values_list("user", flat=True)
    )
    # A suspension never takes anyone out of an electorate (R5).
    assert electorate == {m.user_id for m in members}
    assert gone.user_id not in electorate
    assert proposal.electorate_size == 4
    assert proposal.active_electorate_size == 4  # all joined within 90 days
    assert proposal.quorum_percent == 40 and proposal.threshold == "two_thirds"


def test_active_means_posted_voted_or_joined_in_the_last_90_days():
    community, members = community_with_members(3)
    old = timezone.now() - timedelta(days=200)
    for m in members:
        m.joined_at = old
        m.save()
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    # Only the proposer is active: opening the discussion thread posted in their name.
    assert proposal.electorate_size == 3 and proposal.active_electorate_size == 1
    for m in members[:2]:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    # A later proposal counts the two voters as active.
    later = to_discussion(community, members)
    do_sweep(now=later.discussion_ends_at)
    later.refresh_from_db()
    assert later.active_electorate_size == 2


def test_check_cast_vote_refuses_a_member_who_joined_after_voting_opened():
    community, members, proposal = in_voting()
    late = MembershipFactory(community=community)
    with pytest.raises(ProposalError, match="not in the electorate"):
        check_cast_vote(actor=late.user, proposal=proposal, choice="for")
    assert not Vote.objects.exists()


def test_check_cast_vote_refuses_a_non_member():
    community, members, proposal = in_voting()
    with pytest.raises(ProposalError, match="Only members of the electorate"):
        check_cast_vote(actor=UserFactory(), proposal=proposal, choice="for")


def test_check_cast_vote_refuses_a_choice_that_does_not_exist():
    community, members, proposal = in_voting()
    for bad in ("maybe", "", None, "FOR"):
        with pytest.raises(ProposalError, match="for, against or abstain"):
            check_cast_vote(actor=members[0].user, proposal=proposal, choice=bad)
    assert not Vote.objects.exists()


def test_check_cast_vote_refuses_a_reason_over_500_characters():
    community, members, proposal = in_voting()
    with pytest.raises(ProposalError, match="500 characters"):
        check_cast_vote(actor=members[0].user, proposal=proposal, choice="for",
                                reason="x" * 501)  # fmt: skip
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="for",
                            reason="y" * 500)  # fmt: skip
    assert Vote.objects.get().reason == "y" * 500


def test_second_vote_replaces_the_first_and_keeps_history():
    community, members, proposal = in_voting()
    user = members[0].user
    check_cast_vote(actor=user, proposal=proposal, choice="against", reason="Too soon")
    check_cast_vote(actor=user, proposal=proposal, choice="for", reason="Convinced")
    votes = list(Vote.objects.filter(user=user).order_by("id"))
    assert [v.choice for v in votes] == ["against", "for"]
    assert votes[0].superseded_at is not None and votes[1].superseded_at is None
    assert Vote.objects.filter(user=user, superseded_at__isnull=True).count() == 1


def test_one_live_vote_is_a_database_constraint():
    community, members, proposal = in_voting()
    user = members[0].user
    Vote.objects.create(proposal=proposal, user=user, choice="for")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(proposal=proposal, user=user, choice="against")


def test_votes_at_or_after_the_close_time_are_refused():
    community, members, proposal = in_voting()
    with pytest.raises(ProposalError, match="Voting has closed"):
        check_cast_vote(actor=members[0].user, proposal=proposal, choice="for",
                                now=proposal.voting_ends_at)  # fmt: skip
    do_sweep(now=proposal.voting_ends_at)
    with pytest.raises(ProposalError, match="Voting has closed"):
        check_cast_vote(actor=members[0].user, proposal=proposal, choice="for")
    assert not Vote.objects.exists()


def test_voting_on_a_proposal_of_another_community_is_refused():
    community, members, proposal = in_voting()
    other, other_members = community_with_members(2)
    with pytest.raises(ProposalError):
        check_cast_vote(actor=other_members[0].user, proposal=proposal, choice="for")
    assert not Vote.objects.exists()


def test_close_tallies_only_live_votes_and_passes_with_two_thirds():
    community, members, proposal = in_voting(6)
    for m, choice in zip(members, ["for", "for", "for", "for", "against", "abstain"], strict=True):
        check_cast_vote(actor=m.user, proposal=proposal, choice="against")
        check_cast_vote(actor=m.user, proposal=proposal, choice=choice)
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert (proposal.for_count, proposal.against_count, proposal.abstain_count) == (4, 1, 1)
    assert proposal.state == State.PASSED
    assert proposal.result_reason.startswith("Passed")
    assert community.charter.version == 2
    assert community.charter.proposal == proposal
    assert community.charter.author == members[0].user
    assert community.charter.changes_purpose


def test_close_lapses_without_quorum():
    community, members, proposal = in_voting(6)
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.LAPSED
    assert "no decision" in proposal.result_reason
    community.refresh_from_db()
    assert community.charter.version == 1


def test_close_fails_short_of_two_thirds():
    community, members, proposal = in_voting(3)
    for m, choice in zip(members, ["for", "against", "against"], strict=True):
        check_cast_vote(actor=m.user, proposal=proposal, choice=choice)
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.FAILED
    community.refresh_from_db()
    assert community.charter.version == 1


def _pass(proposal, members):
    check_submit_proposal(actor=proposal.author, proposal=proposal)
    for m in [m for m in members if m.user_id != proposal.author_id][:2]:
        check_second_proposal(actor=m.user, proposal=proposal)
    proposal.refresh_from_db()
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    for m in members:
        if ElectorateMember.objects.filter(proposal=proposal, user=m.user).exists():
            check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    return proposal


def test_elect_then_recall_a_moderator():
    community, members = community_with_members(4)
    election = draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR,
                     target=members[3], proposed=None)  # fmt: skip
    check_accept_nomination(actor=members[3].user, proposal=election)
    election = _pass(election, members)
    members[3].refresh_from_db()
    assert election.state == State.PASSED
    assert members[3].role == "moderator"
    expected = election.closed_at + timedelta(days=90)
    assert abs(members[3].moderator_term_ends_at - expected) < timedelta(seconds=1)
    recall = draft(community, members[1].user, kind=Proposal.Kind.RECALL_MODERATOR,
                   target=members[3], proposed=None)  # fmt: skip
    _pass(recall, members)
    members[3].refresh_from_db()
    assert members[3].role == "member" and members[3].moderator_term_ends_at is None


def test_remove_member_ends_the_membership_once():
    community, members = community_with_members(4)
    removal = draft(community, members[0].user, kind=Proposal.Kind.REMOVE_MEMBER,
                    target=members[3], proposed=None)  # fmt: skip
    removal = _pass(removal, members)
    members[3].refresh_from_db()
    assert removal.state == State.PASSED and members[3].left_at == removal.closed_at


def test_dissolve_makes_a_read_only_archive():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user, kind=Proposal.Kind.DISSOLVE, proposed=None)
    _pass(proposal, members)
    community.refresh_from_db()
    assert community.is_dissolved and community.dissolved_at is not None


def test_discussion_opens_the_proposals_own_thread_once():
    from community.models import Thread

    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    thread = Thread.objects.get(pk=proposal.thread_id)
    assert thread.community == community and thread.author == members[0].user
    assert proposal.title in thread.title
    assert open_discussion_thread(proposal=proposal) == thread.pk  # idempotent
    assert discussion_thread_url(proposal=proposal) == thread.get_absolute_url()


def test_posting_in_the_last_90_days_counts_as_active():
    from community.actions import check_create_thread

    community, members = community_with_members(3)
    old = timezone.now() - timedelta(days=200)
    for m in members:
        m.joined_at = old
        m.save()
    check_create_thread(actor=members[2].user, community=community, title="Hello", body="Hi all")
    proposal = to_discussion(community, members)  # opens a thread in members[0]'s name
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    active = set(
        ElectorateMember.objects.filter(proposal=proposal, is_active=True).values_list(
            "user", flat=True
        )
    )
    assert active == {members[0].user_id, members[2].user_id}


def test_dissolving_closes_the_other_open_proposals():
    community, members = community_with_members(3)
    other = draft(community, members[1].user, title="Another idea")
    proposal = draft(community, members[0].user, kind=Proposal.Kind.DISSOLVE, proposed=None)
    _pass(proposal, members)
    other.refresh_from_db()
    assert other.state == State.WITHDRAWN and "dissolved" in other.result_reason
