"""Reads of the community app: thread lists, pages of a post tree, search. Never writes."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Col
from django.http import Http404

from community.models import (
    PATH_SEGMENT,
    Community,
    ModerationState,
    Post,
    ReadState,
    Thread,
)
from moderation.models import Flag

THREADS_PER_PAGE = 30
# Like Lemmy: one response carries at most this many posts (whole top-level branches,
# unless one branch alone is bigger).
MAX_POSTS_PER_PAGE = 300
# Levels of replies shown nested on one page; deeper posts get "continue this thread".
MAX_DISPLAY_DEPTH = 8
# On a post's own page, this many of its ancestors are shown above it for context.
PERMALINK_CONTEXT = 3
SEARCH_RESULTS = 30
# Search ranks at most this many of the newest matches by body (and as many by title).
SEARCH_CANDIDATES = 200


def get_thread_or_404(*, community: Community, thread_id: int) -> Thread:
    thread = (
        Thread.objects.filter(pk=thread_id, community=community).select_related("author").first()
    )
    if thread is None:
        raise Http404("No such thread")
    thread.community = community
    return thread


def first_new_reply(*, thread: Thread, seen: int) -> Post | None:
    """The earliest of the replies posted since a reader's page counted ``seen`` of them, or
    None when there are none: what a thread page's poll asks. ``thread.reply_count`` is
    already loaded, so a quiet thread costs no query here; a busy one costs one."""
    new = thread.reply_count - seen
    if seen < 0 or new <= 0:
        return None
    post = Post.objects.filter(thread=thread, depth__gt=0).order_by("-pk")[new - 1 : new].first()
    if post is not None:
        post.thread = thread
    return post


def reply_parent(*, thread: Thread, parent_id) -> Post | None:
    """The post a reply answers, if ``parent_id`` names one in ``thread`` (else None)."""
    try:
        pk = int(parent_id)
    except (TypeError, ValueError):
        return None
    parent = Post.objects.filter(pk=pk, thread=thread).select_related("author").first()
    if parent is not None:
        parent.thread = thread
    return parent


def landing_url(post: Post) -> str:
    """Where to land after writing: the post on the thread page when it is shown there,
    else its own page."""
    thread = post.thread
    if post.depth <= MAX_DISPLAY_DEPTH and thread.reply_count < MAX_POSTS_PER_PAGE:
        return f"{thread.get_absolute_url()}#post-{post.pk}"
    return post.get_absolute_url()


def get_post_or_404(*, community: Community, post_id: int) -> Post:
    post = (
        Post.objects.filter(pk=post_id, thread__community=community)
        .select_related("thread", "author")
        .first()
    )
    if post is None:
        raise Http404("No such post")
    post.thread.community = community
    return post


def thread_list(*, community: Community, page_number) -> object:
    """A page of the community's threads, latest activity first: the same for every reader
    (what each member has read is filled in by ``read_marks``)."""
    threads = Thread.objects.filter(community=community).select_related("author")
    threads = threads.order_by("-last_activity_at", "-id")
    return Paginator(threads, THREADS_PER_PAGE).get_page(page_number)


def read_mark_key(thread: Thread) -> str:
    """What a thread row's read mark is asked by: its id and latest activity (in
    microseconds), so threads with nothing new since the member's visit need no count."""
    return f"{thread.pk}.{round(thread.last_activity_at.timestamp() * 1_000_000)}"


def read_marks(*, user, keys: list[str]) -> dict[str, int | None]:
    """For each ``read_mark_key`` of threads in a list: None where the member never opened
    the thread, the number of posts by others since their last visit where there are some.
    Two queries at most, whatever the number of threads."""
    activity = {}
    for key in keys:
        pk, _, micros = key.partition(".")
        activity[int(pk)] = int(micros)
    read_at = dict(
        ReadState.objects.filter(user=user, thread_id__in=activity).values_list(
            "thread_id", "read_at"
        )
    )
    # A visit at or after the latest activity saw everything: no count needed for it.
    stale = Q()
    for pk, at in read_at.items():
        if round(at.timestamp() * 1_000_000) <= activity[pk]:
            stale |= Q(thread_id=pk, created_at__gt=at)
    counts = {}
    if stale:
        counts = dict(
            Post.objects.filter(stale, deleted_at__isnull=True)
            .exclude(author=user)
            .order_by()
            .values_list("thread_id")
            .annotate(n=Count("pk"))
        )
    marks = {}
    for key in keys:
        pk = int(key.partition(".")[0])
        if pk not in read_at:
            marks[key] = None
        elif counts.get(pk):
            marks[key] = counts[pk]
    return marks


def recent_threads(*, community: Community, limit: int = 5) -> list[Thread]:
    """For the community home: the latest active threads (one query)."""
    return list(
        Thread.objects.filter(community=community)
        .select_related("author")
        .order_by("-last_activity_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Visit:
    """What a member's visit to a thread finds before it is recorded."""

    thread_id: int
    last_activity_at: datetime
    read_at: datetime | None  # their previous visit; None if they never opened it
    own_hidden: bool  # a post of theirs is hidden: only they (and moderators) see its text
    flagged_here: bool  # they flagged a post in the thread

    @property
    def sees_something_new(self) -> bool:
        return self.read_at is None or self.read_at < self.last_activity_at


def thread_visit(*, user, community: Community, thread_id: int) -> Visit | None:
    """A member's visit to a thread of the community, one query, kept on the user for the
    request (like their membership) so it reads the state *before* the visit is recorded;
    None when the community has no such thread."""
    visits = user.__dict__.setdefault("_thread_visits", {})
    if thread_id not in visits:
        read_at = ReadState.objects.filter(user=user, thread=OuterRef("pk")).values("read_at")
        own_hidden = Post.objects.filter(
            thread=OuterRef("pk"),
            author=user,
            moderation_state__in=[ModerationState.HIDDEN, ModerationState.KEPT_HIDDEN],
        )
        flags = Flag.objects.filter(flagger=user, post__thread=OuterRef("pk"))
        row = (
            Thread.objects.filter(pk=thread_id, community=community)
            .values_list(
                "last_activity_at", Subquery(read_at[:1]), Exists(own_hidden), Exists(flags)
            )
            .first()
        )
        visits[thread_id] = Visit(thread_id, *row) if row else None
    return visits[thread_id]


def visited_thread(*, user, thread_id: int) -> Visit | None:
    """This request's visit to the thread, if it was read (``thread_visit``)."""
    return user.__dict__.get("_thread_visits", {}).get(thread_id)


def read_at_before_visit(*, user, thread_id: int) -> datetime | None:
    """When the member last read the thread, as it stood before this request's visit."""
    if not getattr(user, "is_authenticated", False):
        return None
    if (visit := visited_thread(user=user, thread_id=thread_id)) is not None:
        return visit.read_at
    return (
        ReadState.objects.filter(user=user, thread_id=thread_id)
        .values_list("read_at", flat=True)
        .first()
    )


@dataclass
class PostPage:
    """One response's worth of a post tree, in depth-first order, ready to print flat.

    Each post in ``posts`` carries ``closes`` (how many levels end after it), ``continues``
    (has replies past the depth shown here), ``out_of_context`` (its parent is not on
    this page, so "in reply to" is shown) and ``position`` (its number in the thread's
    reading order, for the heading a screen reader announces; None on a post's own page,
    where the posts before it are not counted)."""

    root: Post | None
    posts: list[Post] = field(default_factory=list)
    next_after: str | None = None
    next_start: int = 1


def _path_prefixes(path: str) -> list[str]:
    return [path[:end] for end in range(PATH_SEGMENT, len(path), PATH_SEGMENT)]


def post_page(
    *,
    thread: Thread,
    after: str = "",
    focus: Post | None = None,
    start: int = 1,
) -> PostPage:
    """Posts of a thread for one response: one query, whatever the size of the thread.

    Without ``focus``: the opening post (first page only) and the replies down to
    MAX_DISPLAY_DEPTH, by whole top-level branches, at most MAX_POSTS_PER_PAGE posts, after
    the path ``after``. With ``focus``: the post's page (a permalink, or "continue this
    thread"): a few ancestors for context, then the post and its replies.

    ``start`` numbers the first reply of the page: 1 on the first page, and what the "load
    more" link carries on later ones (counting the posts before ``after`` would cost a
    query)."""
    posts = Post.objects.filter(thread=thread)
    if focus is None:
        base = 1
        include_root = not after
        posts = posts.filter(depth__lte=MAX_DISPLAY_DEPTH)
        if not include_root:
            posts = posts.filter(depth__gte=1)
    else:
        base = max(1, focus.depth - PERMALINK_CONTEXT)
        include_root = False
        context = [p for p in _path_prefixes(focus.path) if len(p) // PATH_SEGMENT - 1 >= base]
        posts = posts.filter(
            Q(path__startswith=focus.path) | Q(path__in=context),
            depth__lte=base + MAX_DISPLAY_DEPTH - 1,
        )
    max_depth = base + MAX_DISPLAY_DEPTH - 1
    if after:
        posts = posts.filter(path__gt=after)
    limit = MAX_POSTS_PER_PAGE + (2 if include_root else 1)
    rows = list(posts.select_related("author").order_by("path")[:limit])
    _attach_parents(rows)
    root = rows.pop(0) if include_root and rows and rows[0].depth == 0 else None
    next_after = None
    if len(rows) > MAX_POSTS_PER_PAGE:
        extra = rows[MAX_POSTS_PER_PAGE]
        rows = rows[:MAX_POSTS_PER_PAGE]
        # End the page at a whole top-level branch, unless one branch fills it alone.
        width = (base + 1) * PATH_SEGMENT
        cut_branch = extra.path[:width]
        if rows[-1].path[:width] == cut_branch:
            whole = [row for row in rows if row.path[:width] != cut_branch]
            if whole:
                rows = whole
        next_after = rows[-1].path
    page = PostPage(root=root, posts=rows, next_after=next_after)
    _nest(page, max_depth=max_depth)
    for number, post in enumerate(page.posts, start=max(1, start)):
        post.position = number if focus is None else None
    page.next_start = max(1, start) + len(page.posts)
    return page


def _attach_parents(rows: list[Post]) -> None:
    """Each post's parent (with its author, for "in reply to"), from the rows themselves
    where it is among them, else in one query: a join per row would build every parent a
    second time."""
    by_pk = {row.pk: row for row in rows}
    missing = {row.parent_id for row in rows if row.parent_id and row.parent_id not in by_pk}
    if missing:
        by_pk |= Post.objects.select_related("author").in_bulk(missing)
    for row in rows:
        if row.parent_id:
            row.parent = by_pk[row.parent_id]


def _nest(page: PostPage, *, max_depth: int) -> None:
    stack: list[Post] = []
    previous = None
    for post in page.posts:
        closes = 0
        while stack and stack[-1].pk != post.parent_id:
            stack.pop()
            closes += 1
        if previous is not None:
            previous.closes = range(closes)
        # "In reply to" where the parent is not shown just above (capped or paged away).
        post.out_of_context = not stack and post.depth > 1
        post.continues = post.depth >= max_depth and post.child_seq > 0
        stack.append(post)
        previous = post
    if previous is not None:
        previous.closes = range(len(stack))


# --- Search -------------------------------------------------------------------------------

_TERM_RE = re.compile(r"\w[\w'-]*", re.UNICODE)


def search_posts(*, user, q: str, limit: int = SEARCH_RESULTS) -> list[Post]:
    """Posts (and thread titles, through their opening posts) the user may read, best first.

    Deleted, hidden and taken-down posts are never found.

    Members-only communities are searched only for their current members. PostgreSQL:
    full-text search on the stored, GIN-indexed vectors of migration 0009. Elsewhere
    (SQLite): every word must appear in the title or the body; title matches rank first."""
    terms = _TERM_RE.findall(q)[:8]
    if not terms:
        return []
    posts = Post.objects.filter(
        deleted_at__isnull=True,
        moderation_state=ModerationState.VISIBLE,
        thread__community__in=Community.objects.readable_by(user),
    ).select_related("thread__community", "author")
    if connection.vendor == "postgresql":
        results = _search_postgres(posts, q, limit=limit)
    else:
        results = _search_fallback(posts, terms)
    results = list(results[:limit])
    for post in results:
        post.excerpt = _excerpt(post.body, terms)
    return results


_SEARCH_VECTOR = SearchVectorField()
_SEARCH_VECTOR.set_attributes_from_name("search_vector")


class _StoredVector(F):
    """The `search_vector` column of the table holding the named text field: the
    tsvector PostgreSQL keeps current on every write (migration 0009). The models don't
    declare it, since SQLite has none, so it borrows the field's join and table alias."""

    def resolve_expression(self, *args, **kwargs):
        text = super().resolve_expression(*args, **kwargs)
        return Col(text.alias, _SEARCH_VECTOR)


class _EqualsAny(Func):
    """`column = ANY(ARRAY(subquery))`. Inside an OR, PostgreSQL answers this from an
    index (a BitmapOr beside the GIN scan); `column IN (subquery)` would make it read
    every post instead."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (column, column_params), (array, array_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{column} = ANY({array})", (*column_params, *array_params)


def _search_postgres(posts, q: str, *, limit: int):
    """The best ``limit`` of a bounded candidate set: the ``SEARCH_CANDIDATES`` newest posts
    the words match in their body, and the opening posts of the ``SEARCH_CANDIDATES``
    newest threads they match in the title. Ranking reads every candidate's vectors, so
    ranking every match cost O(matches): 86 ms for a common pair of words at 10x the
    benchmark data. Newest first, PostgreSQL takes either the GIN index (few matches) or
    the primary key backwards until enough match (many), and stops either way. The
    trade-off: for words found in more than that many posts, an older post that would rank
    higher is not shown; the newest matches are."""
    query = SearchQuery(q, config="english", search_type="websearch")
    by_body = (
        posts.alias(body_vector=_StoredVector("body"))
        .filter(body_vector=query)
        .order_by("-pk")
        .values("pk")[:SEARCH_CANDIDATES]
    )
    titled_threads = (
        Thread.objects.alias(vector=_StoredVector("title"))
        .filter(vector=query)
        .order_by("-pk")
        .values("pk")[:SEARCH_CANDIDATES]
    )
    by_title = posts.filter(
        _EqualsAny(F("thread_id"), ArraySubquery(titled_threads)), depth=0
    ).values("pk")
    rank = SearchRank(_StoredVector("thread__title"), query) * 2 + SearchRank(
        _StoredVector("body"), query
    )
    candidates = Q(_EqualsAny(F("pk"), ArraySubquery(by_body))) | Q(
        _EqualsAny(F("pk"), ArraySubquery(by_title.order_by()))
    )
    return posts.filter(candidates).annotate(rank=rank).order_by("-rank", "-created_at")


def _search_fallback(posts, terms: list[str]):
    for term in terms:
        posts = posts.filter(Q(body__icontains=term) | Q(thread__title__icontains=term, depth=0))
    title_hit = Q()
    for term in terms:
        title_hit &= Q(thread__title__icontains=term)
    return posts.annotate(
        rank=Case(When(title_hit & Q(depth=0), then=Value(2)), default=Value(1))
    ).order_by("-rank", "-created_at")


def _excerpt(body: str, terms: list[str], width: int = 220) -> str:
    text = " ".join(body.split())
    lower = text.lower()
    hits = [lower.find(t.lower()) for t in terms if lower.find(t.lower()) >= 0]
    start = max(0, min(hits) - 60) if hits else 0
    snippet = text[start : start + width]
    return ("…" if start else "") + snippet + ("…" if start + width < len(text) else "")
