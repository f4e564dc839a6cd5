"""A member's own marks on a thread page that members share (``core.pagecache``): which
posts are new to them, the Edit and Delete of their own posts, Flag or "Flagged by you",
the link to the first unread reply and the reply form's one-time token.

The page holds them as sections (kept or cut for each member) and holes (filled for each
response); what they need to know of a post travels in its argument (ids and times), so
the answers cost at most a query for the member's flags."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from community import selectors
from community.forms import new_token
from core import pagecache
from moderation.flags import flagged_posts

register = template.Library()

UNREAD = "unread"
OWN = "own"
FLAG = "flag"
FLAGGED = "flagged"
FIRST_UNREAD = "first-unread"
CLIENT_TOKEN = "client-token"  # noqa: S105 - a hole's name


def _micros(at) -> int:
    return round(at.timestamp() * 1_000_000)


@register.filter
def unread_key(post) -> str:
    """A post's ``unread`` section argument: its thread, time and author."""
    return f"{post.thread_id}.{_micros(post.created_at)}.{post.author_id}"


@register.filter
def flag_key(post) -> str:
    """A post's ``flag`` and ``flagged`` sections' argument: its thread, itself, its author."""
    return f"{post.thread_id}.{post.pk}.{post.author_id}"


@register.simple_tag(takes_context=True)
def first_unread(context, page):
    """The link to the first reply on the page the member has not read, as a hole."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or page.root is None:
        return ""
    posts = (post for post in [page.root, *page.posts] if not post.is_deleted)
    listed = ",".join(f"{post.pk}.{_micros(post.created_at)}.{post.author_id}" for post in posts)
    return pagecache.hole(request, FIRST_UNREAD, f"{page.root.thread_id}:{listed}")


@register.simple_tag(takes_context=True)
def client_token(context, form):
    """A form's ``token`` field (one per rendered form, so a double submit makes one post):
    a hole on a shared page, where every response needs its own."""
    request = context.get("request")
    if request is None or not pagecache.makes_holes(request) or form.is_bound:
        return form["token"]
    return pagecache.hole(request, CLIENT_TOKEN, form["token"].auto_id)


class _ReadTimes(dict):
    """The member's last read of each thread (in microseconds; None: never opened), as it
    was before this request's visit; asked once per thread."""

    def __init__(self, user):
        super().__init__()
        self.user = user

    def __missing__(self, thread_id: int) -> int | None:
        at = selectors.read_at_before_visit(user=self.user, thread_id=thread_id)
        self[thread_id] = None if at is None else _micros(at)
        return self[thread_id]

    def is_new(self, thread_id: int, micros: int, author_id: int) -> bool:
        if author_id == self.user.pk:
            return False
        read = self[thread_id]
        return read is not None and micros > read


def _nothing_new(user, args: list[str]) -> bool:
    """Whether this request's visit found the thread already read to its latest post (the
    usual visit): then no post on the page is new and nothing needs looking at."""
    threads = {arg.partition(".")[0] for arg in args}
    if len(threads) != 1:
        return False
    visit = selectors.visited_thread(user=user, thread_id=int(threads.pop()))
    return visit is not None and not visit.sees_something_new


def keep_unread(request, args: list[str]) -> set[str]:
    if _nothing_new(request.user, args):
        return set()
    times = _ReadTimes(request.user)
    kept = set()
    for arg in set(args):
        thread_id, micros, author_id = (int(part) for part in arg.split("."))
        if times.is_new(thread_id, micros, author_id):
            kept.add(arg)
    return kept


def keep_own(request, args: list[str]) -> set[str]:
    return {str(request.user.pk)} & set(args)


def _flagged(request, args: list[str]) -> frozenset[int]:
    """The member's flags among the page's posts, shared by both keepers: no query when
    this request's visit found none in the thread, else one."""
    if not hasattr(request, "_flagged_posts"):
        ids, threads = set(), set()
        for arg in args:
            thread_id, pk, _author = arg.split(".")
            ids.add(int(pk))
            threads.add(int(thread_id))
        user = request.user
        visits = [selectors.visited_thread(user=user, thread_id=pk) for pk in threads]
        if all(visit is not None and not visit.flagged_here for visit in visits):
            request._flagged_posts = frozenset()
        else:
            request._flagged_posts = flagged_posts(user=user, post_ids=ids)
    return request._flagged_posts


def keep_flag(request, args: list[str]) -> set[str]:
    """Flag: on others' posts the member has not flagged yet."""
    flagged = _flagged(request, args)
    kept = set()
    for arg in args:
        _thread, pk, author_id = arg.split(".")
        if int(author_id) != request.user.pk and int(pk) not in flagged:
            kept.add(arg)
    return kept


def keep_flagged(request, args: list[str]) -> set[str]:
    flagged = _flagged(request, args)
    return {arg for arg in args if int(arg.split(".")[1]) in flagged}


def fill_first_unread(request, args: list[str]) -> dict[str, str]:
    times = _ReadTimes(request.user)
    answers = {}
    for arg in args:
        thread_id, _sep, listed = arg.partition(":")
        for item in listed.split(",") if listed else ():
            pk, micros, author_id = (int(part) for part in item.split("."))
            if times.is_new(int(thread_id), micros, author_id):
                answers[arg] = format_html(
                    '<p class="jump-unread"><a class="button button--secondary button--small"'
                    ' href="#post-{}">{}</a></p>',
                    pk,
                    gettext("Skip to the first unread reply"),
                )
                break
    return answers


def fill_client_token(request, args: list[str]) -> dict[str, str]:
    return {
        arg: format_html('<input type="hidden" name="token" value="{}" id="{}">', new_token(), arg)
        for arg in args
    }


def register_marks() -> None:
    pagecache.register_section(UNREAD, keep_unread)
    pagecache.register_section(OWN, keep_own)
    pagecache.register_section(FLAG, keep_flag)
    pagecache.register_section(FLAGGED, keep_flagged)
    pagecache.register_hole(FIRST_UNREAD, fill_first_unread)
    pagecache.register_hole(CLIENT_TOKEN, fill_client_token)
