"""The charter's method decides real proposals (#18): the method and the tie-break seed are
recorded when voting opens, ballots go through the voting actions, and the sweep the worker
runs counts them with purposes.methods and applies the winner."""

import csv
import io

import pytest
from django.urls import reverse

from notifications.models import Notification
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.guards import ProposalError
from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Charter, Proposal, ProposalOption, Vote
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import (
    check_cast_ballot,
    check_cast_consent,
    check_cast_vote,
    check_withdraw_objection,
)
from tests.factories import community_with_members

from .test_proposals import purpose_text

pytestmark = pytest.mark.django_db
State = Proposal.State
NEW_PURPOSE = "To grow food together."


def in_voting_by(method, count=5, alternatives=(), quorum=20):
    """A change of purpose decided by ``method``, its voting open through the sweep."""
    community, members = community_with_members(
        count,
        charter__methods={**DEFAULT_METHODS, "purpose": method},
        charter__major_quorum_percent=quorum,
    )
    proposal = check_create_proposal(
        actor=members[0].user,
        community=community,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title="Grow food",
        rationale="We mostly garden now.",
        proposed=purpose_text(community, NEW_PURPOSE),
        alternatives=alternatives,
    )
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    proposal.refresh_from_db()
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    return community, [m.user for m in members], proposal


def close(proposal):
    """Close through the sweep the worker runs, and tell members the result."""
    done = do_sweep(now=proposal.voting_ends_at)
    assert done["closed"] == 1
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    proposal.community.refresh_from_db()
    return proposal


# --- consent ---------------------------------------------------------------------------


def test_do_open_voting_records_the_method_and_a_seed_that_a_charter_change_does_not_alter():
    community, users, proposal = in_voting_by("consent")
    assert proposal.method == "consent"
    assert len(proposal.tie_seed) == 32
    # The charter moves to a majority count while the vote runs: the vote stays consent.
    Charter.objects.filter(pk=community.charter_id).update(methods=DEFAULT_METHODS)
    for user in users[:2]:
        check_cast_consent(actor=user, proposal=proposal, position="consent")
    proposal = close(proposal)
    assert proposal.result["method"] == "consent"
    assert proposal.state == State.PASSED


def test_consent_passes_with_no_objection_and_applies_and_explains_in_the_notification():
    community, users, proposal = in_voting_by("consent")
    check_cast_consent(actor=users[0], proposal=proposal, position="consent")
    check_cast_consent(actor=users[1], proposal=proposal, position="stand_aside")
    proposal = close(proposal)
    assert proposal.state == State.PASSED and proposal.applied_at
    assert proposal.community.charter.purpose == NEW_PURPOSE
    assert proposal.community.charter.version == 2
    assert proposal.result_reason.startswith("Passed: no objection stands at the close")
    assert "1 stood aside" in proposal.result_reason
    notices = Notification.objects.filter(recipient=users[4], text__contains="no objection")
    assert "no objection stands at the close" in notices.get().text  # exactly once


def test_a_standing_objection_blocks_and_a_withdrawn_one_does_not():
    community, users, proposal = in_voting_by("consent")
    check_cast_consent(actor=users[0], proposal=proposal, position="consent")
    check_cast_consent(actor=users[1], proposal=proposal, position="object", reason="Too vague")
    blocked = close(proposal)
    assert blocked.state == State.FAILED and "Blocked: 1 objection" in blocked.result_reason
    assert proposal.community.charter.version == 1

    community, users, proposal = in_voting_by("consent")
    check_cast_consent(actor=users[0], proposal=proposal, position="consent")
    check_cast_consent(actor=users[1], proposal=proposal, position="object", reason="Too vague")
    check_withdraw_objection(actor=users[1], proposal=proposal)
    live = Vote.objects.get(user=users[1], superseded_at__isnull=True)
    assert live.choice == "object" and live.withdrawn_at and live.reason == "Too vague"
    assert Vote.objects.filter(user=users[1]).count() == 2  # history kept
    passed = close(proposal)
    assert passed.state == State.PASSED and "1 objection was withdrawn" in passed.result_reason


def test_an_objection_without_a_reason_is_refused_and_nothing_is_stored():
    _, users, proposal = in_voting_by("consent")
    with pytest.raises(ProposalError, match="An objection needs a reason"):
        check_cast_consent(actor=users[1], proposal=proposal, position="object", reason="  ")
    with pytest.raises(ProposalError, match="consent, stand aside or object"):
        check_cast_consent(actor=users[1], proposal=proposal, position="maybe")
    with pytest.raises(ProposalError, match="no standing objection"):
        check_withdraw_objection(actor=users[1], proposal=proposal)
    assert not Vote.objects.exists()


def test_a_vote_in_the_wrong_shape_for_the_method_is_refused():
    _, users, proposal = in_voting_by("consent")
    with pytest.raises(ProposalError, match="does not fit how the proposal is decided"):
        check_cast_vote(actor=users[1], proposal=proposal, choice="for")
    with pytest.raises(ProposalError, match="not decided by a choice between options"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot=["proposal"])
    _, users, majority = in_voting_by("two_thirds")
    with pytest.raises(ProposalError, match="does not fit how the proposal is decided"):
        check_cast_consent(actor=users[1], proposal=majority, position="consent")
    _, users, ranked = in_voting_by("ranked")
    with pytest.raises(ProposalError, match="must be a whole number from 1"):
        check_cast_ballot(actor=users[1], proposal=ranked, ballot={"proposal": "first"})
    assert not Vote.objects.exists()


def test_consent_lapses_below_the_quorum():
    _, users, proposal = in_voting_by("consent", quorum=60)
    check_cast_consent(actor=users[0], proposal=proposal, position="consent")
    proposal = close(proposal)
    assert proposal.state == State.LAPSED
    assert proposal.result_reason.startswith("Lapsed with no decision")


# --- approval ---------------------------------------------------------------------------


def test_approval_refuses_zero_options_and_unknown_ones():
    _, users, proposal = in_voting_by("approval")
    with pytest.raises(ProposalError, match="Approve at least one option"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot=[])
    with pytest.raises(ProposalError, match="not an option in this vote"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot=["alt-9"])
    assert not Vote.objects.exists()


def test_approval_applies_the_alternative_wording_that_wins():
    community, users, proposal = in_voting_by("approval", alternatives=["To share the harvest."])
    assert ProposalOption.objects.get().option_id == "alt-1"
    check_cast_ballot(actor=users[0], proposal=proposal, ballot=["proposal", "alt-1"])
    check_cast_ballot(actor=users[1], proposal=proposal, ballot=["alt-1"])
    check_cast_ballot(actor=users[2], proposal=proposal, ballot=["keep"])
    proposal = close(proposal)
    assert proposal.state == State.PASSED
    assert "“Alternative wording 1” is chosen: approved on 2 of 3 ballots" in (
        proposal.result_reason
    )
    assert proposal.community.charter.purpose == "To share the harvest."
    assert proposal.purpose == NEW_PURPOSE  # the proposal's own text is kept as it was


def test_approval_keep_the_current_text_wins_and_nothing_changes():
    community, users, proposal = in_voting_by("approval")
    check_cast_ballot(actor=users[0], proposal=proposal, ballot=["keep"])
    check_cast_ballot(actor=users[1], proposal=proposal, ballot=["keep", "proposal"])
    proposal = close(proposal)
    assert proposal.state == State.FAILED and proposal.applied_at is None
    assert "Nothing changes" in proposal.result_reason
    assert proposal.community.charter.version == 1


def test_alternatives_are_refused_where_the_method_votes_on_one_text():
    community, members = community_with_members(3)
    with pytest.raises(ProposalError, match="decides it by two-thirds majority"):
        check_create_proposal(
            actor=members[0].user, community=community, kind=Proposal.Kind.AMEND_PURPOSE,
            title="Grow", rationale="Why", proposed=purpose_text(community, NEW_PURPOSE),
            alternatives=["Another"],
        )  # fmt: skip
    assert not Proposal.objects.exists()


# --- ranked choice ----------------------------------------------------------------------


def test_ranked_refuses_duplicates_and_gaps():
    _, users, proposal = in_voting_by("ranked", alternatives=["To share."])
    with pytest.raises(ProposalError, match="more than once|twice|only once"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot=["proposal", "proposal"])
    with pytest.raises(ProposalError, match="[Gg]ap|missing"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot=["proposal", "", "keep"])
    assert not Vote.objects.exists()


def test_ranked_counts_round_by_round_and_the_csv_has_every_round(client):
    community, users, proposal = in_voting_by("ranked", count=7, alternatives=["To share."])
    ballots = [
        ["proposal", "alt-1"],
        ["proposal", "alt-1"],
        ["proposal"],
        ["keep", "proposal"],
        ["keep"],
        ["alt-1", "proposal"],
        ["alt-1", "keep"],
    ]
    for user, ballot in zip(users, ballots, strict=True):
        check_cast_ballot(actor=user, proposal=proposal, ballot=ballot)
    # A member changes their ranking: only the live one counts.
    check_cast_ballot(actor=users[6], proposal=proposal, ballot=["alt-1", "proposal"])
    proposal = close(proposal)
    assert proposal.state == State.PASSED
    assert len(proposal.result["rounds"]) >= 2
    assert proposal.community.charter.purpose == NEW_PURPOSE
    url = reverse(
        "purposes:proposal_count_csv",
        kwargs={"slug": community.slug, "proposal_id": proposal.pk},
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["round"] for r in rows} >= {"1", "2"}
    assert any(r["status"] == "elected" and r["option_id"] == "proposal" for r in rows)


def test_ranked_tie_is_broken_by_lot_with_the_published_seed():
    _, users, proposal = in_voting_by("ranked", count=4)
    check_cast_ballot(actor=users[0], proposal=proposal, ballot=["proposal"])
    check_cast_ballot(actor=users[1], proposal=proposal, ballot=["keep"])
    proposal = close(proposal)
    assert proposal.result["tie_breaks"]
    assert proposal.tie_seed in proposal.result_reason or proposal.tie_seed in str(
        proposal.result["tie_breaks"]
    )


# --- score ------------------------------------------------------------------------------


def test_score_refuses_a_score_outside_0_to_5():
    _, users, proposal = in_voting_by("score")
    with pytest.raises(ProposalError, match="scores go from 0 to 5"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot={"proposal": 7})
    with pytest.raises(ProposalError, match="Score at least one option"):
        check_cast_ballot(actor=users[1], proposal=proposal, ballot={})
    assert not Vote.objects.exists()


def test_score_highest_total_wins_and_is_applied():
    community, users, proposal = in_voting_by("score")
    check_cast_ballot(actor=users[0], proposal=proposal, ballot={"proposal": 5, "keep": 1})
    check_cast_ballot(actor=users[1], proposal=proposal, ballot={"proposal": 3, "keep": 4})
    proposal = close(proposal)
    assert proposal.state == State.PASSED
    assert "total score of 8" in proposal.result_reason
    assert proposal.community.charter.purpose == NEW_PURPOSE


def test_the_close_runs_once_whatever_the_sweeps():
    _, users, proposal = in_voting_by("consent")
    check_cast_consent(actor=users[0], proposal=proposal, position="consent")
    close(proposal)
    assert do_sweep(now=proposal.voting_ends_at)["closed"] == 0
    assert Charter.objects.filter(community=proposal.community).count() == 2
