"""Writes of the members app: joining, applying, inviting, leaving, profiles (R1).

Every membership row is created by ``do_join`` for the user whose own action led to it:
joining, having applied (and being admitted), or accepting an invitation. There is no
parameter anywhere for "add this other person". ``check_*`` authorises and validates,
then calls ``do_*``; refusals of bad input are ``ValidationError`` with a message for
people, refusals of authority are ``PermissionDenied``.
"""

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core.text import clean_line, clean_text
from members import avatars, permissions
from members.models import Application, Avatar, Invitation, Membership, PlatformLogEntry, User
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.models import JoinPolicy

INVITATION_LIFETIME = timedelta(days=14)
MAX_MOTIVATION_CHARS = 2000
MAX_REASON_CHARS = 500
MAX_LOCK_REASON_CHARS = 1000
# An application notifies at most this many deciders (moderators, or else the longest-
# standing members), so a big community is not pinged as a whole.
MAX_APPLICATION_NOTICES = 20


def do_delete_unverified_signups(*, joined_before: datetime) -> int:
    """Delete accounts that never verified an email address and signed up before the cutoff.

    Such an account never logged in (verification is mandatory), so it has no memberships,
    posts or votes. Idempotent: a second run finds nothing left to delete.
    """
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    # An account staff locked stays, so the public log entry keeps naming it.
    logged = PlatformLogEntry.objects.filter(member=OuterRef("pk"))
    stale = (
        User.objects.filter(
            date_joined__lt=joined_before,
            is_staff=False,
            is_superuser=False,
            last_login__isnull=True,
        )
        .exclude(Exists(verified))
        .exclude(Exists(logged))
    )
    deleted = 0
    for user in stale.iterator():
        user.delete()
        deleted += 1
    return deleted


# --- Results of proposals (purposes.closing applies them) ------------------------------
# A proposal names a member, but its result belongs to the person: it applies to whatever
# membership row is current when the vote closes (they may have left and rejoined since).
# Each returns whether anything changed, so the log records only what did.


def do_grant_moderator(*, user: User, community: Community, term_ends_at: datetime) -> bool:
    """Make a current member a moderator until ``term_ends_at`` (an election passed)."""
    return bool(
        Membership.objects.current()
        .of_person(user, community)
        .update(role=Membership.Role.MODERATOR, moderator_term_ends_at=term_ends_at)
    )


def do_end_moderator_term(*, user: User, community: Community) -> bool:
    """Return a moderator to the member role (a recall passed)."""
    return bool(
        Membership.objects.current()
        .of_person(user, community)
        .filter(role=Membership.Role.MODERATOR)
        .update(role=Membership.Role.MEMBER, moderator_term_ends_at=None)
    )


def do_remove_member(*, user: User, community: Community, at: datetime) -> bool:
    """A removal proposal passed: end the person's current membership, if any, and mark
    the removal on their latest row either way, so that leaving during the vote does not
    escape it (they may return only by application until the cool-off passes). The row
    and the member's posts are kept. Returns whether a current membership ended."""
    rows = Membership.objects.of_person(user, community)
    ended = rows.current().update(
        left_at=at, role=Membership.Role.MEMBER, moderator_term_ends_at=None, removed_at=at
    )
    if not ended:
        latest = rows.order_by("-joined_at", "-pk").first()
        if latest is not None:
            Membership.objects.filter(pk=latest.pk).update(removed_at=at)
    _forget_cached_membership(user, community)
    return bool(ended)


# --- Joining ---------------------------------------------------------------------------


def _refuse_closed(community: Community) -> None:
    if community.is_dissolved:
        raise ValidationError(
            _(
                "This community has been dissolved: it is a read-only archive "
                "and takes no new members."
            ),
            code="dissolved",
        )


def _require_affirmed(affirmed: bool) -> None:
    if not affirmed:
        raise ValidationError(
            _("Joining means affirming the purpose: tick “I affirm this purpose” to go on."),
            code="not_affirmed",
        )


def _refuse_removed(user: User, community: Community) -> None:
    if permissions.removal_in_force(user, community) is not None:
        raise ValidationError(
            _(
                "Members removed you from this community by a vote. You may come back "
                "only if members admit your application: write why you want to return."
            ),
            code="removed",
        )


def check_join(*, actor: User, community: Community, affirmed: bool) -> Membership:
    """Join an open community (or take a founder's place while it forms) as oneself.

    Joining twice is not an error: the current membership is returned unchanged.
    """
    existing = permissions.current_membership(actor, community)
    if existing is not None:
        return existing
    _refuse_closed(community)
    _refuse_removed(actor, community)
    policy = community.charter.join_policy
    if policy == JoinPolicy.APPLICATION:
        raise ValidationError(
            _("This community admits new members by application: write why you want to join."),
            code="needs_application",
        )
    if policy == JoinPolicy.INVITATION:
        raise ValidationError(
            _("This community takes new members by invitation only, and you have none."),
            code="needs_invitation",
        )
    _require_affirmed(affirmed)
    return do_join(user=actor, community=community)


def do_join(
    *,
    user: User,
    community: Community,
    charter=None,
    admitted: bool = False,
    endorse: bool = True,
) -> Membership:
    """Make ``user`` a current member, affirming ``charter`` (default: the one in force);
    with ``endorse`` False they affirm nothing yet and are asked to.

    Called only on the user's own action (joining, their admitted application, their
    accepted invitation). Locks the community row so that a forming community never
    takes more founders than its capacity, and so concurrent joins serialise. Returns
    the existing current membership if there is one.

    Standing follows the person, not the row: a suspension still running carries over to
    the new row, and a person removed by vote within the cool-off is refused unless
    members ``admitted`` their application.
    """
    with transaction.atomic():
        locked = Community.objects.select_for_update().get(pk=community.pk)
        existing = Membership.objects.current().filter(user=user, community=locked).first()
        if existing is not None:
            return existing
        if locked.is_dissolved:
            _refuse_closed(locked)
        if not admitted:
            _refuse_removed(user, locked)
        if locked.is_forming:
            founders = Membership.objects.current().filter(community=locked).count()
            if founders >= permissions.founding_capacity(locked):
                raise ValidationError(
                    _(
                        "Every founder’s place in this forming community is taken. "
                        "New members can join once it is active."
                    ),
                    code="founding_full",
                )
        now = timezone.now()
        suspension = (
            Membership.objects.of_person(user, locked)
            .filter(suspended_until__gt=now)
            .order_by("-suspended_until")
            .values("suspended_until", "suspension_reason")
            .first()
        ) or {}
        membership = Membership.objects.create(
            user=user,
            community=locked,
            joined_at=now,
            affirmed_charter_id=(
                None if not endorse else charter.pk if charter is not None else locked.charter_id
            ),
            affirmed_at=now if endorse else None,
            **suspension,
        )
        Community.objects.filter(pk=locked.pk).update(last_activity_at=now)
    _forget_cached_membership(user, community)
    return membership


def _forget_cached_membership(user, community: Community) -> None:
    user.__dict__.get("_membership_cache", {}).pop(community.pk, None)
    for attr in ("_founder_count", "_has_moderators"):
        community.__dict__.pop(attr, None)


def check_affirm_charter(*, actor: User, community: Community) -> Membership:
    """Affirm the charter in force (re-affirming after a change; endorsing while forming)."""
    membership = permissions.current_membership(actor, community)
    if membership is None:
        raise ValidationError(
            _("Only members affirm a community’s charter. Join it first."), code="not_member"
        )
    return do_affirm_charter(membership=membership)


def do_affirm_charter(*, membership: Membership) -> Membership:
    community = membership.community
    if membership.affirmed_charter_id != community.charter_id:
        membership.affirmed_charter_id = community.charter_id
        membership.affirmed_at = timezone.now()
        membership.save(update_fields=["affirmed_charter", "affirmed_at"])
    return membership


# --- Leaving ---------------------------------------------------------------------------


def check_leave(*, actor: User, community: Community) -> Membership:
    membership = permissions.current_membership(actor, community)
    if membership is None:
        raise ValidationError(_("You are not a member of this community."), code="not_member")
    left = do_leave(membership=membership)
    _forget_cached_membership(actor, community)
    return left


def do_leave(*, membership: Membership) -> Membership:
    """End a membership. The row stays (with left_at), and so do the member's posts."""
    updated = Membership.objects.filter(pk=membership.pk, left_at__isnull=True).update(
        left_at=timezone.now()
    )
    membership.refresh_from_db()
    if updated:
        _forget_cached_membership(membership.user, membership.community)
    return membership


# --- Applications ----------------------------------------------------------------------


def check_apply(
    *,
    actor: User,
    community: Community,
    motivation: str,
    affirmed: bool,
    revision: int | str | None = None,
) -> Application:
    """Apply to a community that admits by application. A second application while one
    is pending returns the pending one. ``revision``: the charter revision the applicant's
    page showed (posted by the join form of a forming community); by default the one in
    force."""
    if permissions.is_member(actor, community):
        raise ValidationError(_("You are already a member of this community."), code="member")
    _refuse_closed(community)
    # A removed member's way back is an application, whatever the join policy.
    removed = permissions.removal_in_force(actor, community) is not None
    if community.charter.join_policy != JoinPolicy.APPLICATION and not removed:
        raise ValidationError(
            _("This community does not take applications."), code="not_by_application"
        )
    motivation = (motivation or "").strip()
    if not motivation:
        raise ValidationError(
            _("Write a few words on why you want to join."), code="motivation_required"
        )
    if len(motivation) > MAX_MOTIVATION_CHARS:
        raise ValidationError(
            _("Keep it to %(max)d characters.") % {"max": MAX_MOTIVATION_CHARS},
            code="motivation_too_long",
        )
    _require_affirmed(affirmed)
    pending = Application.objects.pending().filter(user=actor, community=community).first()
    if pending is not None:
        return pending
    if permissions.is_founding_full(community):
        raise ValidationError(
            _("Every founder’s place in this forming community is taken."), code="founding_full"
        )
    if revision is None:
        revision = community.charter.revision
    try:
        revision = int(revision)
    except (TypeError, ValueError):
        revision = 0  # no charter has revision 0: an unreadable one endorses nothing
    return do_apply(user=actor, community=community, motivation=motivation, revision=revision)


def do_apply(
    *, user: User, community: Community, motivation: str, revision: int | None = None
) -> Application:
    """Record an application to the charter in force, at ``revision`` (the one the
    applicant read; by default the one in force)."""
    charter = community.charter
    try:
        with transaction.atomic():
            application = Application.objects.create(
                user=user,
                community=community,
                motivation=motivation,
                charter=charter,
                charter_revision=charter.revision if revision is None else revision,
            )
    except IntegrityError:
        # A concurrent request made the pending application first: that one stands.
        return Application.objects.pending().get(user=user, community=community)
    deciders = Membership.objects.current().filter(community=community).select_related("user")
    if permissions.has_moderators(community):
        deciders = deciders.filter(role=Membership.Role.MODERATOR)
    do_notify(
        recipients=[m.user for m in deciders.order_by("joined_at")[:MAX_APPLICATION_NOTICES]],
        kind=Notification.Kind.APPLICATION,
        text=_("%(user)s applied to join %(community)s.")
        % {"user": user.shown_name, "community": community.name},
        url=reverse("members:application", kwargs={"slug": community.slug, "pk": application.pk}),
        community=community,
        actor=user,
    )
    return application


def check_withdraw_application(*, actor: User, application: Application) -> Application:
    if application.user_id != actor.pk:
        raise PermissionDenied(_("Only the applicant can withdraw an application."))
    return do_withdraw_application(application=application)


def do_withdraw_application(*, application: Application) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        _require_pending(locked)
        locked.state = Application.State.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_at"])
    return locked


def _require_pending(application: Application) -> None:
    messages = {
        Application.State.ADMITTED: _("This application has already been admitted."),
        Application.State.DECLINED: _("This application has already been declined."),
        Application.State.WITHDRAWN: _("This application was withdrawn by the applicant."),
    }
    if application.state != Application.State.PENDING:
        raise ValidationError(messages[application.state], code=f"already_{application.state}")


def _read_the_charter(application: Application) -> bool:
    """Whether the applicant read the charter text admission would have them affirm: a
    forming community's founding charter may have been edited (a new revision) since they
    applied. If not, they join without endorsing it and are asked to, like any founder
    after an edit. An application older than revisions on record is trusted only where
    the charter can no longer change (an active community's)."""
    charter = application.charter
    if charter is None:
        return True
    if application.charter_revision is None:
        return not application.community.is_forming
    return application.charter_revision == charter.revision


def check_decide_application(
    *, actor: User, application: Application, admit: bool, reason: str = ""
) -> Application:
    """Admit or decline an application: by a moderator, or where there is none, by a
    member who joined before the application. One decision, whoever clicks first."""
    if not permissions.can_decide_application(actor, application):
        raise PermissionDenied(_("You may not decide this application."))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            _("Keep the reason to %(max)d characters.") % {"max": MAX_REASON_CHARS},
            code="reason_too_long",
        )
    return do_decide_application(application=application, decider=actor, admit=admit, reason=reason)


def do_decide_application(
    *, application: Application, decider: User, admit: bool, reason: str
) -> Application:
    """Record the decision and, on admission, make the applicant a member.

    The application row is locked and its state checked inside the transaction, so two
    deciders clicking at once produce one decision; the second is refused.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("community", "user", "charter")
            .get(pk=application.pk)
        )
        _require_pending(locked)
        _refuse_closed(locked.community)
        if admit:
            do_join(
                user=locked.user,
                community=locked.community,
                charter=locked.charter,
                admitted=True,
                endorse=_read_the_charter(locked),
            )
        locked.state = Application.State.ADMITTED if admit else Application.State.DECLINED
        locked.decided_at = timezone.now()
        locked.decided_by = decider
        locked.reason = reason
        locked.save(update_fields=["state", "decided_at", "decided_by", "reason"])
    community = locked.community
    if admit:
        text = _("Your application to %(community)s was accepted: welcome.")
    else:
        text = _("Your application to %(community)s was declined.")
    text = text % {"community": community.name}
    if reason:
        text = f"{text} {_('Reason:')} {reason}"
    do_notify(
        recipients=[locked.user],
        kind=Notification.Kind.APPLICATION,
        text=text,
        url=reverse("members:application", kwargs={"slug": community.slug, "pk": locked.pk}),
        community=community,
        actor=decider,
    )
    return locked


# --- Invitations -----------------------------------------------------------------------


def check_invite(*, actor: User, community: Community, username: str) -> Invitation:
    """Any member may invite an existing user by username. Nobody is made a member by
    this; no account is ever created."""
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
    _require_affirmed(affirmed)
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
        _refuse_closed(locked.community)
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


# --- Profiles --------------------------------------------------------------------------


MAX_DISPLAY_NAME_CHARS = 80


def clean_display_name(display_name: str) -> str:
    """One line, like a thread title: no control or invisible characters, spaces folded."""
    return clean_line(display_name or "")


def check_update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    bio: str,
    avatar: bytes | None = None,
    remove_avatar: bool = False,
) -> User:
    """Only the person themself (staff included, R2). Everything is checked before
    anything is saved, so a refused picture leaves the name and bio as they were."""
    if not permissions.can_edit_profile(actor, user):
        raise PermissionDenied(_("You can only edit your own profile."))
    display_name = clean_display_name(display_name)
    bio = clean_text(bio or "").strip()
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        raise ValidationError(
            {"display_name": _("Keep your display name to 80 characters.")}, code="too_long"
        )
    if len(bio) > 2000:
        raise ValidationError({"bio": _("Keep your bio to 2,000 characters.")}, code="too_long")
    picture = avatars.make_avatar(avatar) if avatar is not None else None
    with transaction.atomic():
        do_update_profile(user=user, display_name=display_name, bio=bio)
        if picture is not None:
            do_set_avatar(user=user, image=picture)
        elif remove_avatar:
            do_remove_avatar(user=user)
    return user


def do_update_profile(*, user: User, display_name: str, bio: str) -> User:
    user.display_name = display_name
    user.bio = bio
    user.save(update_fields=["display_name", "bio"])
    return user


def do_set_avatar(*, user: User, image: bytes) -> User:
    """Store an already re-encoded picture (avatars.make_avatar) under its digest."""
    key = avatars.avatar_key(image)
    with transaction.atomic():
        Avatar.objects.update_or_create(
            user=user,
            defaults={
                "image": image,
                "content_type": avatars.AVATAR_CONTENT_TYPE,
                "updated_at": timezone.now(),
            },
        )
        User.objects.filter(pk=user.pk).update(avatar_key=key)
    user.avatar_key = key
    return user


def do_remove_avatar(*, user: User) -> User:
    """Back to the generated picture."""
    with transaction.atomic():
        Avatar.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).update(avatar_key="")
    user.avatar_key = ""
    return user


# --- Platform staff: locking an account (R2) ----------------------------------------------


def _lock_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give the abuse or legal reason: it is shown in the public log.")}
        )
    if len(reason) > MAX_LOCK_REASON_CHARS:
        raise ValidationError({"reason": _("Keep the reason to 1,000 characters.")})
    return reason


def check_lock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Staff lock someone else's account; the reason goes to the public platform log."""
    if not permissions.can_lock_account(actor, user):
        raise PermissionDenied(_("Only platform staff can lock an account, and not their own."))
    return do_lock_account(actor=actor, user=user, reason=_lock_reason(reason))


def do_lock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Lock the account (it can no longer log in, and its sessions end at their next
    request: Django's backends refuse an inactive user) and log it, in one transaction
    under the account's row lock, so two staff locking at once log one lock."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            raise ValidationError({None: _("This account is already locked or deleted.")})
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        return PlatformLogEntry.objects.create(
            kind=PlatformLogEntry.Kind.LOCK, actor=actor, member=user, reason=reason
        )


def check_unlock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    if not permissions.can_lock_account(actor, user):
        raise PermissionDenied(_("Only platform staff can unlock an account, and not their own."))
    return do_unlock_account(actor=actor, user=user, reason=_lock_reason(reason))


def do_unlock_account(*, actor: User, user: User, reason: str) -> PlatformLogEntry:
    """Unlock an account that staff locked. Only a lock is undone: an account its owner
    deleted (also inactive) has no lock as its last log entry and stays as it is."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        last = PlatformLogEntry.objects.filter(
            member=user, kind__in=[PlatformLogEntry.Kind.LOCK, PlatformLogEntry.Kind.UNLOCK]
        ).first()
        if locked.is_active or last is None or last.kind != PlatformLogEntry.Kind.LOCK:
            raise ValidationError({None: _("This account is not locked by platform staff.")})
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        return PlatformLogEntry.objects.create(
            kind=PlatformLogEntry.Kind.UNLOCK, actor=actor, member=user, reason=reason
        )
