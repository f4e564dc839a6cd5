"""Writes of the community app: threads and posts.

``check_*`` authorises the actor and validates input, then calls ``do_*``, which trusts its
caller. Validation errors are ``django.core.exceptions.ValidationError`` keyed by field
(``title``, ``body``, ``parent``); refusals are ``PermissionDenied`` with a message.
"""

from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import permissions
from community.models import (
    MAX_STORED_DEPTH,
    Community,
    Post,
    PostRevision,
    ReadState,
    Thread,
    path_segment,
)
from core import pagecache
from core.markdown import MAX_BODY_CHARS, clean_text, find_mentions, render_markdown, too_costly
from core.text import clean_line
from members import permissions as members_permissions
from notifications.actions import do_notify
from notifications.models import Notification

MAX_TITLE_CHARS = 200


def profile_url(username: str) -> str:
    try:
        return reverse("members:profile", kwargs={"username": username})
    except NoReverseMatch:
        # Profiles (/u/<username>/, DESIGN "Addresses") come with the members pages.
        return f"/u/{quote(username)}/"


def _mentioned_members(*, community: Community, body: str) -> dict[str, object]:
    """Current members of the community named as @mentions in ``body``, by lower-cased name.

    One query, whatever the number of names (find_mentions caps them at 20)."""
    names = find_mentions(body)
    if not names:
        return {}
    wanted = Q()
    for name in names:
        wanted |= Q(username__iexact=name)
    users = get_user_model().objects.filter(
        wanted, memberships__community=community, memberships__left_at__isnull=True
    )
    return {user.username.lower(): user for user in users}


def render_body(*, community: Community, body: str) -> tuple[str, list]:
    """The body's sanitised HTML, and the members it mentions (linked in the HTML).

    Only members of the community become mention links: a name that is not a member
    stays plain text, so a post cannot ping or point at outsiders."""
    members = _mentioned_members(community=community, body=body)

    def mention_url(name: str) -> str | None:
        user = members.get(name.lower())
        return profile_url(user.username) if user else None

    return render_markdown(body, mention_url=mention_url), list(members.values())


def clean_title(title: str) -> str:
    return clean_line(title or "")


def clean_body(body: str) -> str:
    return clean_text(body or "").strip("\n")


def validate_title(title: str) -> str:
    title = clean_title(title)
    if not title:
        raise ValidationError({"title": _("Give the thread a title.")})
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(
            {
                "title": _("A title can be at most %(max)s characters long; this one has %(n)s.")
                % {"max": MAX_TITLE_CHARS, "n": len(title)}
            }
        )
    return title


def validate_body(body: str) -> str:
    body = clean_body(body)
    if not body.strip():
        raise ValidationError({"body": _("Write something first: the message is empty.")})
    if len(body) > MAX_BODY_CHARS:
        raise ValidationError(
            {
                "body": _(
                    "A post can be at most %(max)s characters long; this one has %(n)s. "
                    "Split it into several posts."
                )
                % {"max": f"{MAX_BODY_CHARS:,}", "n": f"{len(body):,}"}
            }
        )
    if too_costly(body):
        # Rendering is bounded by a budget of markup (links, emphasis, lines): past it the
        # parser's time grows fast, and the body would only be shown as plain text.
        raise ValidationError(
            {
                "body": _(
                    "This post has more formatting than we can show (links, emphasis, list "
                    "items, lines). Split it into several posts, or use less markup."
                )
            }
        )
    return body


def ensure_can_post(*, actor, community: Community) -> None:
    if permissions.can_post(actor, community):
        return
    if community.is_read_only:
        raise PermissionDenied(community.read_only_message())
    membership = members_permissions.current_membership(actor, community)
    if membership is not None and membership.is_suspended:
        raise PermissionDenied(_("You are suspended in this community: you can read but not post."))
    raise PermissionDenied(_("Only members of this community can post here. Join it first."))


def _existing_for_token(*, author, client_token: str) -> Post | None:
    if not client_token:
        return None
    return Post.objects.filter(author=author, client_token=client_token).first()


def check_create_thread(
    *, actor, community: Community, title: str, body: str, goal: str = "", client_token: str = ""
) -> Thread:
    """A member starts a thread. A repeated ``client_token`` returns the thread made first."""
    ensure_can_post(actor=actor, community=community)
    errors = {}
    try:
        title = validate_title(title)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        body = validate_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    goals = list(community.charter.goals) if community.charter_id else []
    if goal and goal not in goals:
        errors["goal"] = [_("That goal is not in the charter in force; choose one from the list.")]
    if errors:
        raise ValidationError(errors)
    return do_create_thread(
        author=actor,
        community=community,
        title=title,
        body=body,
        goal=goal,
        client_token=client_token,
    )


def do_create_thread(
    *, author, community: Community, title: str, body: str, goal: str = "", client_token: str = ""
) -> Thread:
    """Create the thread and its opening post (the root of the post tree) in one transaction."""
    if existing := _existing_for_token(author=author, client_token=client_token):
        return existing.thread
    body_html, mentioned = render_body(community=community, body=body)
    now = timezone.now()
    try:
        with transaction.atomic():
            thread = Thread.objects.create(
                community=community,
                title=title,
                slug=slugify(title)[:80] or "thread",
                author=author,
                goal=goal,
                created_at=now,
                last_activity_at=now,
            )
            root = Post.objects.create(
                thread=thread,
                author=author,
                path=path_segment(1),
                depth=0,
                body=body,
                body_html=body_html,
                created_at=now,
                client_token=client_token,
            )
            Community.objects.filter(pk=community.pk).update(last_activity_at=now)
            _notify_mentions(post=root, thread=thread, mentioned=mentioned, author=author)
    except IntegrityError:
        # The same form submitted twice at once: the other request made the thread.
        if existing := _existing_for_token(author=author, client_token=client_token):
            return existing.thread
        raise
    pagecache.bump(community_id=community.pk)
    return thread


# --- Replies ------------------------------------------------------------------------------


def check_reply(*, actor, thread: Thread, parent_id, body: str, client_token: str = "") -> Post:
    """A member replies to a post of ``thread``. The parent must be in this very thread."""
    ensure_can_post(actor=actor, community=thread.community)
    try:
        parent_pk = int(parent_id)
    except (TypeError, ValueError):
        raise ValidationError({"parent": _("Choose the post you are replying to.")}) from None
    parent = Post.objects.filter(pk=parent_pk).only("thread_id", "depth").first()
    if parent is None:
        raise ValidationError({"parent": _("The post you are replying to does not exist.")})
    if parent.thread_id != thread.pk:
        raise ValidationError({"parent": _("The post you are replying to is not in this thread.")})
    if parent.depth >= MAX_STORED_DEPTH:
        raise ValidationError(
            {"parent": _("This conversation is nested as deep as it can go; reply higher up.")}
        )
    body = validate_body(body)
    return do_reply(
        author=actor, thread=thread, parent_id=parent.pk, body=body, client_token=client_token
    )


def do_reply(*, author, thread: Thread, parent_id: int, body: str, client_token: str = "") -> Post:
    """Add a reply under ``parent_id``.

    The parent row is locked (select_for_update) while its next child sequence number is
    taken, so concurrent replies to one post get distinct paths; the thread's counters are
    updated in the same transaction with F(). Notifies the parent's author and mentioned
    members. A repeated ``client_token`` returns the post made first (double click)."""
    if existing := _existing_for_token(author=author, client_token=client_token):
        return existing
    community = thread.community
    body_html, mentioned = render_body(community=community, body=body)
    now = timezone.now()
    try:
        with transaction.atomic():
            parent = (
                Post.objects.select_for_update(of=("self",))
                .select_related("author")
                .get(pk=parent_id, thread=thread)
            )
            Post.objects.filter(pk=parent.pk).update(child_seq=F("child_seq") + 1)
            seq = parent.child_seq + 1
            post = Post.objects.create(
                thread=thread,
                author=author,
                parent=parent,
                path=parent.path + path_segment(seq),
                depth=parent.depth + 1,
                body=body,
                body_html=body_html,
                created_at=now,
                client_token=client_token,
            )
            Thread.objects.filter(pk=thread.pk).update(
                reply_count=F("reply_count") + 1, last_activity_at=now
            )
            Community.objects.filter(pk=community.pk).update(last_activity_at=now)
            post.thread = thread
            post.parent = parent
            notified = set()
            # Someone who left a members-only community can no longer open the reply.
            if (
                not parent.is_deleted
                and parent.author_id != author.pk
                and permissions.can_read(parent.author, community)
            ):
                do_notify(
                    recipients=[parent.author],
                    kind=Notification.Kind.REPLY,
                    text=_("%(name)s replied to you in “%(title)s”")
                    % {"name": author.shown_name, "title": thread.title},
                    url=post.get_absolute_url(),
                    community=community,
                    actor=author,
                    thread=thread,
                )
                notified.add(parent.author_id)
            _notify_mentions(
                post=post,
                thread=thread,
                mentioned=[u for u in mentioned if u.pk not in notified],
                author=author,
            )
    except IntegrityError:
        if existing := _existing_for_token(author=author, client_token=client_token):
            return existing
        raise
    pagecache.bump(community_id=community.pk)
    return post


def _notify_mentions(*, post: Post, thread: Thread, mentioned: list, author) -> None:
    if not mentioned:
        return
    post.thread = thread
    do_notify(
        recipients=mentioned,
        kind=Notification.Kind.MENTION,
        text=_("%(name)s mentioned you in “%(title)s”")
        % {"name": author.shown_name, "title": thread.title},
        url=post.get_absolute_url(),
        community=thread.community,
        actor=author,
        thread=thread,
    )


# --- Editing and deleting -----------------------------------------------------------------


def ensure_author(*, actor, post: Post) -> None:
    ensure_can_post(actor=actor, community=post.thread.community)
    if post.author_id != actor.pk:
        raise PermissionDenied(_("Only its author can change a post."))
    if post.is_deleted:
        raise PermissionDenied(_("This post was deleted; it can no longer be changed."))


def check_edit_post(*, actor, post: Post, body: str, title: str | None = None) -> Post:
    """The author edits their post (and the thread's title, for the opening post)."""
    ensure_author(actor=actor, post=post)
    errors = {}
    if post.is_root and title is not None:
        try:
            title = validate_title(title)
        except ValidationError as error:
            errors.update(error.message_dict)
    else:
        title = None
    try:
        body = validate_body(body)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return do_edit_post(post=post, body=body, title=title)


def do_edit_post(*, post: Post, body: str, title: str | None = None) -> Post:
    """Keep the current version as a revision, then replace it. Nothing is lost."""
    thread = post.thread
    if body == post.body and (title is None or title == thread.title):
        return post
    body_html, _mentioned = render_body(community=thread.community, body=body)
    now = timezone.now()
    with transaction.atomic():
        PostRevision.objects.create(
            post=post,
            title=thread.title if post.is_root else "",
            body=post.body,
            body_html=post.body_html,
            written_at=post.edited_at or post.created_at,
            replaced_at=now,
        )
        post.body, post.body_html, post.edited_at = body, body_html, now
        post.save(update_fields=["body", "body_html", "edited_at"])
        if title is not None and title != thread.title:
            thread.title = title
            thread.slug = slugify(title)[:80] or "thread"
            thread.save(update_fields=["title", "slug"])
    pagecache.bump(community_id=thread.community_id)
    return post


def check_delete_post(*, actor, post: Post) -> Post:
    ensure_author(actor=actor, post=post)
    return do_delete_post(post=post)


def do_delete_post(*, post: Post) -> Post:
    """Mark the post deleted by its author: a placeholder keeps its replies in place.
    The row and its text stay (nothing is hard-deleted); pages no longer show the text."""
    Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    post.refresh_from_db(fields=["deleted_at"])
    pagecache.bump(community_id=post.thread.community_id)
    return post


# --- Read state ---------------------------------------------------------------------------


def do_mark_thread_read(*, user, thread_id: int) -> None:
    """Record the visit: one upsert (INSERT ... ON CONFLICT DO UPDATE), whatever the state."""
    ReadState.objects.bulk_create(
        [ReadState(user=user, thread_id=thread_id, read_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "thread"],
        update_fields=["read_at"],
    )
