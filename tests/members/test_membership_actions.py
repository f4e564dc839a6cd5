"""Joining, applying, inviting, leaving: the actions, their refusals, and R1."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from members import applications, invitations, joining, profiles
from members.models import Application, Invitation, Membership, User
from notifications.models import Notification
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """A new instance, as a new request would have (no per-request caches)."""
    return User.objects.get(pk=user.pk)


def current(user, community):
    return Membership.objects.current().filter(user=user, community=community)


# --- Joining ---------------------------------------------------------------------------


def test_check_join_makes_the_actor_a_member_affirming_the_charter():
    community = CommunityFactory()
    user = UserFactory()
    membership = joining.check_join(actor=user, community=community, affirmed=True)
    assert membership.user == user and membership.affirmed_charter == community.charter


def test_check_join_twice_returns_the_same_membership():
    community = CommunityFactory()
    user = UserFactory()
    first = joining.check_join(actor=user, community=community, affirmed=True)
    second = joining.check_join(actor=fresh(user), community=community, affirmed=True)
    assert first.pk == second.pk and current(user, community).count() == 1


def test_check_join_refused_without_affirming():
    community = CommunityFactory()
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        joining.check_join(actor=user, community=community, affirmed=False)
    assert error.value.code == "not_affirmed" and not current(user, community).exists()


@pytest.mark.parametrize(
    ("state", "policy", "code"),
    [
        ("dissolved", "open", "dissolved"),
        ("active", "application", "needs_application"),
        ("active", "invitation", "needs_invitation"),
    ],
)
def test_check_join_refused_by_state_or_policy(state, policy, code):
    community = CommunityFactory(state=state, visibility="members", charter__join_policy=policy)
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        joining.check_join(actor=user, community=community, affirmed=True)
    assert error.value.code == code and not current(user, community).exists()


def test_leave_keeps_the_row_and_rejoining_makes_a_new_one():
    community = CommunityFactory()
    user = UserFactory()
    first = joining.check_join(actor=user, community=community, affirmed=True)
    joining.check_leave(actor=fresh(user), community=community)
    first.refresh_from_db()
    assert first.left_at is not None
    again = joining.check_join(actor=fresh(user), community=community, affirmed=True)
    assert again.pk != first.pk and again.left_at is None
    assert Membership.objects.filter(user=user, community=community).count() == 2


def test_leave_refused_to_non_member():
    with pytest.raises(ValidationError):
        joining.check_leave(actor=UserFactory(), community=CommunityFactory())


def test_rejoining_follows_the_current_policy():
    community = CommunityFactory()
    user = UserFactory()
    joining.check_join(actor=user, community=community, affirmed=True)
    joining.check_leave(actor=fresh(user), community=community)
    community.charter.join_policy = "invitation"
    community.charter.save()
    with pytest.raises(ValidationError):
        joining.check_join(actor=fresh(user), community=community, affirmed=True)


# --- Applications ----------------------------------------------------------------------


@pytest.fixture
def by_application():
    community = CommunityFactory(charter__join_policy="application")
    earlier = timezone.now() - timedelta(days=30)
    elder = MembershipFactory(community=community, joined_at=earlier).user
    return community, elder


def apply(user, community, motivation="I share this purpose."):
    return applications.check_apply(
        actor=user, community=community, motivation=motivation, affirmed=True
    )


def test_apply_then_admit_makes_the_applicant_a_member_and_tells_them(by_application):
    community, elder = by_application
    applicant = UserFactory()
    application = apply(applicant, community)
    assert not current(applicant, community).exists()
    assert Notification.objects.filter(recipient=elder, kind="application").exists()
    applications.check_decide_application(
        actor=elder, application=application, admit=True, reason="Welcome"
    )
    application.refresh_from_db()
    assert application.state == "admitted" and application.decided_by == elder
    assert application.reason == "Welcome"
    assert current(applicant, community).get().affirmed_charter == community.charter
    note = Notification.objects.get(recipient=applicant, kind="application")
    assert "accepted" in note.text and "Welcome" in note.text


def test_decline_keeps_the_reason_and_makes_no_member(by_application):
    community, elder = by_application
    applicant = UserFactory()
    application = apply(applicant, community)
    applications.check_decide_application(
        actor=elder, application=application, admit=False, reason="Not now"
    )
    application.refresh_from_db()
    assert (application.state, application.reason) == ("declined", "Not now")
    assert not current(applicant, community).exists()
    assert "declined" in Notification.objects.get(recipient=applicant).text


@pytest.mark.parametrize(
    ("motivation", "code"), [("   ", "motivation_required"), ("x" * 2001, "motivation_too_long")]
)
def test_apply_refuses_empty_or_long_motivation(by_application, motivation, code):
    community, _elder = by_application
    with pytest.raises(ValidationError) as error:
        apply(UserFactory(), community, motivation)
    assert error.value.code == code and not Application.objects.exists()


def test_apply_twice_returns_the_pending_application(by_application):
    community, _elder = by_application
    user = UserFactory()
    assert apply(user, community).pk == apply(fresh(user), community).pk
    assert Application.objects.count() == 1


def test_apply_refused_to_member_and_in_open_community(by_application):
    community, elder = by_application
    with pytest.raises(ValidationError):
        apply(elder, community)
    with pytest.raises(ValidationError):
        apply(UserFactory(), CommunityFactory())
    assert not Application.objects.exists()


def test_admitting_twice_is_refused_with_one_decision(by_application):
    community, elder = by_application
    other_elder = MembershipFactory(
        community=community, joined_at=timezone.now() - timedelta(days=3)
    ).user
    application = apply(UserFactory(), community)
    applications.check_decide_application(actor=elder, application=application, admit=True)
    # The second decider acts on the application as loaded before the first decision.
    stale = Application.objects.get(pk=application.pk)
    stale.state = "pending"
    with pytest.raises(ValidationError) as error:
        applications.check_decide_application(actor=other_elder, application=stale, admit=False)
    assert error.value.code == "already_admitted"
    application.refresh_from_db()
    assert application.state == "admitted" and application.decided_by == elder
    assert current(application.user, community).count() == 1


def test_admitting_after_withdrawal_is_refused(by_application):
    community, elder = by_application
    applicant = UserFactory()
    application = apply(applicant, community)
    applications.check_withdraw_application(actor=applicant, application=application)
    with pytest.raises(ValidationError) as error:
        applications.check_decide_application(actor=elder, application=application, admit=True)
    assert error.value.code == "already_withdrawn"
    assert not current(applicant, community).exists()


def test_withdraw_only_by_the_applicant(by_application):
    community, elder = by_application
    application = apply(UserFactory(), community)
    with pytest.raises(PermissionDenied):
        applications.check_withdraw_application(actor=elder, application=application)
    application.refresh_from_db()
    assert application.is_pending


def test_members_who_joined_after_the_application_cannot_decide(by_application):
    community, _elder = by_application
    application = apply(UserFactory(), community)
    newcomer = MembershipFactory(community=community).user
    with pytest.raises(PermissionDenied):
        applications.check_decide_application(actor=newcomer, application=application, admit=True)


def test_with_moderators_only_moderators_decide(by_application):
    community, elder = by_application
    moderator = MembershipFactory(
        community=community, role="moderator", joined_at=timezone.now() - timedelta(days=10)
    ).user
    application = apply(UserFactory(), community)
    with pytest.raises(PermissionDenied):
        applications.check_decide_application(
            actor=fresh(elder), application=application, admit=True
        )
    applications.check_decide_application(actor=moderator, application=application, admit=True)
    application.refresh_from_db()
    assert application.state == "admitted"


def test_staff_and_outsiders_cannot_decide(by_application):
    community, _elder = by_application
    application = apply(UserFactory(), community)
    staff = UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        applications.check_decide_application(actor=staff, application=application, admit=True)
    application.refresh_from_db()
    assert application.is_pending


# --- Invitations -----------------------------------------------------------------------


@pytest.fixture
def by_invitation():
    community = CommunityFactory(charter__join_policy="invitation", visibility="members")
    return community, MembershipFactory(community=community).user


def invite(inviter, community, username):
    return invitations.check_invite(actor=inviter, community=community, username=username)


def test_invite_then_accept_makes_the_invitee_a_member(by_invitation):
    community, member = by_invitation
    invitee = UserFactory()
    invitation = invite(member, community, invitee.username.upper())
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert Notification.objects.filter(recipient=invitee, kind="invitation").exists()
    assert not current(invitee, community).exists()
    invitations.check_accept_invitation(actor=invitee, invitation=invitation, affirmed=True)
    invitation.refresh_from_db()
    assert invitation.state == "accepted" and current(invitee, community).exists()


def test_an_invitation_never_accepted_makes_no_member(by_invitation):
    """R1: inviting someone is an offer; without their act they are not a member."""
    community, member = by_invitation
    invitee = UserFactory()
    invite(member, community, invitee.username)
    assert not current(invitee, community).exists()
    assert Membership.objects.filter(community=community).count() == 1


def test_decline_makes_no_member_and_cannot_be_accepted_after(by_invitation):
    community, member = by_invitation
    invitee = UserFactory()
    invitation = invite(member, community, invitee.username)
    invitations.check_decline_invitation(actor=invitee, invitation=invitation)
    with pytest.raises(ValidationError) as error:
        invitations.check_accept_invitation(actor=invitee, invitation=invitation, affirmed=True)
    assert error.value.code == "declined" and not current(invitee, community).exists()


def test_expired_invitation_is_refused_and_can_be_renewed(by_invitation):
    community, member = by_invitation
    invitee = UserFactory()
    invitation = invite(member, community, invitee.username)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    invitation.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        invitations.check_accept_invitation(actor=invitee, invitation=invitation, affirmed=True)
    assert error.value.code == "expired" and not current(invitee, community).exists()
    renewed = invite(member, community, invitee.username)
    invitation.refresh_from_db()
    assert invitation.state == "expired" and renewed.is_open


def test_someone_elses_invitation_is_refused(by_invitation):
    community, member = by_invitation
    invitation = invite(member, community, UserFactory().username)
    intruder = UserFactory()
    with pytest.raises(PermissionDenied):
        invitations.check_accept_invitation(actor=intruder, invitation=invitation, affirmed=True)
    with pytest.raises(PermissionDenied):
        invitations.check_decline_invitation(actor=intruder, invitation=invitation)
    assert not current(intruder, community).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


@pytest.mark.parametrize("who", ["self", "member", "unknown", "empty"])
def test_invite_refuses_self_member_unknown_and_empty(by_invitation, who):
    community, member = by_invitation
    username = {
        "self": member.username,
        "member": MembershipFactory(community=community).user.username,
        "unknown": "nobody-by-this-name",
        "empty": " ",
    }[who]
    users_before = User.objects.count()
    with pytest.raises(ValidationError):
        invite(member, community, username)
    assert not Invitation.objects.exists()
    assert User.objects.count() == users_before  # no account is ever created


def test_invite_twice_is_refused_and_keeps_one_invitation(by_invitation):
    community, member = by_invitation
    invitee = UserFactory()
    invite(member, community, invitee.username)
    with pytest.raises(ValidationError) as error:
        invite(member, community, invitee.username)
    assert error.value.code == "already_invited" and Invitation.objects.count() == 1


def test_outsider_cannot_invite(by_invitation):
    community, _member = by_invitation
    with pytest.raises(PermissionDenied):
        invite(UserFactory(), community, UserFactory().username)


def test_accept_requires_affirming(by_invitation):
    community, member = by_invitation
    invitee = UserFactory()
    invitation = invite(member, community, invitee.username)
    with pytest.raises(ValidationError):
        invitations.check_accept_invitation(actor=invitee, invitation=invitation, affirmed=False)
    assert not current(invitee, community).exists()


# --- Profiles ---------------------------------------------------------------------------


def test_update_profile_only_ones_own():
    user, other = UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(PermissionDenied):
        profiles.check_update_profile(actor=other, user=user, display_name="Hacked", bio="")
    profiles.check_update_profile(actor=user, user=user, display_name=" Ann ", bio="Hi")
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Ann", "Hi")
