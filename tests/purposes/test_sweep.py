"""The sweep (purposes.tasks.sweep_proposals): every step happens once, whatever the
number of runs; reminders 24 h before close; results told to every member."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from purposes import sweep, tasks
from purposes.closing import do_close_proposal
from purposes.models import Charter, Proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import MembershipFactory

from .test_votes import in_voting

pytestmark = pytest.mark.django_db
State = Proposal.State


def test_sweep_twice_applies_once():
    community, members, proposal = in_voting(3)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    first = do_sweep(now=proposal.voting_ends_at)
    second = do_sweep(now=proposal.voting_ends_at + timedelta(minutes=1))
    assert first["closed"] == 1 and first["notified"] == 1
    assert second == {"opened": 0, "closed": 0, "reminded": 0, "notified": 0}
    assert Charter.objects.filter(community=community).count() == 2


def test_do_close_proposal_called_again_changes_nothing():
    community, members, proposal = in_voting(3)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    assert do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    assert not do_close_proposal(proposal_id=proposal.pk, now=proposal.voting_ends_at)
    assert Charter.objects.filter(community=community).count() == 2


def test_sweep_does_not_close_before_the_end():
    community, members, proposal = in_voting(3)
    do_sweep(now=proposal.voting_ends_at - timedelta(seconds=1))
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING


def test_reminder_goes_once_to_those_who_have_not_voted():
    community, members, proposal = in_voting(4)
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="for")
    before = Notification.objects.filter(text__startswith="Less than a day")
    do_sweep(now=proposal.voting_ends_at - timedelta(hours=25))
    assert before.count() == 0
    do_sweep(now=proposal.voting_ends_at - timedelta(hours=23))
    do_sweep(now=proposal.voting_ends_at - timedelta(hours=22))
    assert sorted(before.values_list("recipient", flat=True)) == sorted(
        m.user_id for m in members[1:]
    )


def test_result_is_told_to_every_current_member_once():
    community, members, proposal = in_voting(3)
    late = MembershipFactory(community=community)  # joined after voting opened: told too
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    do_sweep(now=proposal.voting_ends_at + timedelta(minutes=1))
    told = Notification.objects.filter(kind="proposal", text__contains="Passed")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [m.user_id for m in members] + [late.user_id]
    )


def test_voting_open_notifies_the_electorate():
    community, members, proposal = in_voting(3)
    opened = Notification.objects.filter(text__startswith="Voting has opened")
    assert opened.count() == 3


def test_rule_comes_from_the_charter_in_force_when_voting_opened():
    community, members, proposal = in_voting(5)
    # A later charter with another quorum does not change this proposal's rule.
    Charter.objects.filter(pk=community.charter_id).update(major_quorum_percent=100)
    proposal.refresh_from_db()
    assert proposal.decision_rule().quorum_percent == 40
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="for")
    check_cast_vote(actor=members[1].user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.PASSED  # 2 of 5 active = 40 % quorum met


def test_tally_integration_all_abstain_fails():
    community, members, proposal = in_voting(3)
    check_cast_vote(actor=members[0].user, proposal=proposal, choice="abstain")
    check_cast_vote(actor=members[1].user, proposal=proposal, choice="abstain")
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.FAILED
    assert "abstained" in proposal.result_reason


def test_sweep_task_runs_the_sweep():
    community, members, proposal = in_voting(3)
    Proposal.objects.filter(pk=proposal.pk).update(
        voting_ends_at=timezone.now() - timedelta(seconds=1)
    )
    result = tasks.sweep_proposals.delay().get()
    assert result["closed"] == 1


def test_a_failing_proposal_does_not_hold_up_the_others(monkeypatch):
    community, members, first = in_voting(3)
    other, other_members, second = in_voting(3)
    real = do_close_proposal

    def close(*, proposal_id, now):
        if proposal_id == first.pk:
            raise RuntimeError("boom")
        return real(proposal_id=proposal_id, now=now)

    monkeypatch.setattr(sweep, "do_close_proposal", close)
    done = do_sweep(now=second.voting_ends_at + timedelta(days=1))
    assert done["closed"] == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.VOTING and second.state == State.LAPSED
