"""Invitations: any member invites an existing user; only the invitee's acceptance makes
them a member (R1), and no account is ever created."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from members import permissions
from members.joining import do_join, ensure_affirmed, ensure_open
from members.models import Invitation, Membership, User
from notifications.actions import do_notify
from notifications.models import Notification

INVITATION_LIFETIME = timedelta(days=14)


def check_invite(*, actor: User, community: Community, username: str) -> Invitation:
    """Any member may invite an existing user by username. Nobody is made a member by
    this; no account is ever created."""
    if community.is_read_only:
        raise PermissionDenied(community.read_only_message())
    if community.founded_by_claim_only:
        raise ValidationError(
            _(
                "While it forms, only its former members found this community, each with "
                "their claim token: invite others once it is active."
            ),
            code="claim_only",
        )
    if not permissions.can_invite(actor, community):
        raise PermissionDenied(_("Only members of this community can invite."))
    username = (username or "").strip().lstrip("@")
    if not username:
        raise ValidationError(_("Enter the username of the person to invite."), code="required")
    invitee = User.objects.filter(username__iexact=username, is_active=True).first()
    if invitee is None:
        raise ValidationError(
            _(
                "Nobody here has the username “%(username)s”. Invitations go only to people "
                "who already have an account."
            )
            % {"username": username},
            code="unknown_user",
        )
    if invitee.pk == actor.pk:
        raise ValidationError(_("You can’t invite yourself."), code="self")
    if permissions.is_member(invitee, community):
        raise ValidationError(
            _("%(name)s is already a member.") % {"name": invitee.shown_name}, code="member"
        )
    if Invitation.objects.pending().filter(invitee=invitee, community=community).exists():
        raise ValidationError(
            _("%(name)s already has an open invitation to this community.")
            % {"name": invitee.shown_name},
            code="already_invited",
        )
    return do_invite(community=community, inviter=actor, invitee=invitee)


def do_invite(*, community: Community, inviter: User, invitee: User) -> Invitation:
    now = timezone.now()
    with transaction.atomic():
        # An earlier invitation that ran out unanswered makes room for this one.
        Invitation.objects.filter(
            invitee=invitee,
            community=community,
            state=Invitation.State.PENDING,
            expires_at__lte=now,
        ).update(state=Invitation.State.EXPIRED)
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    community=community,
                    inviter=inviter,
                    invitee=invitee,
                    created_at=now,
                    expires_at=now + INVITATION_LIFETIME,
                )
        except IntegrityError:
            return Invitation.objects.pending().get(invitee=invitee, community=community)
    do_notify(
        recipients=[invitee],
        kind=Notification.Kind.INVITATION,
        text=_("%(inviter)s invited you to join %(community)s.")
        % {"inviter": inviter.shown_name, "community": community.name},
        url=reverse("members:invitations"),
        community=community,
        actor=inviter,
    )
    return invitation


def _require_open_invitation(invitation: Invitation) -> None:
    if invitation.state == Invitation.State.ACCEPTED:
        raise ValidationError(_("You have already accepted this invitation."), code="accepted")
    if invitation.state == Invitation.State.DECLINED:
        raise ValidationError(_("You declined this invitation."), code="declined")
    if invitation.state == Invitation.State.EXPIRED or invitation.is_expired:
        raise ValidationError(
            _("This invitation has expired. Ask a member to invite you again."), code="expired"
        )


def check_accept_invitation(*, actor: User, invitation: Invitation, affirmed: bool) -> Membership:
    if invitation.invitee_id != actor.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    ensure_affirmed(affirmed)
    return do_accept_invitation(invitation=invitation)


def do_accept_invitation(*, invitation: Invitation) -> Membership:
    """Accept as the invitee: the membership is theirs, made by this act (R1)."""
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("community", "invitee")
            .get(pk=invitation.pk)
        )
        _require_open_invitation(locked)
        ensure_open(locked.community)
        membership = do_join(user=locked.invitee, community=locked.community)
        locked.state = Invitation.State.ACCEPTED
        locked.responded_at = timezone.now()
        locked.save(update_fields=["state", "responded_at"])
    return membership


def check_decline_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    if invitation.invitee_id != actor.pk:
        raise PermissionDenied(_("This invitation is for someone else."))
    return do_decline_invitation(invitation=invitation)


def do_decline_invitation(*, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        _require_open_invitation(locked)
        locked.state = Invitation.State.DECLINED
        locked.responded_at = timezone.now()
        locked.save(update_fields=["state", "responded_at"])
    return locked
