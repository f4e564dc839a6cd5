"""Platform takedowns (R2): staff take a post down for a legal or abuse reason, which the
community's public log shows. A takedown hides the post from everyone, its author too."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import ModerationState, Post
from members.models import PlatformLogEntry
from moderation import permissions
from moderation.log import (
    Kind,
    clean_reason,
    do_notify_moderation,
    do_set_post_state,
    moderation_url,
)
from moderation.models import ModerationAction


def check_review_for_takedown(*, actor, post: Post) -> PlatformLogEntry | None:
    """Staff read a post they are asked to take down. Nobody else outside a members-only
    community may read its posts, so that read is listed in the public platform log; a
    public post anyone may read, and reading it logs nothing."""
    if not permissions.can_take_down(actor):
        raise PermissionDenied(_("Only platform staff can take content down."))
    if post.thread.community.is_public:
        return None
    return do_log_takedown_review(staff=actor, post=post)


def do_log_takedown_review(*, staff, post: Post) -> PlatformLogEntry:
    return PlatformLogEntry.objects.create(
        kind=PlatformLogEntry.Kind.REVIEW,
        actor=staff,
        post=post,
        reason=_("Read to review it for a takedown."),
    )


def check_take_down(*, actor, post: Post, reason: str) -> ModerationAction:
    """Platform staff take a post down for a legal or abuse reason, shown in the log (R2)."""
    if not permissions.can_take_down(actor):
        raise PermissionDenied(_("Only platform staff can take content down."))
    if post.is_taken_down:
        raise ValidationError({None: _("This post has already been taken down.")})
    reason = clean_reason(
        reason,
        field="reason",
        required=True,
        what=_("Give the legal or abuse reason: it is shown in the community's public log."),
    )
    return do_take_down(staff=actor, post=post, reason=reason)


def do_take_down(*, staff, post: Post, reason: str) -> ModerationAction:
    community = post.thread.community
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.moderation_state == ModerationState.TAKEN_DOWN:
            raise ValidationError({None: _("This post has already been taken down.")})
        entry = do_set_post_state(
            community=community,
            post=post,
            state=ModerationState.TAKEN_DOWN,
            kind=Kind.TAKEDOWN,
            actor=staff,
            reason=reason,
            now=now,
            shown_reason=reason,
        )
        do_notify_moderation(
            [post.author],
            community=community,
            text=_("Platform staff took down your post in “%(title)s”: %(reason)s")
            % {"title": post.thread.title, "reason": reason},
            url=moderation_url(community),
        )
    return entry
