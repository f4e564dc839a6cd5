"""The membership state machine under any sequence of actions (R1, R5): join, leave,
rejoin, suspend, lift, remove, apply, admit and accept an invitation, in any order, by
any of the actors. Whatever happens, a suspended or removed person cannot post or vote,
and nobody holds a membership they did not ask for."""

import contextlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from community import permissions as community_permissions
from members import applications, invitations, joining, permissions, standing
from members.models import Application, Membership, User
from moderation.suspensions import check_suspend_member, do_end_expired
from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.guards import ProposalError
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, moderator_membership

PEOPLE = 2  # few people, so that actions collide on the same person often
person = st.integers(min_value=0, max_value=PEOPLE - 1)
REFUSED = (ValidationError, PermissionDenied, ProposalError)


def _fresh(user: User) -> User:
    """As the next request loads it: memberships are cached on the user per request."""
    return User.objects.get(pk=user.pk)


class MembershipMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.community = CommunityFactory(charter__seconds_required=1)
        self.moderator = moderator_membership(self.community, founder=True).user
        self.host = MembershipFactory(community=self.community, founder=True).user
        self.people = [UserFactory() for _ in range(PEOPLE)]
        for user in self.people:  # members before the proposal's discussion: its electorate
            MembershipFactory(community=self.community, user=user, founder=True)
        self.asks = dict.fromkeys(range(PEOPLE), 1)  # the factory row stands for one join
        self.suspended: set[int] = set()
        self.removed: set[int] = set()  # out until members admit them
        self.barred: set[int] = set()  # removed within the cool-off: applications only
        self.proposal = self._proposal_in_voting()

    def _proposal_in_voting(self) -> Proposal:
        text = self.community.charter.text()
        proposal = check_create_proposal(
            actor=self.host, community=self.community, kind="purpose", title="Bees",
            rationale="Bees.", proposed=text.__class__(
                purpose=text.purpose + " Bees.", goals=text.goals, rules=text.rules
            ),
        )  # fmt: skip
        check_submit_proposal(actor=self.host, proposal=proposal)
        check_second_proposal(actor=self.moderator, proposal=proposal)
        proposal.refresh_from_db()
        do_sweep(now=proposal.discussion_ends_at)
        proposal.refresh_from_db()
        assert proposal.state == Proposal.State.VOTING
        return proposal

    def _user(self, i: int) -> User:
        return _fresh(self.people[i])

    # --- What people do -------------------------------------------------------------------

    @rule(i=person)
    def join(self, i):
        self.asks[i] += 1
        try:
            joining.check_join(actor=self._user(i), community=self.community, affirmed=True)
        except ValidationError:
            assert i in self.barred, "only a removed person is refused at an open door"

    @rule(i=person)
    def leave(self, i):
        with contextlib.suppress(ValidationError):  # not a member
            joining.check_leave(actor=self._user(i), community=self.community)

    @rule(i=person)
    def accept_an_invitation(self, i):
        try:
            invitation = invitations.check_invite(
                actor=_fresh(self.host), community=self.community, username=self.people[i].username
            )
        except REFUSED:
            return  # already a member, or invited
        self.asks[i] += 1
        try:
            invitations.check_accept_invitation(
                actor=self._user(i), invitation=invitation, affirmed=True
            )
        except ValidationError:
            assert i in self.barred

    @rule(i=person, admit=st.booleans())
    def apply_and_be_decided(self, i, admit):
        try:
            application = applications.check_apply(
                actor=self._user(i), community=self.community, motivation="Please.", affirmed=True
            )
        except ValidationError:
            return  # a member already, or an open community that takes no applications
        assert i in self.barred, "an open community takes applications only to return"
        self.asks[i] += 1
        applications.check_decide_application(
            actor=_fresh(self.moderator), application=application, admit=admit
        )
        if admit:
            self.removed.discard(i)

    # --- What moderators and votes do -----------------------------------------------------

    @rule(i=person)
    def suspend(self, i):
        try:
            check_suspend_member(
                actor=_fresh(self.moderator), community=self.community,
                username=self.people[i].username, days=3, reason="Rude",
            )  # fmt: skip
        except ValidationError:
            return  # not a current member
        self.suspended.add(i)

    @rule()
    def suspensions_run_out(self):
        do_end_expired(now=timezone.now() + timedelta(days=15))
        self.suspended.clear()

    @rule(i=person)
    def removal_passes(self, i):
        standing.do_remove_member(user=self.people[i], community=self.community, at=timezone.now())
        self.removed.add(i)
        self.barred.add(i)
        Application.objects.filter(user=self.people[i], state="pending").update(state="withdrawn")

    # --- What must always hold --------------------------------------------------------------

    @invariant()
    def suspended_people_neither_post_nor_vote(self):
        for i in self.suspended:
            user = self._user(i)
            assert not community_permissions.can_post(user, self.community)
            with pytest.raises(ProposalError):
                check_cast_vote(actor=user, proposal=self.proposal, choice="for")

    @invariant()
    def removed_people_are_out_until_members_admit_them(self):
        for i in self.removed:
            user = self._user(i)
            assert not permissions.is_member(user, self.community)
            assert not community_permissions.can_post(user, self.community)
            with pytest.raises(ProposalError):
                check_cast_vote(actor=user, proposal=self.proposal, choice="for")

    @invariant()
    def nobody_holds_a_membership_they_did_not_ask_for(self):
        for i, user in enumerate(self.people):
            rows = Membership.objects.filter(user=user, community=self.community).count()
            assert rows <= self.asks[i]
            assert Membership.objects.current().filter(user=user).count() <= 1


@pytest.mark.django_db
def test_membership_state_machine_never_lets_a_suspended_or_removed_person_post_or_vote():
    run_state_machine_as_test(
        MembershipMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
