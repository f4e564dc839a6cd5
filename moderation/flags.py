"""Flags (R7): a member flags someone else's post, once; when the counting flags reach the
charter's threshold the post is hidden for review (``review``). The thread page's view of
flags (who may flag, which posts the viewer flagged, whose text shows) is here too."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, ModerationState, Post
from members import permissions as members_permissions
from members.models import Membership, User
from moderation import permissions
from moderation.log import Kind, do_notify_moderation, do_set_post_state, moderation_url
from moderation.models import Flag

MAX_NOTE_CHARS = 500
DEFAULT_FLAG_THRESHOLD = 3


def flag_threshold(community: Community) -> int:
    charter = community.charter
    return charter.flag_threshold if charter is not None else DEFAULT_FLAG_THRESHOLD


def _moderators(community: Community) -> list[User]:
    now = timezone.now()
    return list(
        User.objects.filter(
            memberships__community=community,
            memberships__left_at__isnull=True,
            memberships__role=Membership.Role.MODERATOR,
        ).filter(
            Q(memberships__moderator_term_ends_at__isnull=True)
            | Q(memberships__moderator_term_ends_at__gt=now)
        )
    )


def live_flags(post: Post):
    """The post's flags not yet dismissed by a restore: what the queue and the thresholds
    count."""
    return Flag.objects.filter(post=post, dismissed_at__isnull=True)


def _flag_summary(post: Post) -> str:
    counts = (
        live_flags(post).filter(counts=True).values("reason").annotate(n=Count("pk")).order_by()
    )
    short = {
        Flag.Reason.OFF_PURPOSE: _("off-purpose"),
        Flag.Reason.DISRESPECTFUL: _("disrespectful"),
        Flag.Reason.SPAM: _("spam"),
        Flag.Reason.OTHER: _("other"),
    }
    parts = [f"{short.get(row['reason'], row['reason'])} ({row['n']})" for row in counts]
    return _("Flagged by members: %(reasons)s") % {"reasons": ", ".join(parts)}


# --- Flags --------------------------------------------------------------------------------


def check_flag_post(
    *, actor, post: Post, reason: str, charter_point: str = "", note: str = ""
) -> Flag:
    """A member flags someone else's post, once. Refused for non-members, suspended
    members, staff acting as such (R2), one's own post, and a post already gone."""
    community = post.thread.community
    if community.is_moved:
        raise PermissionDenied(community.read_only_message())
    membership = members_permissions.acting_member(actor, community)
    if membership is None:
        if members_permissions.is_member(actor, community) and not community.is_dissolved:
            raise PermissionDenied(_("You are suspended in this community: you cannot flag."))
        raise PermissionDenied(_("Only members of this community can flag its posts."))
    if post.author_id == actor.pk:
        raise ValidationError(
            {None: _("You cannot flag your own post. Edit or delete it instead.")}
        )
    if post.is_deleted or post.is_taken_down:
        raise ValidationError({None: _("This post is no longer shown; there is nothing to flag.")})
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you are flagging this post.")})
    charter_point = " ".join((charter_point or "").split())
    note = " ".join((note or "").split())
    if reason == Flag.Reason.OFF_PURPOSE and not charter_point:
        raise ValidationError(
            {"charter_point": _("Name the goal or rule of the charter this post strays from.")}
        )
    if reason == Flag.Reason.OTHER and not note:
        raise ValidationError({"note": _("Say in a few words what is wrong with this post.")})
    if len(note) > MAX_NOTE_CHARS or len(charter_point) > MAX_NOTE_CHARS:
        raise ValidationError(
            {"note": _("Keep it to %(max)s characters.") % {"max": MAX_NOTE_CHARS}}
        )
    if Flag.objects.filter(post=post, flagger=actor).exists():
        raise ValidationError({None: _("You have already flagged this post. A member flags once.")})
    return do_flag_post(
        flagger=actor,
        post=post,
        reason=reason,
        charter_point=charter_point,
        note=note,
        counts=permissions.is_established(actor, community),
    )


def do_flag_post(
    *, flagger, post: Post, reason: str, charter_point: str, note: str, counts: bool
) -> Flag:
    """Record the flag; hide the post when the counting flags reach the charter's threshold.

    Exactly once under concurrency: the post row is locked (select_for_update) before the
    flag is inserted and the live counting flags are counted in the same transaction, so
    concurrent flaggers are serialised and only the one who reaches the threshold sees a
    visible post to hide. The unique (post, flagger) constraint refuses a second flag."""
    community = post.thread.community
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    post=locked,
                    flagger=flagger,
                    reason=reason,
                    charter_point=charter_point,
                    note=note,
                    counts=counts,
                    created_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                {None: _("You have already flagged this post. A member flags once.")}
            ) from None
        live = live_flags(locked).filter(counts=True).count()
        hidden = False
        if locked.moderation_state == ModerationState.VISIBLE and live >= flag_threshold(community):
            summary = _flag_summary(locked)
            do_set_post_state(
                community=community,
                post=locked,
                state=ModerationState.HIDDEN,
                kind=Kind.HIDE,
                actor=None,
                reason=summary,
                now=now,
                shown_reason=summary,
            )
            locked.moderation_state = ModerationState.HIDDEN
            hidden = True
        post.moderation_state = locked.moderation_state
        title = post.thread.title
        if hidden:
            do_notify_moderation(
                [post.author],
                community=community,
                text=_("Your post in “%(title)s” is hidden pending review: members flagged it.")
                % {"title": title},
                url=post.get_absolute_url(),
            )
        if hidden or (counts and live == 1):
            do_notify_moderation(
                [u for u in _moderators(community) if u.pk not in (post.author_id, flagger.pk)],
                community=community,
                text=(
                    _("A post in “%(title)s” was hidden and waits for your review.")
                    if hidden
                    else _("A post in “%(title)s” was flagged.")
                )
                % {"title": title},
                url=moderation_url(community),
            )
    return flag


# --- Reads --------------------------------------------------------------------------------


def flagged_posts(*, user, post_ids) -> frozenset[int]:
    """Which of these posts the member has flagged (one query)."""
    return frozenset(
        Flag.objects.filter(flagger=user, post_id__in=post_ids).values_list("post_id", flat=True)
    )


def mark_shown_text(*, user, community: Community, posts: list[Post]) -> None:
    """Each post gets ``show_text``, read by the post partials: whether this reader sees
    a hidden post's text (its author and the community's moderators do; nobody sees a
    taken-down one). No query: the membership is cached per request."""
    membership = members_permissions.acting_member(user, community)
    moderates = membership is not None and membership.is_moderator
    user_id = getattr(user, "pk", None)
    for post in posts:
        if post is not None:
            post.show_text = not post.is_taken_down and (
                not post.is_hidden or moderates or post.author_id == user_id
            )
