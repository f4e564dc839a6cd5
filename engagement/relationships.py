"""Who replied to whom: the pair counts behind relationships and connections (R6).

For every community and unordered pair of people (lower user id first) the table
``MemberPair`` holds how many replies each made to the other's posts over the rolling
window of :data:`engagement.health.WINDOW_DAYS` days ending at the watermark.

What counts as a reply: a post whose parent post was written by someone else (a reply to
the opening post is a reply to the thread's author). A mention is answered by replying to
the post that mentioned you, so an answered mention is counted as that reply; a mention
alone (never answered) is not an exchange and is not counted. A reply keeps counting after
its author deletes it: the exchange took place, and this keeps the incremental run equal
to a full recomputation.

Two ways to bring the table up to a moment ``until``, both single set-based statements
(``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE``, on SQLite and PostgreSQL alike):

* :func:`recompute_all` deletes the pairs and counts the replies in
  ``(until - window, until]`` from scratch;
* :func:`update_incrementally` adds the replies written in ``(watermark, until]`` and
  subtracts those that left the window, ``(watermark - window, until - window]``, in one
  upsert, then drops pairs whose counts fell to zero.

:func:`bring_up_to` picks one: incremental when the watermark is behind ``until`` by less
than the window, a full recomputation otherwise (first run, a long gap, or a rewind to
an earlier moment, as the demo history and a re-run of an old day's snapshot do).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q

from community.models import Community, Post, Thread
from engagement.health import WINDOW_DAYS
from engagement.models import EngagementWatermark, MemberPair

WATERMARK = "relationships"
WINDOW = timedelta(days=WINDOW_DAYS)

_PAIR = MemberPair._meta.db_table
_POST = Post._meta.db_table
_THREAD = Thread._meta.db_table

# One row per (community, pair) among the replies selected by the WHERE clause that is
# spliced in; %(sign)s is +1 for a reply entering the window and -1 for one leaving it.
_UPSERT = f"""
INSERT INTO {_PAIR} (community_id, user_a_id, user_b_id, a_to_b, b_to_a, last_at, last_post_id)
SELECT t.community_id,
       CASE WHEN p.author_id < q.author_id THEN p.author_id ELSE q.author_id END,
       CASE WHEN p.author_id < q.author_id THEN q.author_id ELSE p.author_id END,
       SUM(CASE WHEN p.author_id < q.author_id THEN {{sign}} ELSE 0 END),
       SUM(CASE WHEN p.author_id > q.author_id THEN {{sign}} ELSE 0 END),
       MAX({{last_at}}),
       MAX({{last_post}})
FROM {_POST} p
JOIN {_POST} q ON q.id = p.parent_id
JOIN {_THREAD} t ON t.id = p.thread_id
WHERE p.author_id <> q.author_id AND ({{where}})
GROUP BY t.community_id,
         CASE WHEN p.author_id < q.author_id THEN p.author_id ELSE q.author_id END,
         CASE WHEN p.author_id < q.author_id THEN q.author_id ELSE p.author_id END
ON CONFLICT (community_id, user_a_id, user_b_id) DO UPDATE SET
    a_to_b = {_PAIR}.a_to_b + excluded.a_to_b,
    b_to_a = {_PAIR}.b_to_a + excluded.b_to_a,
    last_post_id = CASE
        WHEN excluded.last_at IS NOT NULL
             AND ({_PAIR}.last_at IS NULL OR excluded.last_at >= {_PAIR}.last_at)
        THEN excluded.last_post_id ELSE {_PAIR}.last_post_id END,
    last_at = CASE
        WHEN excluded.last_at IS NOT NULL
             AND ({_PAIR}.last_at IS NULL OR excluded.last_at >= {_PAIR}.last_at)
        THEN excluded.last_at ELSE {_PAIR}.last_at END
"""  # noqa: S608 - table names from models, values as parameters


def _dt(value: datetime):
    """A datetime as the database expects it in raw SQL (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def _watermark() -> EngagementWatermark | None:
    return EngagementWatermark.objects.select_for_update().filter(name=WATERMARK).first()


def _set_watermark(until: datetime, *, full: bool) -> None:
    fields = {"until": until}
    if full:
        fields["full_at"] = until
    EngagementWatermark.objects.update_or_create(name=WATERMARK, defaults=fields)


def recompute_all(*, until: datetime) -> int:
    """Count every reply in ``(until - window, until]`` afresh. Returns the pairs stored.

    One transaction: readers see the old table or the new one, never half of it."""
    with transaction.atomic():
        _watermark()  # lock: one recomputation or update at a time
        MemberPair.objects.all().delete()
        sql = _UPSERT.format(
            sign="1",
            last_at="p.created_at",
            last_post="p.id",
            where="p.created_at > %s AND p.created_at <= %s",
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Room to sort the pairs in memory rather than on disk (this transaction only).
                cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(sql, [_dt(until - WINDOW), _dt(until)])
        _set_watermark(until, full=True)
        return MemberPair.objects.count()


def update_incrementally(*, since: datetime, until: datetime) -> int:
    """Move the window from ``(since - window, since]`` to ``(until - window, until]``:
    add the replies written in ``(since, until]``, subtract those written in
    ``(since - window, until - window]``, in one upsert. Returns the rows touched.

    The caller guarantees ``since <= until < since + window`` (see :func:`bring_up_to`)."""
    entering = "(p.created_at > %s AND p.created_at <= %s)"
    leaving = "(p.created_at > %s AND p.created_at <= %s)"
    sql = _UPSERT.format(
        sign=f"CASE WHEN {entering} THEN 1 ELSE -1 END",
        last_at=f"CASE WHEN {entering} THEN p.created_at END",
        last_post=f"CASE WHEN {entering} THEN p.id END",
        where=f"{entering} OR {leaving}",
    )
    new = [_dt(since), _dt(until)]
    old = [_dt(since - WINDOW), _dt(until - WINDOW)]
    # In the order the placeholders appear: a_to_b, b_to_a, last_at, last_post, WHERE.
    params = new + new + new + new + new + old
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        touched = cursor.rowcount
    # Pairs whose replies all left the window are gone, as a full recomputation has them.
    MemberPair.objects.filter(a_to_b__lte=0, b_to_a__lte=0).delete()
    return touched


def bring_up_to(*, until: datetime) -> str:
    """Make the pair counts describe the window ending at ``until``; returns which way was
    taken ("unchanged", "incremental" or "full"). Idempotent: a second call with the same
    ``until`` changes nothing; the watermark moves in the same transaction as the counts,
    so a run killed half-way leaves the previous state and the next run redoes it."""
    with transaction.atomic():
        mark = _watermark()
        if mark is not None and mark.until == until:
            return "unchanged"
        if mark is None or until < mark.until or until - mark.until >= WINDOW:
            recompute_all(until=until)
            return "full"
        update_incrementally(since=mark.until, until=until)
        _set_watermark(until, full=False)
        return "incremental"


def watermark_until() -> datetime | None:
    mark = EngagementWatermark.objects.filter(name=WATERMARK).first()
    return mark.until if mark else None


# --- Reads for "my relationships" ---------------------------------------------------------


@dataclass
class Exchange:
    """One other person, seen from ``user``: replies each way and where they last talked."""

    other: object
    mine: int
    theirs: int
    last_at: datetime | None
    last_thread: object | None

    @property
    def is_relationship(self) -> bool:
        return self.mine > 0 and self.theirs > 0


@dataclass
class CommunityExchanges:
    community: object
    relationships: list[Exchange] = field(default_factory=list)
    unanswered: list[Exchange] = field(default_factory=list)
    unreturned: list[Exchange] = field(default_factory=list)


def of_user(user) -> list[CommunityExchanges]:
    """The user's pairs, per community they may read, in one query: two-way relationships,
    people who replied to them whom they never answered, and people they replied to who
    have not replied back. Latest exchange first."""
    readable = Community.objects.readable_by(user)
    pairs = (
        MemberPair.objects.filter(Q(user_a=user) | Q(user_b=user), community__in=readable)
        .select_related("community", "user_a", "user_b", "last_post__thread__community")
        .order_by("community__name", F("last_at").desc(nulls_last=True))
    )
    groups: dict[int, CommunityExchanges] = {}
    for pair in pairs:
        mine_is_a = pair.user_a_id == user.pk
        exchange = Exchange(
            other=pair.user_b if mine_is_a else pair.user_a,
            mine=pair.a_to_b if mine_is_a else pair.b_to_a,
            theirs=pair.b_to_a if mine_is_a else pair.a_to_b,
            last_at=pair.last_at,
            last_thread=pair.last_post.thread if pair.last_post else None,
        )
        group = groups.setdefault(pair.community_id, CommunityExchanges(pair.community))
        if exchange.is_relationship:
            group.relationships.append(exchange)
        elif exchange.theirs > 0:
            group.unanswered.append(exchange)
        elif exchange.mine > 0:
            group.unreturned.append(exchange)
    return list(groups.values())
