"""Governance capture (R1, R5, R7): no moderator, sock-puppet crowd or departing member
steers a community. Each test is named after the finding it reproduces; each failed on
the code before the fix."""

import contextlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import permissions as community_permissions
from community.actions import check_create_thread
from community.models import Post
from members import applications, invitations, joining
from members import permissions as members_permissions
from members.models import Membership
from moderation import permissions as moderation_permissions
from moderation.appeals import check_file_appeal
from moderation.flags import check_flag_post
from moderation.juries import eligible_jurors
from moderation.models import ModerationAction
from moderation.suspensions import check_suspend_member
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.guards import ProposalError
from purposes.models import ElectorateMember, Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    community_with_members,
    moderator_membership,
    thread_with_post,
)

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind
State = Proposal.State


def _seek(community, author, **fields):
    proposal = check_create_proposal(
        actor=author, community=community, title="A change", rationale="Because.", **fields
    )
    check_submit_proposal(actor=author, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def _second(proposal, users):
    for user in users:
        check_second_proposal(actor=user, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def _open_voting(proposal):
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == State.VOTING
    return proposal


def _close(proposal):
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    return proposal


def _suspend(moderator, community, user, days=1):
    return check_suspend_member(
        actor=moderator, community=community, username=user.username, days=days, reason="Rude"
    )


def _is_member(user, community) -> bool:
    return Membership.objects.current().filter(user=user, community=community).exists()


def _fresh(user):
    """The user as the next request loads it (memberships are cached per request)."""
    return type(user).objects.get(pk=user.pk)


def _electorate(proposal) -> set[int]:
    return set(ElectorateMember.objects.filter(proposal=proposal).values_list("user", flat=True))


# --- Finding 1: a moderator decides their own recall ---------------------------------------


@pytest.fixture
def recall():
    """Moderator Cass faces a recall by Ada, seconded by Ben and Dee; Eve looks on."""
    community = CommunityFactory(charter__seconds_required=2)
    cass = moderator_membership(community, user__username="cass", founder=True)
    ada, ben, dee, eve = (
        MembershipFactory(community=community, user__username=name, founder=True)
        for name in ("ada", "ben", "dee", "eve")
    )
    proposal = _seek(community, ada.user, kind=Proposal.Kind.RECALL_MODERATOR, target=cass)
    _second(proposal, [ben.user, dee.user])
    assert proposal.state == State.DISCUSSION
    return community, cass.user, [ada.user, ben.user, dee.user, eve.user], proposal


def test_finding_1_moderator_cannot_suspend_anyone_while_their_recall_is_open(recall):
    community, cass, (ada, ben, dee, eve), proposal = recall
    with pytest.raises(PermissionDenied, match="concerns you"):
        _suspend(cass, community, ben)
    assert not Membership.objects.get(user=ben, community=community).is_suspended
    assert not ModerationAction.objects.filter(kind=Kind.SUSPEND).exists()


def test_finding_1_a_suspension_never_takes_seconders_out_of_the_electorate():
    community = CommunityFactory(charter__seconds_required=2)
    cass = moderator_membership(community, user__username="cass", founder=True).user
    other_mod = moderator_membership(community, founder=True).user
    ada, ben, dee = (MembershipFactory(community=community, founder=True).user for _ in range(3))
    target = community.memberships.get(user=dee)
    proposal = _second(
        _seek(community, ada, kind=Proposal.Kind.REMOVE_MEMBER, target=target), [ben, cass]
    )
    # Another moderator (not concerned) suspends the proposer and a seconder before voting.
    _suspend(other_mod, community, ada, days=7)
    _suspend(other_mod, community, ben, days=7)
    proposal = _open_voting(proposal)
    assert {ada.pk, ben.pk} <= _electorate(proposal)
    assert proposal.electorate_size == 5


def test_finding_1_the_recall_passes_when_the_moderator_cannot_silence_the_electorate(recall):
    community, cass, (ada, ben, dee, eve), proposal = recall
    for user in (ada, ben, dee):  # the attack: silence the recall's backers before the vote
        with contextlib.suppress(PermissionDenied):
            _suspend(cass, community, user, days=7)
    proposal = _open_voting(proposal)
    assert _electorate(proposal) == {cass.pk, ada.pk, ben.pk, dee.pk, eve.pk}
    for user in (ada, ben, dee):
        check_cast_vote(actor=_fresh(user), proposal=proposal, choice="for")
    check_cast_vote(actor=cass, proposal=proposal, choice="against")
    proposal = _close(proposal)
    assert proposal.state == State.PASSED
    assert not Membership.objects.current().get(user=cass, community=community).is_moderator


def test_finding_1_suspended_members_stay_in_the_jury_pool():
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    people = [MembershipFactory(community=community, founder=True).user for _ in range(6)]
    for user in people[1:]:
        _suspend(mod, community, user, days=3)
    pool = eligible_jurors(community=community, exclude={mod.pk, people[0].pk}, now=timezone.now())
    assert set(pool) == {user.pk for user in people[1:]}


# --- Finding 4: suspensions and removals escaped by leaving and rejoining ------------------


def test_finding_4_a_suspension_survives_leaving_and_rejoining():
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    troll = MembershipFactory(community=community).user
    _suspend(mod, community, troll, days=3)
    joining.check_leave(actor=troll, community=community)
    joining.check_join(actor=_fresh(troll), community=community, affirmed=True)
    again = Membership.objects.current().get(user=troll, community=community)
    assert again.is_suspended and again.suspension_reason == "Rude"
    assert not community_permissions.can_post(troll, community)
    with pytest.raises(ProposalError, match="suspended"):
        check_create_proposal(
            actor=troll, community=community, kind="remove", title="x", rationale="y",
            target=Membership.objects.current().get(user=mod, community=community),
        )  # fmt: skip


def test_finding_4_a_suspension_lifted_or_ended_is_lifted_on_every_row():
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    troll = MembershipFactory(community=community).user
    _suspend(mod, community, troll, days=1)
    joining.check_leave(actor=troll, community=community)
    from moderation.suspensions import do_end_expired

    do_end_expired(now=timezone.now() + timedelta(days=2))
    joining.check_join(actor=_fresh(troll), community=community, affirmed=True)
    assert not Membership.objects.current().get(user=troll, community=community).is_suspended
    assert ModerationAction.objects.filter(kind=Kind.UNSUSPEND, member=troll).count() == 1


def _removal_in_voting(**charter):
    """Five members; the first proposes removing the fifth, two second, voting opens."""
    community, members = community_with_members(5, **charter)
    proposal = _seek(
        community, members[0].user, kind=Proposal.Kind.REMOVE_MEMBER, target=members[4]
    )
    proposal = _open_voting(_second(proposal, [m.user for m in members[1:3]]))
    return community, members, members[4], proposal


def _four_vote_for(proposal, members):
    for m in members[:4]:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    return _close(proposal)


def test_finding_4_leaving_and_rejoining_during_a_removal_vote_does_not_escape_it():
    community, members, target, proposal = _removal_in_voting()
    joining.check_leave(actor=target.user, community=community)
    joining.check_join(actor=_fresh(target.user), community=community, affirmed=True)
    proposal = _four_vote_for(proposal, members)
    assert proposal.state == State.PASSED
    assert not _is_member(target.user, community)
    assert not Membership.objects.current().filter(user=target.user, community=community).exists()
    assert ModerationAction.objects.filter(kind=Kind.REMOVE, member=target.user).count() == 1
    with pytest.raises((ValidationError, PermissionDenied)):
        check_create_thread(actor=_fresh(target.user), community=community, title="Back", body="Hi")


def test_finding_4_a_removed_member_cannot_join_an_open_community_again_at_once():
    community, members, target, proposal = _removal_in_voting()
    _four_vote_for(proposal, members)
    with pytest.raises(ValidationError, match="removed you"):
        joining.check_join(actor=_fresh(target.user), community=community, affirmed=True)
    assert members_permissions.join_option(_fresh(target.user), community).kind == "apply"
    # The way back: an application that a member admits.
    application = applications.check_apply(
        actor=target.user, community=community, motivation="I am sorry.", affirmed=True
    )
    applications.check_decide_application(
        actor=members[1].user, application=application, admit=True
    )
    assert _is_member(target.user, community)


def test_finding_4_a_removed_member_may_join_again_after_the_charter_cool_off():
    community, members, target, proposal = _removal_in_voting(charter__removal_cooloff_days=30)
    _four_vote_for(proposal, members)
    Membership.objects.filter(user=target.user).update(
        removed_at=timezone.now() - timedelta(days=31)
    )
    joining.check_join(actor=_fresh(target.user), community=community, affirmed=True)
    assert _is_member(target.user, community)


def test_finding_4_a_removal_of_someone_who_left_logs_no_removal_but_still_bars_joining():
    community, members, target, proposal = _removal_in_voting()
    joining.check_leave(actor=target.user, community=community)
    proposal = _four_vote_for(proposal, members)
    assert proposal.state == State.PASSED and "already left" in proposal.result_reason
    assert not ModerationAction.objects.filter(kind=Kind.REMOVE).exists()
    with pytest.raises(ValidationError, match="removed you"):
        joining.check_join(actor=_fresh(target.user), community=community, affirmed=True)


def test_finding_4_a_removed_member_cannot_come_back_through_an_invitation():
    community, members, target, proposal = _removal_in_voting()
    _four_vote_for(proposal, members)
    invitation = invitations.check_invite(
        actor=members[1].user, community=community, username=target.user.username
    )
    with pytest.raises(ValidationError, match="removed you"):
        invitations.check_accept_invitation(actor=target.user, invitation=invitation, affirmed=True)
    assert not _is_member(target.user, community)


def test_finding_4_a_recall_of_someone_no_longer_moderator_logs_no_term_end():
    community = CommunityFactory(charter__seconds_required=2)
    cass = moderator_membership(community, founder=True)
    ada, ben, dee = (MembershipFactory(community=community, founder=True).user for _ in range(3))
    proposal = _open_voting(
        _second(_seek(community, ada, kind=Proposal.Kind.RECALL_MODERATOR, target=cass), [ben, dee])
    )
    joining.check_leave(actor=cass.user, community=community)
    for user in (ada, ben, dee):
        check_cast_vote(actor=user, proposal=proposal, choice="for")
    proposal = _close(proposal)
    assert proposal.state == State.PASSED
    assert not ModerationAction.objects.filter(kind=Kind.TERM_END).exists()


# --- Finding 5: three day-old accounts hide any post ---------------------------------------


def test_finding_5_day_old_accounts_do_not_hide_a_post():
    community = CommunityFactory()
    author = MembershipFactory(community=community, founder=True).user
    puppets = [UserFactory() for _ in range(3)]
    for puppet in puppets:
        joining.check_join(actor=puppet, community=community, affirmed=True)
    _thread, post = thread_with_post(community=community, author=author)  # written after
    for puppet in puppets:
        check_flag_post(actor=puppet, post=post, reason="spam")
    post.refresh_from_db()
    assert not post.is_hidden


def test_finding_5_established_members_hide_a_post():
    community = CommunityFactory(activated_at=timezone.now() - timedelta(days=30))
    author = MembershipFactory(community=community, founder=True).user
    _thread, post = thread_with_post(community=community, author=author)
    seasoned = []
    for _ in range(3):
        m = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=8))
        thread_with_post(community=community, author=m.user)  # has posted here
        seasoned.append(m.user)
    for user in seasoned:
        check_flag_post(actor=user, post=post, reason="spam")
    post.refresh_from_db()
    assert post.is_hidden


def test_finding_5_a_member_of_eight_days_who_never_took_part_is_not_established():
    community = CommunityFactory(activated_at=timezone.now() - timedelta(days=30))
    idle = MembershipFactory(community=community, joined_at=timezone.now() - timedelta(days=8))
    assert not moderation_permissions.is_established(idle.user, community)
    thread_with_post(community=community, author=idle.user)
    assert moderation_permissions.is_established(idle.user, community)


# --- Finding 6: suspended members keep governance powers (voting) --------------------------


def test_finding_6_a_member_suspended_during_voting_cannot_vote_until_it_ends():
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    members = [MembershipFactory(community=community, founder=True) for _ in range(4)]
    proposal = _seek(community, members[0].user, kind=Proposal.Kind.AMEND_PURPOSE,
                     proposed=_purpose(community))  # fmt: skip
    proposal = _open_voting(_second(proposal, [members[1].user, members[2].user]))
    _suspend(mod, community, members[3].user, days=1)
    with pytest.raises(ProposalError, match="suspended"):
        check_cast_vote(actor=members[3].user, proposal=proposal, choice="against")
    assert members[3].user_id in _electorate(proposal)
    assert not proposal.votes.exists()
    # The suspension ends before the close: their vote is theirs again.
    Membership.objects.filter(user=members[3].user).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )
    check_cast_vote(actor=_fresh(members[3].user), proposal=proposal, choice="against")
    assert proposal.votes.filter(user=members[3].user).count() == 1


def _purpose(community):
    from purposes.charter_diff import CharterText

    text = community.charter.text()
    return CharterText(purpose=text.purpose + " And bees.", goals=text.goals, rules=text.rules)


# --- Finding 11: sock puppets pack an electorate ------------------------------------------


def test_finding_11_accounts_that_join_during_discussion_do_not_vote():
    community, members = community_with_members(4)
    proposal = _seek(community, members[0].user, kind=Proposal.Kind.AMEND_PURPOSE,
                     proposed=_purpose(community))  # fmt: skip
    proposal = _second(proposal, [members[1].user, members[2].user])
    assert proposal.state == State.DISCUSSION
    puppets = [UserFactory() for _ in range(10)]
    for puppet in puppets:
        joining.check_join(actor=puppet, community=community, affirmed=True)
    proposal = _open_voting(proposal)
    assert _electorate(proposal) == {m.user_id for m in members}
    assert proposal.electorate_size == 4 and proposal.active_electorate_size == 4
    with pytest.raises(ProposalError, match="electorate"):
        check_cast_vote(actor=puppets[0], proposal=proposal, choice="against")


def test_finding_11_leaving_and_rejoining_during_discussion_leaves_the_electorate():
    community, members = community_with_members(4)
    proposal = _second(
        _seek(community, members[0].user, kind="purpose", proposed=_purpose(community)),
        [members[1].user, members[2].user],
    )
    joining.check_leave(actor=members[3].user, community=community)
    joining.check_join(actor=_fresh(members[3].user), community=community, affirmed=True)
    proposal = _open_voting(proposal)
    assert members[3].user_id not in _electorate(proposal)


def test_finding_11_the_charter_may_ask_for_a_minimum_membership_age_to_vote():
    community, members = community_with_members(4, charter__voting_min_days=30)
    Membership.objects.filter(pk__in=[m.pk for m in members[:3]]).update(
        joined_at=timezone.now() - timedelta(days=60)
    )
    proposal = _second(
        _seek(community, members[0].user, kind="purpose", proposed=_purpose(community)),
        [members[1].user, members[2].user],
    )
    proposal = _open_voting(proposal)
    assert _electorate(proposal) == {m.user_id for m in members[:3]}


def test_finding_11_sock_puppets_do_not_sit_on_juries():
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    author = MembershipFactory(community=community, founder=True).user
    _thread, post = thread_with_post(community=community, author=author)
    _suspend(mod, community, author, days=3)
    puppets = [UserFactory() for _ in range(6)]
    for puppet in puppets:
        joining.check_join(actor=puppet, community=community, affirmed=True)
    decision = ModerationAction.objects.get(kind=Kind.SUSPEND, member=author)
    appeal = check_file_appeal(actor=author, decision=decision, statement="I was not rude.")
    jurors = set(appeal.jurors.values_list("user", flat=True))
    assert not jurors & {p.pk for p in puppets}
    assert Post.objects.filter(pk=post.pk).exists()


# --- What the proposal page says about the electorate ---------------------------------------


def test_proposal_page_says_why_a_newcomer_does_not_vote_and_a_suspended_member_waits(client):
    community = CommunityFactory()
    mod = moderator_membership(community, founder=True).user
    members = [MembershipFactory(community=community, founder=True) for _ in range(4)]
    proposal = _seek(community, members[0].user, kind="purpose", proposed=_purpose(community))
    proposal = _second(proposal, [members[1].user, members[2].user])
    newcomer = UserFactory()
    joining.check_join(actor=newcomer, community=community, affirmed=True)
    client.force_login(newcomer)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "You joined after this proposal’s discussion began" in page
    proposal = _open_voting(proposal)
    _suspend(mod, community, members[3].user, days=2)
    client.force_login(members[3].user)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "You stay in the electorate" in page
    assert "Vote for" not in page
    client.force_login(members[1].user)
    assert "Vote for" in client.get(proposal.get_absolute_url()).content.decode()
