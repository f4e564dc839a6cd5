"""Juries: answers, votes, deadlines, the member vote of small communities, and the
outcome applied and logged."""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members.models import Membership
from moderation.appeals import check_file_appeal
from moderation.juries import check_answer_jury, check_cast_jury_vote, do_sweep_appeals
from moderation.models import Appeal, JuryMember, ModerationAction
from moderation.suspensions import check_suspend_member
from notifications.models import Notification
from tests.moderation.appeal_case import Case, seats

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind


@pytest.fixture
def case():
    return Case()


def test_decline_draws_a_replacement(case):
    appeal = case.appeal()
    first = seats(appeal)[0]
    check_answer_jury(actor=first.user, appeal=appeal, accept=False)
    live = seats(appeal, JuryMember.State.INVITED)
    assert len(live) == 5
    assert first.user_id not in {s.user_id for s in live}
    with pytest.raises(ValidationError, match="already answered"):
        check_answer_jury(actor=first.user, appeal=appeal, accept=True)


def test_decline_without_anyone_left_leaves_the_seat_empty():
    case = Case(others=5)
    appeal = case.appeal()
    first = seats(appeal)[0]
    check_answer_jury(actor=first.user, appeal=appeal, accept=False)
    assert len(seats(appeal, JuryMember.State.INVITED)) == 4


def test_jury_majority_restores_the_post_and_logs(case):
    appeal = case.appeal()
    jurors = seats(appeal)
    for seat in jurors:
        check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
    check_cast_jury_vote(actor=jurors[0].user, appeal=appeal, vote="grant")
    check_cast_jury_vote(actor=jurors[1].user, appeal=appeal, vote="deny")
    check_cast_jury_vote(actor=jurors[2].user, appeal=appeal, vote="grant")
    appeal.refresh_from_db()
    assert appeal.is_open
    check_cast_jury_vote(actor=jurors[3].user, appeal=appeal, vote="grant")
    appeal.refresh_from_db()
    case.post.refresh_from_db()
    assert appeal.state == Appeal.State.GRANTED
    assert not case.post.is_hidden
    kinds = list(
        ModerationAction.objects.order_by("created_at", "id").values_list("kind", flat=True)
    )
    assert kinds[-2:] == [Kind.RESTORE, Kind.APPEAL_GRANTED]
    assert Notification.objects.filter(recipient=case.mod, text__contains="granted").exists()
    with pytest.raises(ValidationError, match="decided"):
        check_cast_jury_vote(actor=jurors[4].user, appeal=appeal, vote="deny")


def test_juror_votes_once_and_only_after_accepting(case):
    appeal = case.appeal()
    seat = seats(appeal)[0]
    with pytest.raises(ValidationError, match="Accept your seat"):
        check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="grant")
    check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
    check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="grant")
    with pytest.raises(ValidationError, match="already voted"):
        check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="deny")
    with pytest.raises(PermissionDenied):
        check_cast_jury_vote(actor=case.author, appeal=appeal, vote="grant")


def test_juror_vote_after_the_deadline_is_refused(case):
    appeal = case.appeal()
    seat = seats(appeal)[0]
    check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
    Appeal.objects.filter(pk=appeal.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    appeal.refresh_from_db()
    with pytest.raises(ValidationError, match="run out"):
        check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="grant")
    assert not JuryMember.objects.exclude(vote="").exists()


def test_sweep_decides_at_the_deadline_by_votes_cast(case):
    appeal = case.appeal()
    seat = seats(appeal)[0]
    check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
    check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="grant")
    later = appeal.deadline + timedelta(minutes=1)
    assert do_sweep_appeals(now=later) == 1
    assert do_sweep_appeals(now=later) == 0
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.GRANTED
    assert ModerationAction.objects.filter(kind=Kind.APPEAL_GRANTED).count() == 1


def test_sweep_without_votes_lets_the_decision_stand(case):
    appeal = case.appeal()
    do_sweep_appeals(now=appeal.deadline)
    appeal.refresh_from_db()
    case.post.refresh_from_db()
    assert appeal.state == Appeal.State.DENIED
    assert case.post.moderation_state == "kept_hidden"


def test_sweep_replaces_jurors_who_did_not_answer(case):
    appeal = case.appeal()
    later = timezone.now() + timedelta(hours=25)
    do_sweep_appeals(now=later, rng=random.Random(1))
    assert len(seats(appeal, JuryMember.State.TIMED_OUT)) == 5
    # only two members were left to draw
    assert len(seats(appeal, JuryMember.State.INVITED)) == 2


def test_small_community_falls_back_to_a_member_vote():
    case = Case(others=3)
    appeal = case.appeal()
    assert appeal.mode == Appeal.Mode.MEMBER_VOTE
    voters = seats(appeal, JuryMember.State.ACCEPTED)
    assert len(voters) == 3
    check_cast_jury_vote(actor=voters[0].user, appeal=appeal, vote="deny")
    check_cast_jury_vote(actor=voters[1].user, appeal=appeal, vote="deny")
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.DENIED


def test_suspension_appeal_granted_lifts_the_suspension():
    case = Case()
    decision = check_suspend_member(
        actor=case.mod,
        community=case.community,
        username=case.author.username,
        days=7,
        reason="Rude",
    )
    appeal = check_file_appeal(actor=case.author, decision=decision, statement="No")
    for seat in seats(appeal)[:3]:
        check_answer_jury(actor=seat.user, appeal=appeal, accept=True)
        check_cast_jury_vote(actor=seat.user, appeal=appeal, vote="grant")
    membership = Membership.objects.get(user=case.author, community=case.community)
    assert not membership.is_suspended
    assert ModerationAction.objects.filter(kind=Kind.UNSUSPEND, member=case.author).exists()
