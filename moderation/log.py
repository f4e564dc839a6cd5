"""The public moderation log, and what every moderation action shares: the reason it
records, the change of a post's state it logs, and the notice to those it concerns.

Across the package, ``check_*`` authorises the actor and validates input, then calls
``do_*``, which trusts its caller. Refusals of authority are ``PermissionDenied``; bad input
is ``ValidationError`` keyed by form field (``None`` for the form as a whole). Every change
is written to the log through ``do_log`` in the same transaction, so the log never misses
one. Nothing is deleted: a hidden post keeps its text, a restored post's flags stay
(dismissed).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community, Post
from core import pagecache
from members.models import User
from moderation.models import Appeal, ModerationAction
from notifications import actions as notifications
from notifications.models import Notification

Kind = ModerationAction.Kind
MAX_REASON_CHARS = 500
LOG_PER_PAGE = 50


def moderation_url(community: Community) -> str:
    return reverse("moderation:home", kwargs={"slug": community.slug})


def appeal_url(appeal: Appeal) -> str:
    return reverse(
        "moderation:appeal", kwargs={"slug": appeal.community.slug, "appeal_id": appeal.pk}
    )


# --- The log ------------------------------------------------------------------------------


def do_log(
    *,
    community: Community,
    kind: str,
    actor: User | None = None,
    post: Post | None = None,
    member: User | None = None,
    reason: str = "",
    until: datetime | None = None,
    at: datetime | None = None,
) -> ModerationAction:
    """Add one entry to the community's public moderation log. Called by every action in
    this package, and by purposes.closing when a proposal makes or recalls a moderator."""
    return ModerationAction.objects.create(
        community=community,
        kind=kind,
        actor=actor,
        post=post,
        member=member,
        reason=reason[:1000],
        until=until,
        created_at=at or timezone.now(),
    )


def log_page(*, community: Community, page_number):
    entries = ModerationAction.objects.filter(community=community).select_related(
        "actor", "member", "post__thread__community"
    )
    return Paginator(entries.order_by("-created_at", "-id"), LOG_PER_PAGE).get_page(page_number)


# --- Shared by the actions ----------------------------------------------------------------


def clean_reason(text: str, *, field: str, required: bool, what: str) -> str:
    """The reason a moderator or staff give, as the log records it: whitespace folded,
    at most ``MAX_REASON_CHARS``. Refused under ``field`` with ``what`` when required and
    empty."""
    text = " ".join((text or "").split())
    if required and not text:
        raise ValidationError({field: what})
    if len(text) > MAX_REASON_CHARS:
        raise ValidationError(
            {
                field: _("Keep it to %(max)s characters; this has %(n)s.")
                % {"max": MAX_REASON_CHARS, "n": len(text)}
            }
        )
    return text


def do_notify_moderation(
    recipients, *, community: Community, text: str, url: str, actor=None
) -> None:
    """Tell ``recipients`` (None entries skipped) of a moderation decision that concerns
    them, as a moderation notification."""
    recipients = [user for user in recipients if user is not None]
    if recipients:
        notifications.do_notify(
            recipients=recipients,
            kind=Notification.Kind.MODERATION,
            text=text[:300],
            url=url,
            community=community,
            actor=actor,
        )


def do_set_post_state(
    *,
    community: Community,
    post: Post,
    state: str,
    kind: str,
    actor,
    reason: str,
    now: datetime,
    shown_reason: str,
) -> ModerationAction:
    """Change a post's moderation state and log it: one place for hide, keep hidden,
    restore and takedown. ``shown_reason`` is what the post's placeholder says."""
    Post.objects.filter(pk=post.pk).update(
        moderation_state=state, moderation_reason=shown_reason, moderated_at=now
    )
    pagecache.bump(community_id=community.pk)
    return do_log(
        community=community,
        kind=kind,
        actor=actor,
        post=post,
        member=post.author,
        reason=reason,
        at=now,
    )
