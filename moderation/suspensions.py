"""Suspensions: a moderator in term stops a member posting for up to 14 days, with a
reason. The beat job that ends suspensions and moderator terms when they are due is here
too."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from members.models import Membership
from moderation import permissions
from moderation.log import Kind, clean_reason, do_log, do_notify_moderation, moderation_url
from moderation.models import ModerationAction

MAX_SUSPENSION_DAYS = 14


def check_suspend_member(
    *, actor, community: Community, username: str, days, reason: str
) -> ModerationAction:
    """A moderator in term suspends a member from posting for at most 14 days, with a
    reason. Longer removal is a "remove a member" proposal."""
    if community.is_read_only:
        raise PermissionDenied(community.read_only_message())
    if not permissions.can_moderate(actor, community):
        raise PermissionDenied(_("Only elected moderators in term can suspend members."))
    pending = permissions.proposal_concerning(actor, community)
    if pending is not None:
        raise PermissionDenied(
            _(
                "Members are deciding “%(title)s”, which concerns you: until it is decided "
                "you cannot suspend anyone."
            )
            % {"title": pending.title}
        )
    errors = {}
    target = (
        Membership.objects.current()
        .filter(community=community, user__username__iexact=(username or "").strip().lstrip("@"))
        .select_related("user")
        .first()
    )
    if target is None:
        errors["username"] = [_("No current member of this community has that username.")]
    elif target.user_id == actor.pk:
        errors["username"] = [_("You cannot suspend yourself.")]
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        errors["days"] = [
            _("A suspension lasts from 1 to %(max)s days. For longer, propose removing the member.")
            % {"max": MAX_SUSPENSION_DAYS}
        ]
    try:
        reason = clean_reason(
            reason,
            field="reason",
            required=True,
            what=_("Give the reason: the member and every member will read it in the log."),
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return do_suspend_member(
        moderator=actor,
        membership=target,
        until=timezone.now() + timedelta(days=days),
        reason=reason,
    )


def do_suspend_member(*, moderator, membership: Membership, until: datetime, reason: str):
    community = membership.community
    with transaction.atomic():
        # Every row of the person: leaving and rejoining does not shed a suspension.
        Membership.objects.of_person(membership.user_id, community).update(
            suspended_until=until, suspension_reason=reason
        )
        entry = do_log(
            community=community,
            kind=Kind.SUSPEND,
            actor=moderator,
            member=membership.user,
            reason=reason,
            until=until,
        )
        do_notify_moderation(
            [membership.user],
            community=community,
            text=_(
                "You are suspended from posting in %(community)s until %(until)s UTC: "
                "%(reason)s. You may appeal."
            )
            % {"community": community.name, "until": f"{until:%d %b %Y %H:%M}", "reason": reason},
            url=moderation_url(community),
            actor=moderator,
        )
    return entry


def do_lift_suspension(*, membership: Membership, actor, reason: str, now: datetime) -> bool:
    """End the person's suspension (every membership row of theirs here) and log it, when
    one is in effect: a conditional update, so it is logged once. Whether it lifted one."""
    lifted = (
        Membership.objects.of_person(membership.user_id, membership.community_id)
        .filter(suspended_until__isnull=False)
        .update(suspended_until=None, suspension_reason="")
    )
    if lifted:
        do_log(
            community=membership.community,
            kind=Kind.UNSUSPEND,
            actor=actor,
            member=membership.user,
            reason=reason,
            at=now,
        )
    return bool(lifted)


# --- Terms and suspensions that are due ---------------------------------------------------


def do_end_expired(*, now: datetime | None = None) -> tuple[int, int]:
    """Beat job: end moderator terms and suspensions that are due, and log each.

    Idempotent: each row is changed by a conditional UPDATE (still a moderator, still
    suspended, due), and only a row it changed is logged, so a second run, or two beats
    at once, log nothing more. Permissions already read the dates, so a late run only
    tidies the record: an ended term is refused from that moment on."""
    now = now or timezone.now()
    terms = 0
    due_terms = Membership.objects.filter(
        role=Membership.Role.MODERATOR, moderator_term_ends_at__lte=now
    ).select_related("community", "user")
    for membership in due_terms:
        with transaction.atomic():
            changed = Membership.objects.filter(
                pk=membership.pk, role=Membership.Role.MODERATOR, moderator_term_ends_at__lte=now
            ).update(role=Membership.Role.MEMBER, moderator_term_ends_at=None)
            if not changed:
                continue
            do_log(
                community=membership.community,
                kind=Kind.TERM_END,
                member=membership.user,
                reason=_("The term ended."),
                at=now,
            )
            terms += 1
    suspensions = 0
    due = Membership.objects.filter(suspended_until__lte=now).select_related("community", "user")
    for membership in due:
        with transaction.atomic():
            if do_lift_suspension(
                membership=membership, actor=None, reason=_("The suspension ran out."), now=now
            ):
                suspensions += 1
    return terms, suspensions
