"""What every API route shares: refusals as JSON, the pages' rate limits, signed cursors,
and how domain objects are shown."""

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router

from api.auth import ApiError
from community import ratelimits
from community.models import Post, Thread

CURSOR_MAX_AGE = 24 * 3600
# One router for every route: django-ninja serves one path from one router only, and reads
# and writes share paths (GET and POST /communities/{slug}/threads).
router = Router()


def validation_error(error: ValidationError, status: int = 422) -> ApiError:
    """An action's refusal of the input, with the page's messages: ``fields`` by form field
    (``__all__`` for the whole), ``message`` all of them in one sentence."""
    if hasattr(error, "error_dict"):
        fields = {
            (name or "__all__"): [str(m) for m in messages]
            for name, messages in error.message_dict.items()
        }
    else:
        fields = {"__all__": [str(m) for m in error.messages]}
    codes = {e.code for e in error.error_list} if not hasattr(error, "error_dict") else set()
    code = codes.pop() if len(codes) == 1 and None not in codes else "invalid"
    message = " ".join(m for messages in fields.values() for m in messages)
    return ApiError(status, code if code != "invalid" else "refused", message, fields=fields)


def rate_limit(user, action: str, *, community=None, token: str = "") -> None:
    """Count one ``action`` against the same limits as the pages (one count per member,
    whether the page or the API was used), or refuse with 429 and Retry-After."""
    limited = ratelimits.hit(user=user, action=action, community=community, token=token)
    if limited is not None:
        # The page's message, without its last sentence (about the form's text kept).
        message = limited.message.rsplit(". ", 1)[0] + "."
        raise ApiError(429, "rate_limited", message, retry_after=limited.retry_after)


def sign_cursor(kind: str, value) -> str:
    return signing.dumps(value, salt=f"api.cursor.{kind}", compress=True)


def read_cursor(kind: str, cursor: str):
    """The value signed in ``cursor``; a changed, expired or foreign cursor is a 400."""
    try:
        return signing.loads(cursor, salt=f"api.cursor.{kind}", max_age=CURSOR_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise ApiError(
            400, "bad_cursor", _("This cursor is not valid (changed or expired): start again.")
        ) from None


def user_ref(user) -> dict:
    return {"username": user.username, "name": user.shown_name}


def community_out(community, member_count=None) -> dict:
    return {
        "slug": community.slug,
        "name": community.name,
        "tagline": community.tagline,
        "state": community.state,
        "visibility": community.visibility,
        "member_count": member_count,
        "url": community.get_absolute_url(),
        "moved_to": community.moved_to or None,
    }


def thread_out(thread: Thread) -> dict:
    return {
        "id": thread.pk,
        "title": thread.title,
        "author": user_ref(thread.author),
        "goal": thread.goal,
        "reply_count": thread.reply_count,
        "created_at": thread.created_at,
        "last_activity_at": thread.last_activity_at,
        "url": thread.get_absolute_url(),
    }


def post_state(post: Post) -> str:
    if post.is_deleted:
        return "deleted"
    return post.moderation_state or "visible"


def post_out(post: Post) -> dict:
    """A post as the thread page shows it to this viewer: ``show_text`` was set by
    ``moderation.flags.mark_shown_text`` (hidden text for its author and moderators only,
    taken-down and deleted text for nobody)."""
    shown = post.show_text and not post.is_deleted
    return {
        "id": post.pk,
        "parent_id": post.parent_id,
        "author": user_ref(post.author),
        "depth": post.depth,
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "state": post_state(post),
        "body": post.body if shown else None,
        "body_html": post.body_html if shown else None,
        "replies": [],
    }


def tree(posts: list[Post]) -> list[dict]:
    """Nest posts ordered by path: each under its parent when the parent is in the list,
    else at the top (its ``parent_id`` says where it belongs)."""
    nodes, roots = {}, []
    for post in posts:
        node = nodes[post.pk] = post_out(post)
        parent = nodes.get(post.parent_id)
        (parent["replies"] if parent is not None else roots).append(node)
    return roots
