"""The daily snapshot of every community's engagement figures.

:func:`take_snapshots` computes, for one day, the figures of every listed (not dissolved)
community as of the end of that day (midnight UTC after it), in a fixed number of
set-based queries whatever the number of communities, members or posts, and upserts one
``EngagementSnapshot`` row per community and day. Every figure is computed from
timestamps up to that moment, so running it again (or after a run killed half-way, which
rolls back) gives identical rows.

Windows, each ending at the snapshot's moment ``as_of``:

* members: current at ``as_of`` (joined by then and not left by then);
* active members: posted, replied or voted in the community in the last 30 days
  (``active_members``, the figure plotted) and in the last 90 days (``active_90d``, the
  base of the stage's shares, the same 90 days as relationships and the charter's quorum);
* posts and replies, new threads, newcomers (joined in the last 30 days) and whether
  someone replied to them, the median time to a first reply on the threads started in the
  last 30 days: 30 days;
* relationships and connections (engagement.relationships), proposal turnout (votes cast
  over electorate size of the proposals closed), threads linked to a charter goal: 90 days.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from community.models import Community, Post, Thread
from core import pagecache
from engagement import health as engagement
from engagement import relationships
from engagement.models import EngagementSnapshot, MemberPair
from engagement.signals import snapshot_step
from members.models import Membership
from purposes.models import Proposal, Vote

RECENT = timedelta(days=30)
WINDOW = timedelta(days=engagement.WINDOW_DAYS)

_POST = Post._meta.db_table
_THREAD = Thread._meta.db_table
_PAIR = MemberPair._meta.db_table
_MEMBERSHIP = Membership._meta.db_table
_COMMUNITY = Community._meta.db_table
_VOTE = Vote._meta.db_table
_PROPOSAL = Proposal._meta.db_table

FIGURE_FIELDS = [
    "members",
    "active_members",
    "active_90d",
    "posts_30d",
    "replies_30d",
    "relationships",
    "connections",
    "active_in_relationship",
    "newcomers",
    "newcomers_replied",
    "new_threads",
    "median_first_reply_seconds",
    "proposals_closed",
    "votes_cast",
    "electorate",
    "threads_90d",
    "goal_threads_90d",
    "affirmed_members",
    "affirmed_active",
    "quorum_percent",
    "stage",
]


def end_of(day: date) -> datetime:
    """The moment a day's snapshot describes: midnight UTC at the end of ``day``."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _rows(sql: str, params: list) -> dict[int, tuple]:
    """community_id -> the rest of the row, for a query whose first column is it."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


def _seconds_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"(julianday({later}) - julianday({earlier})) * 86400.0"


def _member_figures(as_of: datetime) -> dict[int, tuple]:
    """Members, active (30 and 90 days), active in a relationship, affirmed (all and
    active), newcomers and newcomers who got a reply, per community: one query."""
    sql = f"""
    WITH act AS (
        SELECT community_id, user_id, MAX(at) AS last_at FROM (
            SELECT t.community_id, p.author_id AS user_id, p.created_at AS at
            FROM {_POST} p JOIN {_THREAD} t ON t.id = p.thread_id
            WHERE p.created_at > %s AND p.created_at <= %s
            UNION ALL
            SELECT pr.community_id, v.user_id, v.cast_at
            FROM {_VOTE} v JOIN {_PROPOSAL} pr ON pr.id = v.proposal_id
            WHERE v.cast_at > %s AND v.cast_at <= %s
        ) a GROUP BY community_id, user_id
    ),
    rel AS (
        SELECT community_id, user_a_id AS user_id FROM {_PAIR} WHERE a_to_b > 0 AND b_to_a > 0
        UNION
        SELECT community_id, user_b_id FROM {_PAIR} WHERE a_to_b > 0 AND b_to_a > 0
    ),
    replied AS (
        SELECT DISTINCT t.community_id, q.author_id AS user_id
        FROM {_POST} p
        JOIN {_POST} q ON q.id = p.parent_id
        JOIN {_THREAD} t ON t.id = p.thread_id
        WHERE p.author_id <> q.author_id AND p.created_at > %s AND p.created_at <= %s
    )
    SELECT m.community_id,
           COUNT(*),
           SUM(CASE WHEN act.last_at > %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN act.last_at IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN act.last_at IS NOT NULL AND rel.user_id IS NOT NULL THEN 1 ELSE 0 END),
           SUM(CASE WHEN m.affirmed_charter_id = c.charter_id THEN 1 ELSE 0 END),
           SUM(CASE WHEN act.last_at IS NOT NULL AND m.affirmed_charter_id = c.charter_id
                    THEN 1 ELSE 0 END),
           SUM(CASE WHEN m.joined_at > %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN m.joined_at > %s AND replied.user_id IS NOT NULL THEN 1 ELSE 0 END)
    FROM {_MEMBERSHIP} m
    JOIN {_COMMUNITY} c ON c.id = m.community_id
    LEFT JOIN act ON act.community_id = m.community_id AND act.user_id = m.user_id
    LEFT JOIN rel ON rel.community_id = m.community_id AND rel.user_id = m.user_id
    LEFT JOIN replied ON replied.community_id = m.community_id AND replied.user_id = m.user_id
    WHERE m.joined_at <= %s AND (m.left_at IS NULL OR m.left_at > %s)
    GROUP BY m.community_id
    """  # noqa: S608 - table names from models, values as parameters
    end, start90, start30 = _dt(as_of), _dt(as_of - WINDOW), _dt(as_of - RECENT)
    params = [start90, end, start90, end, start30, end, start30, start30, start30, end, end]
    return _rows(sql, params)


def _post_figures(as_of: datetime) -> dict[int, tuple]:
    sql = f"""
    SELECT t.community_id, COUNT(*), SUM(CASE WHEN p.parent_id IS NOT NULL THEN 1 ELSE 0 END)
    FROM {_POST} p JOIN {_THREAD} t ON t.id = p.thread_id
    WHERE p.created_at > %s AND p.created_at <= %s
    GROUP BY t.community_id
    """  # noqa: S608 - table names from models, values as parameters
    return _rows(sql, [_dt(as_of - RECENT), _dt(as_of)])


def _pair_figures() -> dict[int, tuple]:
    sql = f"""
    SELECT community_id,
           SUM(CASE WHEN a_to_b > 0 AND b_to_a > 0 THEN 1 ELSE 0 END),
           SUM(CASE WHEN a_to_b > 0 AND b_to_a > 0 THEN 0 ELSE 1 END)
    FROM {_PAIR} WHERE a_to_b > 0 OR b_to_a > 0
    GROUP BY community_id
    """  # noqa: S608 - table names from models, values as parameters
    return _rows(sql, [])


def _thread_figures(as_of: datetime) -> dict[int, tuple]:
    sql = f"""
    SELECT community_id,
           SUM(CASE WHEN created_at > %s THEN 1 ELSE 0 END),
           COUNT(*),
           SUM(CASE WHEN goal <> '' THEN 1 ELSE 0 END)
    FROM {_THREAD}
    WHERE created_at > %s AND created_at <= %s
    GROUP BY community_id
    """  # noqa: S608 - table names from models, values as parameters
    return _rows(sql, [_dt(as_of - RECENT), _dt(as_of - WINDOW), _dt(as_of)])


def _first_reply_medians(as_of: datetime) -> dict[int, tuple]:
    """Median seconds from a thread's start to its first reply by someone else, over the
    threads started in the last 30 days that got one: window functions, no Python loop."""
    seconds = _seconds_between("MIN(p.created_at)", "t.created_at")
    sql = f"""
    WITH firsts AS (
        SELECT t.community_id, {seconds} AS secs
        FROM {_THREAD} t
        JOIN {_POST} p ON p.thread_id = t.id AND p.parent_id IS NOT NULL
             AND p.author_id <> t.author_id AND p.created_at <= %s
        WHERE t.created_at > %s AND t.created_at <= %s
        GROUP BY t.community_id, t.id, t.created_at
    ),
    ranked AS (
        SELECT community_id, secs,
               ROW_NUMBER() OVER (PARTITION BY community_id ORDER BY secs) AS rn,
               COUNT(*) OVER (PARTITION BY community_id) AS n
        FROM firsts
    )
    SELECT community_id, AVG(secs) FROM ranked
    WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2
    GROUP BY community_id
    """  # noqa: S608 - table names from models, values as parameters
    return _rows(sql, [_dt(as_of), _dt(as_of - RECENT), _dt(as_of)])


def _turnout_figures(as_of: datetime) -> dict[int, tuple]:
    closed = ", ".join(["%s"] * len(Proposal.CLOSED_STATES))
    sql = f"""
    SELECT community_id, COUNT(*),
           SUM(COALESCE(for_count, 0) + COALESCE(against_count, 0) + COALESCE(abstain_count, 0)),
           SUM(COALESCE(electorate_size, 0))
    FROM {_PROPOSAL}
    WHERE state IN ({closed}) AND closed_at > %s AND closed_at <= %s
    GROUP BY community_id
    """  # noqa: S608 - table names from models, values as parameters
    return _rows(sql, [*Proposal.CLOSED_STATES, _dt(as_of - WINDOW), _dt(as_of)])


def turnout_percent(*, votes_cast: int, electorate: int) -> float | None:
    if electorate <= 0:
        return None
    return min(100.0, 100.0 * votes_cast / electorate)


def health_figures(snapshot: EngagementSnapshot) -> engagement.HealthFigures:
    """The pure figures of a snapshot, for engagement.stage() and next_steps()."""
    return engagement.HealthFigures(
        members=snapshot.members,
        active_members=snapshot.active_90d,
        relationships=snapshot.relationships,
        connections=snapshot.connections,
        active_in_relationship=snapshot.active_in_relationship,
        affirmed_active=snapshot.affirmed_active,
        turnout_percent=turnout_percent(
            votes_cast=snapshot.votes_cast, electorate=snapshot.electorate
        ),
        quorum_percent=snapshot.quorum_percent,
    )


@dataclass(frozen=True)
class SnapshotRun:
    day: date
    relationships: str
    communities: int


@transaction.atomic
def take_snapshots(*, day: date) -> SnapshotRun:
    """Upsert every listed community's snapshot for ``day``. Idempotent (see the module
    docstring). In one transaction: the pair counts are brought up to the end of the day
    (incremental when they were computed for an earlier day of the window), then every
    snapshot is upserted; a run killed half-way leaves nothing of itself behind."""
    as_of = end_of(day)
    how = relationships.bring_up_to(until=as_of)
    communities = list(
        Community.objects.listed().values_list("pk", "charter__quorum_percent").order_by("pk")
    )
    members = _member_figures(as_of)
    posts = _post_figures(as_of)
    pairs = _pair_figures()
    threads = _thread_figures(as_of)
    medians = _first_reply_medians(as_of)
    turnout = _turnout_figures(as_of)
    rows = []
    for community_id, quorum in communities:
        m = [int(v or 0) for v in members.get(community_id, (0,) * 8)]
        p = [int(v or 0) for v in posts.get(community_id, (0, 0))]
        r = [int(v or 0) for v in pairs.get(community_id, (0, 0))]
        t = [int(v or 0) for v in threads.get(community_id, (0, 0, 0))]
        v = [int(x or 0) for x in turnout.get(community_id, (0, 0, 0))]
        median = medians.get(community_id, (None,))[0]
        snapshot = EngagementSnapshot(
            community_id=community_id,
            day=day,
            members=m[0],
            active_members=m[1],
            active_90d=m[2],
            active_in_relationship=m[3],
            affirmed_members=m[4],
            affirmed_active=m[5],
            newcomers=m[6],
            newcomers_replied=m[7],
            posts_30d=p[0],
            replies_30d=p[1],
            relationships=r[0],
            connections=r[1],
            new_threads=t[0],
            threads_90d=t[1],
            goal_threads_90d=t[2],
            median_first_reply_seconds=None if median is None else round(float(median)),
            proposals_closed=v[0],
            votes_cast=v[1],
            electorate=v[2],
            quorum_percent=quorum if quorum is not None else 25,
        )
        snapshot.stage = engagement.stage(health_figures(snapshot)).value
        rows.append(snapshot)
    EngagementSnapshot.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["community", "day"],
        update_fields=FIGURE_FIELDS,
    )
    snapshot_step.send(EngagementSnapshot, step="written")
    pagecache.forget_all()  # every community's stage, on its page and in the directory
    return SnapshotRun(day=day, relationships=how, communities=len(rows))


# --- Reads for the health page ------------------------------------------------------------

HISTORY_DAYS = 90


def history(*, community: Community, days: int = HISTORY_DAYS) -> list[EngagementSnapshot]:
    """The community's snapshots of its last ``days`` recorded days, oldest first: one
    query."""
    recent = EngagementSnapshot.objects.filter(community=community).order_by("-day")[:days]
    return list(reversed(recent))


def reciprocity_percent(snapshot: EngagementSnapshot) -> float | None:
    share = engagement.reciprocity(snapshot.relationships, snapshot.connections)
    return None if share is None else 100 * share


def stages_of(community_ids) -> dict[int, str]:
    """The latest stage of each community: one query, for lists such as the directory."""
    ids = list(community_ids)
    if not ids:
        return {}
    latest_day = (
        EngagementSnapshot.objects.filter(community_id=OuterRef("community_id"))
        .order_by("-day")
        .values("day")[:1]
    )
    rows = EngagementSnapshot.objects.filter(
        community_id__in=ids, day=Subquery(latest_day)
    ).values_list("community_id", "stage")
    return dict(rows)
