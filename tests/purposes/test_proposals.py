"""Proposal lifecycle through the actions: drafting, seconds, discussion, withdrawal,
revisions, rebasing, and bad input (each changes nothing)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from purposes.charter_diff import CharterText
from purposes.closing import do_close_proposal
from purposes.drafting import (
    check_accept_nomination,
    check_create_proposal,
    check_rebase_proposal,
    check_redraft_proposal,
    check_revise_proposal,
    check_submit_proposal,
    check_withdraw_proposal,
)
from purposes.guards import PROPOSALS_PER_DAY, ProposalError
from purposes.models import Charter, Proposal, ProposalRevision, Second
from purposes.revisions import touched_fields
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import MembershipFactory, UserFactory, community_with_members

pytestmark = pytest.mark.django_db
State = Proposal.State


def purpose_text(community, purpose="To grow food together and share it."):
    text = community.charter.text()
    return CharterText(purpose=purpose, goals=text.goals, rules=text.rules)


def draft(community, author, **kwargs):
    fields = {
        "kind": Proposal.Kind.AMEND_PURPOSE,
        "title": "Grow food",
        "rationale": "We mostly garden now.",
        "proposed": purpose_text(community),
    } | kwargs
    return check_create_proposal(actor=author, community=community, **fields)


def to_discussion(community, members):
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def test_check_create_proposal_makes_a_draft_on_the_current_charter():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    assert proposal.state == State.DRAFT
    assert proposal.base_charter == community.charter
    assert touched_fields(proposal) == {"purpose"}


def test_check_create_proposal_refuses_a_non_member():
    community, _ = community_with_members(2)
    with pytest.raises(ProposalError, match="Only members"):
        draft(community, UserFactory())
    assert not Proposal.objects.exists()


def test_check_create_proposal_refuses_a_change_that_changes_nothing():
    community, members = community_with_members(2)
    with pytest.raises(ProposalError, match="changes nothing"):
        draft(community, members[0].user, proposed=community.charter.text())


def test_check_create_proposal_refuses_removing_yourself():
    community, members = community_with_members(2)
    with pytest.raises(ProposalError, match="remove yourself"):
        draft(community, members[0].user, kind=Proposal.Kind.REMOVE_MEMBER, target=members[0],
              proposed=None)  # fmt: skip
    assert not Proposal.objects.exists()


def test_check_create_proposal_refuses_electing_a_non_member():
    community, members = community_with_members(2)
    outsider = MembershipFactory()  # a member of another community
    with pytest.raises(ProposalError, match="current member of this community"):
        draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR, target=outsider,
              proposed=None)  # fmt: skip


def test_check_submit_proposal_refuses_an_election_before_the_nominee_accepts():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR,
                     target=members[1], proposed=None)  # fmt: skip
    with pytest.raises(ProposalError, match="not accepted"):
        check_submit_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == State.DRAFT
    with pytest.raises(ProposalError, match="Only the nominee"):
        check_accept_nomination(actor=members[2].user, proposal=proposal)
    check_accept_nomination(actor=members[1].user, proposal=proposal)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == State.SEEKING


def test_check_second_proposal_moves_to_discussion_with_enough_seconds():
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    assert proposal.state == State.DISCUSSION
    assert proposal.discussion_ends_at - proposal.discussion_started_at == timedelta(days=3)
    assert proposal.seconds.count() == 2


def test_check_second_proposal_refuses_your_own_proposal():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    with pytest.raises(ProposalError, match="your own proposal"):
        check_second_proposal(actor=members[0].user, proposal=proposal)
    assert not Second.objects.exists()


def test_check_second_proposal_refuses_seconding_twice():
    community, members = community_with_members(4, charter__seconds_required=3)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    check_second_proposal(actor=members[1].user, proposal=proposal)
    with pytest.raises(ProposalError, match="already seconded"):
        check_second_proposal(actor=members[1].user, proposal=proposal)
    assert Second.objects.count() == 1


def test_check_second_proposal_refuses_a_non_member():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    with pytest.raises(ProposalError, match="Only members"):
        check_second_proposal(actor=UserFactory(), proposal=proposal)


def test_check_withdraw_proposal_refuses_after_voting_opened():
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    with pytest.raises(ProposalError, match="once voting has opened"):
        check_withdraw_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING


def test_check_withdraw_proposal_withdraws_in_discussion():
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    with pytest.raises(ProposalError, match="Only the proposer"):
        check_withdraw_proposal(actor=members[1].user, proposal=proposal)
    check_withdraw_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == State.WITHDRAWN


def test_check_revise_proposal_keeps_every_revision_in_discussion():
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    check_revise_proposal(
        actor=members[0].user, proposal=proposal, title="Grow and share food",
        rationale="Better.", proposed=purpose_text(community, "To grow and share food."),
    )  # fmt: skip
    revisions = list(ProposalRevision.objects.filter(proposal=proposal))
    assert [r.purpose for r in revisions] == [
        "To grow food together and share it.",
        "To grow and share food.",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"suspended_until": timezone.now() + timedelta(days=2)}, "while suspended"),
        ({"left_at": timezone.now()}, "you have left"),
    ],
)
def test_check_revise_and_rebase_proposal_refuse_a_suspended_or_departed_proposer(change, message):
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    type(members[0]).objects.filter(pk=members[0].pk).update(**change)
    proposer = type(members[0].user).objects.get(pk=members[0].user_id)  # a new request's
    with pytest.raises(ProposalError, match=message):
        check_revise_proposal(
            actor=proposer, proposal=proposal, title="Mine still",
            rationale="Changed.", proposed=purpose_text(community, "Something else."),
        )  # fmt: skip
    with pytest.raises(ProposalError, match=message):
        check_rebase_proposal(actor=proposer, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.title == "Grow food"
    assert ProposalRevision.objects.filter(proposal=proposal).count() == 1
    check_withdraw_proposal(actor=proposer, proposal=proposal)  # still theirs
    assert Proposal.objects.get(pk=proposal.pk).state == State.WITHDRAWN


def test_rebase_and_conflict_when_two_proposals_change_the_purpose():
    community, members = community_with_members(5)
    first = to_discussion(community, members)
    second = draft(community, members[3].user, proposed=purpose_text(community, "Another aim."))
    check_submit_proposal(actor=members[3].user, proposal=second)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=second)
    second.refresh_from_db()
    # Both open voting, everybody votes for both.
    do_sweep(now=second.discussion_ends_at)
    for proposal in (first, second):
        for m in members:
            check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    first.refresh_from_db()
    second.refresh_from_db()
    do_close_proposal(proposal_id=first.pk, now=first.voting_ends_at)
    do_close_proposal(proposal_id=second.pk, now=second.voting_ends_at + timedelta(1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.PASSED and first.applied_at
    assert second.state == State.CONFLICT and second.applied_at is None
    assert "re-drafted" in second.result_reason
    assert Charter.objects.filter(community=community).count() == 2
    community.refresh_from_db()
    assert community.charter.purpose == "To grow food together and share it."
    # The proposer re-drafts on the current version.
    redraft = check_redraft_proposal(actor=members[3].user, proposal=second)
    assert redraft.base_charter == community.charter
    assert redraft.purpose == "Another aim."


def test_rules_change_on_an_old_version_applies_when_fields_differ():
    community, members = community_with_members(4)
    rules_text = community.charter.text()
    rules_text.rules["voting_days"] = 5
    rules = draft(community, members[0].user, kind=Proposal.Kind.CHANGE_RULES, proposed=rules_text)
    purpose = draft(community, members[1].user)
    now = timezone.now()
    for p, author in ((purpose, members[1]), (rules, members[0])):
        check_submit_proposal(actor=author.user, proposal=p, now=now)
        for m in [m for m in members if m != author][:2]:
            check_second_proposal(actor=m.user, proposal=p, now=now)
    do_sweep(now=now + timedelta(days=3))
    for p in (purpose, rules):
        for m in members:
            check_cast_vote(actor=m.user, proposal=p, choice="for",
                                    now=now + timedelta(days=4))  # fmt: skip
    do_sweep(now=now + timedelta(days=10))
    community.refresh_from_db()
    assert community.charter.version == 3
    assert community.charter.voting_days == 5
    assert community.charter.purpose == "To grow food together and share it."


def test_check_rebase_proposal_moves_the_base_and_keeps_the_edit():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    v2 = Charter.objects.create(community=community, version=2, purpose="Changed meanwhile",
                                goals=["One"], voting_days=9)  # fmt: skip
    community.charter = v2
    community.save()
    proposal.refresh_from_db()
    check_rebase_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.base_charter == v2
    assert proposal.purpose == "To grow food together and share it."
    assert proposal.goals == ["One"] and proposal.rules["voting_days"] == 9


def test_check_create_proposal_refuses_more_than_five_a_day():
    community, members = community_with_members(2)
    for n in range(PROPOSALS_PER_DAY):
        draft(community, members[0].user, title=f"Idea {n}")
    with pytest.raises(ProposalError, match="wait until tomorrow"):
        draft(community, members[0].user, title="One more")
    assert Proposal.objects.count() == PROPOSALS_PER_DAY
