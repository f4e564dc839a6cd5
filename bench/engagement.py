r"""Benchmark: the engagement job on 10,000 members and 1,000,000 posts.

Target (DESIGN.md): the full recomputation under 60 s on PostgreSQL on 2 cores, the daily
incremental run in seconds. Usage:

    psql -h 127.0.0.1 -U postgres -c 'create database commons_bench_eng'
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/commons_bench_eng \
        .venv/bin/python bench/engagement.py            # 10,000 members, 1,000,000 posts
    ... bench/engagement.py --posts 100000               # a quicker run

It migrates the database, empties the tables it fills, and generates the data in
set-based SQL (INSERT ... SELECT over generate_series, no Python loop over rows):
``--members`` users in ``--communities`` communities (each member in one or two of
them), one thread per ten posts, and replies in rounds, each reply under a random earlier
post of its thread, written over the last 120 days. Then it times, with the real code:

1. the full recomputation of every pair count (engagement.relationships.recompute_all),
   for the 90 days ending at the last midnight;
2. the daily incremental run: counts recomputed up to the midnight before, then brought
   forward one day (engagement.relationships.bring_up_to), and checked equal to (1);
3. the daily snapshot of every community (engagement.snapshots.take_snapshots).
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/commons_bench_eng"
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from community.models import Community, Post, Thread  # noqa: E402
from engagement import relationships, snapshots  # noqa: E402
from engagement.models import EngagementSnapshot, EngagementWatermark, MemberPair  # noqa: E402
from members.models import Membership, User  # noqa: E402
from purposes.models import Charter  # noqa: E402

DAYS_OF_HISTORY = 120


def _sql(statement: str, params=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchone()[0]


def build(*, members: int, posts: int, communities: int) -> None:
    now = timezone.now()
    tables = [
        MemberPair,
        EngagementSnapshot,
        EngagementWatermark,
        Post,
        Thread,
        Membership,
        Community,
        Charter,
    ]
    names = ", ".join(m._meta.db_table for m in tables)
    _sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    _sql(f"DELETE FROM {User._meta.db_table} WHERE username LIKE 'bench-%%'")
    for c in range(communities):
        community = Community.objects.create(
            name=f"Bench {c}", slug=f"bench-{c}", state="active", visibility="public"
        )
        charter = Charter.objects.create(
            community=community, version=1, purpose="To measure.", goals=["Be fast"]
        )
        Community.objects.filter(pk=community.pk).update(charter=charter)
    first_community = Community.objects.order_by("pk").first().pk
    user, member, post, thread = (
        User._meta.db_table,
        Membership._meta.db_table,
        Post._meta.db_table,
        Thread._meta.db_table,
    )
    _sql(
        f"""
        INSERT INTO {user} (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, display_name, bio)
        SELECT '!', false, 'bench-' || g, '', '', '', false, true, %s, '', ''
        FROM generate_series(0, %s - 1) g
        """,
        [now - timedelta(days=DAYS_OF_HISTORY + 10), members],
    )
    base = _scalar(f"SELECT MIN(id) FROM {user} WHERE username LIKE 'bench-%%'")
    # Member n is in community n % C, and every other member also in (3n + 1) % C.
    _sql(
        f"""
        INSERT INTO {member} (user_id, community_id, joined_at, role, suspension_reason,
            affirmed_charter_id, affirmed_at)
        SELECT u.id, {first_community} + x.c, %s, 'member', '', ch.id, %s
        FROM {user} u
        CROSS JOIN LATERAL (
            SELECT (u.id - {base}) %% {communities} AS c
            UNION
            SELECT ((u.id - {base}) * 3 + 1) %% {communities}
            WHERE (u.id - {base}) %% 2 = 0
        ) x
        JOIN {Charter._meta.db_table} ch ON ch.community_id = {first_community} + x.c
        WHERE u.username LIKE 'bench-%%'
        """,
        [now - timedelta(days=DAYS_OF_HISTORY + 5), now],
    )
    # An author of community c: a member n with n % C == c.
    per_community = members // communities
    author = f"{base} + c + {communities} * floor(random() * {per_community})::int"
    threads = max(1, posts // 10)
    _sql(
        f"""
        INSERT INTO {thread} (community_id, title, slug, author_id, goal, created_at,
            last_activity_at, reply_count)
        SELECT {first_community} + c, 'Thread ' || g, 'thread', {author},
               CASE WHEN g %% 3 = 0 THEN 'Be fast' ELSE '' END, at, at, 0
        FROM (
            SELECT g, (g %% {communities}) AS c,
                   %s - random() * interval '{DAYS_OF_HISTORY} days' AS at
            FROM generate_series(1, %s) g
        ) s
        """,
        [now, threads],
    )
    _sql(
        f"""
        INSERT INTO {post} (thread_id, author_id, parent_id, path, depth, child_seq, body,
            body_html, created_at, client_token, moderation_state, moderation_reason)
        SELECT id, author_id, NULL, '000001', 0, 0, 'Hello', '<p>Hello</p>', created_at, '',
            '', ''
        FROM {thread}
        """
    )
    # Replies in rounds: each round adds one reply per thread (while posts remain), under
    # the thread's opening post or under the reply of the previous round.
    remaining, round_number = posts - threads, 1
    while remaining > 0:
        count = min(remaining, threads)
        segment = f"{round_number:06d}"
        _sql(
            f"""
            INSERT INTO {post} (thread_id, author_id, parent_id, path, depth, child_seq, body,
                body_html, created_at, client_token, moderation_state, moderation_reason)
            SELECT p.thread_id,
                   {base} + (t.community_id - {first_community})
                       + {communities} * floor(random() * {per_community})::int,
                   p.id, p.path || '{segment}', p.depth + 1, 0, 'A reply', '<p>A reply</p>',
                   LEAST(%s, p.created_at + random() * interval '2 days'), '', '', ''
            FROM (
                SELECT DISTINCT ON (thread_id) id, thread_id, path, depth, created_at
                FROM {post}
                WHERE thread_id <= %s
                  AND (depth = 0 OR (right(path, 6) = %s AND random() < 0.7))
                ORDER BY thread_id, depth DESC
            ) p
            JOIN {thread} t ON t.id = p.thread_id
            """,
            [now, count, f"{round_number - 1:06d}"],
        )
        remaining -= count
        round_number += 1
    _sql(f"ANALYZE {post}")
    _sql(f"ANALYZE {thread}")
    _sql(f"ANALYZE {member}")


def _checksum() -> tuple:
    pairs = MemberPair._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), SUM(a_to_b), SUM(b_to_a), "
            f"SUM(CASE WHEN a_to_b > 0 AND b_to_a > 0 THEN 1 ELSE 0 END) FROM {pairs}"
        )
        return tuple(cursor.fetchone())


def timed(label: str, function, **kwargs):
    start = time.perf_counter()
    result = function(**kwargs)
    elapsed = time.perf_counter() - start
    print(f"{label:<58} {elapsed:8.2f} s")
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    if not args.reuse:
        timed(
            f"generate {args.members:,} members, {args.posts:,} posts",
            build,
            members=args.members,
            posts=args.posts,
            communities=args.communities,
        )
    posts = Post.objects.count()
    replies = Post.objects.filter(parent__isnull=False).count()
    print(f"data: {posts:,} posts ({replies:,} replies), {Membership.objects.count():,} "
          f"memberships, {Community.objects.count()} communities")  # fmt: skip

    today = timezone.now().date()
    until = snapshots.end_of(today - timedelta(days=1))
    _, full = timed("full recomputation (90-day window, all communities)",
                    relationships.recompute_all, until=until)  # fmt: skip
    reference = _checksum()
    relationships.recompute_all(until=until - timedelta(days=1))
    day_replies = Post.objects.filter(
        parent__isnull=False, created_at__gt=until - timedelta(days=1), created_at__lte=until
    ).count()
    how, incremental = timed(f"daily incremental run ({day_replies:,} new replies)",
                             relationships.bring_up_to, until=until)  # fmt: skip
    assert how == "incremental", how
    assert _checksum() == reference, (_checksum(), reference)
    print(f"pairs: {reference[0]:,} ({reference[3]:,} two-way); incremental == full: yes")
    run, snap = timed("daily snapshot of every community (after the counts)",
                      snapshots.take_snapshots, day=today - timedelta(days=1))  # fmt: skip
    print(f"snapshots written: {run.communities}")
    print(f"target: full < 60 s: {'met' if full < 60 else 'NOT met'}; "
          f"daily run {incremental + snap:.2f} s in all")  # fmt: skip


if __name__ == "__main__":
    main()
