"""Review of flagged and hidden posts: elected moderators restore a post or keep it hidden;
where no moderator can review a post (the community has none, or every moderator wrote or
flagged it), established members vote to restore it. The queue and who may read a hidden
post are here too."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, ModerationState, Post
from members import permissions as members_permissions
from members.models import Membership, User
from moderation import permissions
from moderation.flags import live_flags
from moderation.log import (
    Kind,
    clean_reason,
    do_notify_moderation,
    do_set_post_state,
    moderation_url,
)
from moderation.models import Flag, ModerationAction, RestoreVote


class Decision:
    RESTORE = "restore"
    KEEP_HIDDEN = "keep_hidden"
    CHOICES = (RESTORE, KEEP_HIDDEN)


def _reviewing_moderators(community: Community):
    """Moderators in term and unsuspended, as a queryset of memberships."""
    now = timezone.now()
    return (
        Membership.objects.current()
        .filter(community=community, role=Membership.Role.MODERATOR)
        .filter(Q(moderator_term_ends_at__isnull=True) | Q(moderator_term_ends_at__gt=now))
        .exclude(suspended_until__gt=now)
    )


def moderators_review(post: Post) -> bool:
    """Whether some moderator may review this post: in term, unsuspended, and neither its
    author nor one of its flaggers. When none may, members vote to restore it instead, so
    a post is never stuck with nobody allowed to decide."""
    community = post.thread.community
    if not members_permissions.has_moderators(community):
        return False
    flaggers = Flag.objects.filter(post=post).values("flagger_id")
    return (
        _reviewing_moderators(community)
        .exclude(user_id=post.author_id)
        .exclude(user_id__in=flaggers)
        .exists()
    )


def in_queue(post: Post) -> bool:
    """Hidden pending review, or shown but carrying live flags."""
    if post.moderation_state == ModerationState.HIDDEN:
        return True
    return post.moderation_state == ModerationState.VISIBLE and live_flags(post).exists()


def review_refusal(user, post: Post) -> str | None:
    """Why ``user`` may not review ``post`` (None: they may). One place for the view's
    buttons and the actions' refusals."""
    community = post.thread.community
    membership = members_permissions.acting_member(user, community)
    if membership is None:
        return _("Only members of this community review its posts.")
    if post.author_id == user.pk:
        return _("Nobody reviews their own post; another member will.")
    if Flag.objects.filter(post=post, flagger=user).exists():
        return _("You flagged this post, so someone else reviews it.")
    if moderators_review(post):
        if not membership.is_moderator:
            return _("This community has elected moderators: they review flagged posts.")
        return None
    if not permissions.is_established(user, community):
        return _not_established(community)
    return None


def _not_established(community: Community) -> str:
    days = community.charter.established_days
    return _(
        "Only established members vote to restore posts: members for %(days)s days who "
        "have posted or voted here."
    ) % {"days": days}


def check_review_post(*, actor, post: Post, decision: str, reason: str = "") -> ModerationAction:
    """A moderator in term restores a queued post (its flags dismissed) or keeps it
    hidden (with a reason). Never their own post, never a post they flagged."""
    community = post.thread.community
    if community.is_read_only:
        raise PermissionDenied(community.read_only_message())
    if not permissions.can_moderate(actor, community):
        raise PermissionDenied(
            _("Only elected moderators in term can review posts here.")
            if members_permissions.has_moderators(community)
            else _("This community has no moderator: members vote to restore hidden posts.")
        )
    refusal = review_refusal(actor, post)
    if refusal:
        raise PermissionDenied(refusal)
    if decision not in Decision.CHOICES:
        raise ValidationError({"decision": _("Choose whether to restore it or keep it hidden.")})
    reason = clean_reason(
        reason,
        field="reason",
        required=decision == Decision.KEEP_HIDDEN,
        what=_("Say why the post stays hidden: its author and every member will read it."),
    )
    return do_review_post(moderator=actor, post=post, decision=decision, reason=reason)


def do_review_post(*, moderator, post: Post, decision: str, reason: str) -> ModerationAction:
    """Apply the review under the post's row lock: a second moderator deciding at the same
    moment finds it already out of the queue and is told so."""
    community = post.thread.community
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        locked.thread = post.thread
        if not in_queue(locked):
            raise ValidationError({None: _("Someone has already reviewed this post.")})
        if decision == Decision.RESTORE:
            entry = do_restore_post(post=locked, actor=moderator, reason=reason, now=now)
        else:
            entry = do_set_post_state(
                community=community,
                post=locked,
                state=ModerationState.KEPT_HIDDEN,
                kind=Kind.KEEP_HIDDEN,
                actor=moderator,
                reason=reason,
                now=now,
                shown_reason=reason,
            )
        post.refresh_from_db(fields=["moderation_state", "moderation_reason", "moderated_at"])
        _notify_outcome(entry=entry, post=post)
    return entry


def do_restore_post(*, post: Post, actor, reason: str, now: datetime) -> ModerationAction:
    """Show the post again, its live flags dismissed, and log it: after a review, a
    members' restore vote or a granted appeal. The caller holds the post's row lock."""
    live_flags(post).update(dismissed_at=now)
    return do_set_post_state(
        community=post.thread.community,
        post=post,
        state=ModerationState.VISIBLE,
        kind=Kind.RESTORE,
        actor=actor,
        reason=reason,
        now=now,
        shown_reason="",
    )


def _flaggers(post: Post) -> list[User]:
    return list(User.objects.filter(pk__in=Flag.objects.filter(post=post).values("flagger")))


def _notify_outcome(*, entry: ModerationAction, post: Post) -> None:
    community = post.thread.community
    title = post.thread.title
    if entry.kind == Kind.RESTORE:
        text = _("Your post in “%(title)s” was reviewed and restored.")
        other = _("A post you flagged in “%(title)s” was reviewed and restored.")
    else:
        text = _("Your post in “%(title)s” was reviewed and stays hidden. You may appeal.")
        other = _("A post you flagged in “%(title)s” was reviewed and stays hidden.")
    do_notify_moderation(
        [post.author],
        community=community,
        text=text % {"title": title},
        url=post.get_absolute_url(),
        actor=entry.actor,
    )
    do_notify_moderation(
        [u for u in _flaggers(post) if u.pk != getattr(entry.actor, "pk", None)],
        community=community,
        text=other % {"title": title},
        url=moderation_url(community),
        actor=entry.actor,
    )


# --- Where no moderator reviews -----------------------------------------------------------


def check_vote_restore(*, actor, post: Post) -> RestoreVote:
    """Where no moderator may review the post: an established member votes to restore it
    (not its author, not a flagger)."""
    community = post.thread.community
    if community.is_read_only:
        raise PermissionDenied(community.read_only_message())
    if members_permissions.acting_member(actor, community) is None:
        raise PermissionDenied(_("Only members of this community review its posts."))
    if moderators_review(post):
        raise PermissionDenied(
            _("This community has elected moderators: they review flagged posts.")
        )
    refusal = review_refusal(actor, post)
    if refusal:
        raise PermissionDenied(refusal)
    if post.moderation_state != ModerationState.HIDDEN:
        raise ValidationError({None: _("This post is not waiting for review.")})
    return do_vote_restore(voter=actor, post=post)


def do_vote_restore(*, voter, post: Post) -> RestoreVote:
    """Count the vote under the post's row lock; restore when as many members voted to
    restore it as flagged it (counting flags), exactly once."""
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        locked.thread = post.thread
        try:
            with transaction.atomic():
                vote = RestoreVote.objects.create(post=locked, voter=voter, created_at=now)
        except IntegrityError:
            raise ValidationError(
                {None: _("You have already voted to restore this post.")}
            ) from None
        votes = RestoreVote.objects.filter(post=locked, created_at__gte=locked.moderated_at).count()
        flags = live_flags(locked).filter(counts=True).count()
        if locked.moderation_state == ModerationState.HIDDEN and votes >= flags:
            entry = do_restore_post(
                post=locked,
                actor=None,
                reason=_("%(n)s members voted to restore it, as many as flagged it.")
                % {"n": votes},
                now=now,
            )
            post.refresh_from_db(fields=["moderation_state", "moderation_reason"])
            _notify_outcome(entry=entry, post=post)
    return vote


# --- Reads --------------------------------------------------------------------------------


def _moderator_may_review(community: Community):
    """For a Post queryset: whether some moderator may review that post (see
    ``moderators_review``), as one EXISTS per row."""
    flaggers = Flag.objects.filter(post=OuterRef(OuterRef("pk"))).values("flagger_id")
    return Exists(
        _reviewing_moderators(community)
        .exclude(user_id=OuterRef("author_id"))
        .exclude(user_id__in=flaggers)
    )


def review_queue(*, community: Community, user) -> list[Post]:
    """Posts waiting for review (hidden, or shown with live flags), oldest first, each with
    ``flag_count``, ``by_members`` (no moderator may review it, so members vote) and
    ``refusal`` (why this viewer may not review it, or None)."""
    live = Flag.objects.filter(post=OuterRef("pk"), dismissed_at__isnull=True)
    mine = Flag.objects.filter(post=OuterRef("pk"), flagger_id=getattr(user, "pk", None))
    posts = list(
        Post.objects.filter(thread__community=community)
        .filter(
            Q(moderation_state=ModerationState.HIDDEN)
            | Q(moderation_state=ModerationState.VISIBLE, deleted_at__isnull=True) & Exists(live)
        )
        .annotate(
            flag_count=Count("flags", filter=Q(flags__dismissed_at__isnull=True)),
            flagged_by_me=Exists(mine),
            moderated=_moderator_may_review(community),
        )
        .select_related("thread", "author")
        .order_by("moderated_at", "created_at")[:100]
    )
    membership = members_permissions.acting_member(user, community)
    established = None  # asked once, and only if some post is for members to review
    for post in posts:
        post.thread.community = community
        post.by_members = not post.moderated
        if membership is None:
            post.refusal = _("Only members review posts.")
        elif post.author_id == user.pk:
            post.refusal = _("Your own post: someone else reviews it.")
        elif post.flagged_by_me:
            post.refusal = _("You flagged it: someone else reviews it.")
        elif post.moderated:
            post.refusal = None if membership.is_moderator else _("Moderators review it.")
        else:
            if established is None:
                established = permissions.is_established(user, community)
            post.refusal = None if established else _not_established(community)
    return posts


def may_see_queue(user, community: Community) -> bool:
    """Moderators; every acting member where there is no moderator, or where some hidden
    post is one that no moderator may review (so members decide it)."""
    if permissions.can_moderate(user, community):
        return True
    if members_permissions.acting_member(user, community) is None:
        return False
    if not members_permissions.has_moderators(community):
        return True
    return (
        Post.objects.filter(thread__community=community, moderation_state=ModerationState.HIDDEN)
        .filter(~_moderator_may_review(community))
        .exists()
    )


def may_see_hidden_text(user, post: Post) -> bool:
    """The author and the moderators still read a hidden post; a takedown hides it from
    everyone. Where no moderator reviews, the members entitled to vote read it too."""
    if post.is_taken_down or not getattr(user, "is_authenticated", False):
        return False
    if post.author_id == user.pk:
        return True
    community = post.thread.community
    if permissions.can_moderate(user, community):
        return True
    return not moderators_review(post) and review_refusal(user, post) is None
