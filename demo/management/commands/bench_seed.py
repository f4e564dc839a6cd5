"""``manage.py bench_seed``: the benchmark data set, deterministic and fast.

Same seed, same rows: members ``bench-1`` … ``bench-N`` (one password for all), public
active communities ``bench-0`` … ``bench-K`` (``bench-0`` holds every member and the
measured threads), ``--threads`` threads of about ``--posts-per-thread`` posts nested a few
levels, one thread of ``--big-thread`` posts nested up to eight levels ("The big
thread"), a proposal in voting with 60 % of its electorate voted, one closed by a real
tally, and one in discussion. Posts are inserted in bulk with ids assigned here (COPY on
PostgreSQL, bulk_create elsewhere); their HTML is rendered once per distinct body.
Run it on an empty database (the benchmark runner makes a fresh one): it refuses one that
holds any account it did not create, and runs with DEBUG off only when told ``--i-know``.
"""

import random
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from bench.vocabulary import WORDS, markdown_bodies
from community.models import Community, Post, Thread, path_segment
from core.markdown import render_markdown
from members.models import Membership, User
from purposes.closing import do_close_proposal
from purposes.models import Charter, Proposal, Vote
from purposes.voting import do_open_voting

PASSWORD = "bench-password"  # noqa: S105 (benchmark data, never a real account)
SEED = 20260801
SEEDED_BY = "bench_seed"


def _bodies(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` distinct Markdown bodies with their HTML, rendered once each."""
    return [(text, render_markdown(text)) for text in markdown_bodies(rng, count)]


def _tree(rng: random.Random, count: int, max_depth: int) -> list[tuple[int, int]]:
    """A reply tree of ``count`` posts: (parent index or -1, depth) per post, in creation
    order. Replies favour recent posts, so conversations run several levels deep."""
    nodes = [(-1, 0)]
    for i in range(1, count):
        while True:
            parent = 0 if rng.random() < 0.25 else rng.randint(max(0, i - 6), i - 1)
            if nodes[parent][1] < max_depth:
                break
        nodes.append((parent, nodes[parent][1] + 1))
    return nodes


class Command(BaseCommand):
    help = "Generate the benchmark data set (deterministic; run on an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1000)
        parser.add_argument("--communities", type=int, default=20)
        parser.add_argument("--threads", type=int, default=200)
        parser.add_argument("--posts-per-thread", type=int, default=20)
        parser.add_argument("--big-thread", type=int, default=500)
        parser.add_argument("--seed", type=int, default=SEED)
        # Another prefix adds a second data set beside the first (the budget tests do).
        parser.add_argument("--prefix", default="bench")
        parser.add_argument(
            "--i-know",
            action="store_true",
            help="Seed even with DEBUG off (the benchmark runs on production settings).",
        )

    def handle(self, *args, **options):
        self.prefix = options["prefix"]
        if not settings.DEBUG and not options["i_know"]:
            raise CommandError(
                "DEBUG is off: this looks like a production site. The benchmark data is for "
                "a scratch database; run with --i-know to seed anyway."
            )
        # The data set joins its members to communities, posts and votes as them: never as
        # an account someone made (R1), so any account but its own stops it.
        foreign = User.objects.exclude(seeded_by=SEEDED_BY).order_by("username")
        if names := list(foreign.values_list("username", flat=True)[:10]):
            raise CommandError(
                "Not seeding: this database holds accounts bench_seed did not create "
                f"({', '.join(names)}). Seed an empty database."
            )
        if Community.objects.filter(slug=f"{self.prefix}-0").exists():
            raise CommandError("Benchmark data already present: seed an empty database.")
        started = time.perf_counter()
        rng = random.Random(options["seed"])
        # A fixed "now", so two runs make the same rows (dates included) on the same day.
        now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
        phases = {}

        def lap(name: str) -> None:
            phases[name] = time.perf_counter() - started - sum(phases.values())

        with transaction.atomic():
            users = self._members(options["members"], now)
            lap("members")
            communities = self._communities(options["communities"], users, rng, now)
            lap("communities")
            posts = self._threads(options, users, communities, rng, now)
            lap("posts")
        # A live site's tables have planner statistics (autovacuum keeps them); tables just
        # filled in bulk have none until analysed, and the real actions below would be
        # planned blind: without them the electorate's snapshot walked every thread of the
        # community once per member (22 minutes at 100x instead of seconds).
        self._analyze()
        lap("analyze")
        self._proposals(communities[0], users, rng, now)
        lap("proposals")
        self._settle()
        lap("vacuum")
        timings = ", ".join(f"{name} {seconds:.1f}" for name, seconds in phases.items())
        self.stdout.write(
            f"bench_seed: {len(users):,} members, {len(communities)} communities, "
            f"{posts:,} posts in {time.perf_counter() - started:.1f} s ({timings})"
        )

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _settle(self) -> None:
        """Leave the tables as autovacuum keeps a live site's: on PostgreSQL, VACUUM too.
        Rows inserted in bulk wait in each GIN index's pending list until a vacuum merges
        them, and every search scans that list: at 100x, finding thread titles took 10 ms
        through the index instead of 0.3, so the planner read all 20,000 threads. (Inside
        a transaction, as in a test, VACUUM cannot run.)"""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            self._analyze()
            return
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    def _members(self, count: int, now) -> list[User]:
        password = make_password(PASSWORD)
        users = [
            User(
                username=f"{self.prefix}-{i}",
                email=f"{self.prefix}-{i}@example.org",
                display_name=f"Member {i}",
                password=password,
                date_joined=now - timedelta(days=200),
                seeded_by=SEEDED_BY,
            )
            for i in range(1, count + 1)
        ]
        User.objects.bulk_create(users, batch_size=2000)
        # allauth reads verified addresses from its own table; logging in needs one.
        from allauth.account.models import EmailAddress

        if any(user.pk is None for user in users):  # a database that returns no ids
            names = [user.username for user in users]
            users = list(User.objects.filter(username__in=names).order_by("id"))
        self._insert(
            EmailAddress,
            ["user_id", "email", "verified", "primary"],
            [(u.pk, u.email, True, True) for u in users],
        )
        return users

    def _communities(self, count, users, rng, now) -> list[Community]:
        communities = Community.objects.bulk_create(
            [
                Community(
                    name=f"{self.prefix.title()} Gardeners {i}",
                    slug=f"{self.prefix}-{i}",
                    tagline="Growing food together, measured.",
                    state=Community.State.ACTIVE,
                    activated_at=now - timedelta(days=180),
                )
                for i in range(count)
            ],
            batch_size=1000,
        )
        if any(c.pk is None for c in communities):
            communities = list(
                Community.objects.filter(slug__startswith=f"{self.prefix}-").order_by("id")
            )
        charters = Charter.objects.bulk_create(
            [
                Charter(
                    community=community,
                    version=1,
                    purpose="To grow food together and share what we learn.",
                    goals=["Share tools", "Teach newcomers", "Grow more food"],
                    author=users[0],
                )
                for community in communities
            ],
            batch_size=1000,
        )
        if any(c.pk is None for c in charters):
            by_community = {c.community_id: c for c in Charter.objects.filter(version=1)}
            charters = [by_community[c.pk] for c in communities]
        for community, charter in zip(communities, charters, strict=True):
            community.charter = charter
        Community.objects.bulk_update(communities, ["charter"], batch_size=1000)
        memberships = []
        for n, user in enumerate(users):
            others = {0, 1 + n % max(1, count - 1)} if count > 1 else {0}
            for c in sorted(others):
                # Before the proposals' discussion began (14 days ago): all vote.
                joined = now - timedelta(days=rng.randint(15, 180))
                memberships.append(
                    (user.pk, communities[c].pk, joined, "moderator" if n < 2 else "member",
                     communities[c].charter_id, now - timedelta(days=5), "")
                )  # fmt: skip
        self._insert(
            Membership,
            ["user_id", "community_id", "joined_at", "role", "affirmed_charter_id",
             "affirmed_at", "suspension_reason"],
            memberships,
        )  # fmt: skip
        return communities

    def _threads(self, options, users, communities, rng, now) -> int:
        bodies = _bodies(rng, 60)
        per_thread = options["posts_per_thread"]
        specs = []  # (community, title, post count, max depth)
        for t in range(options["threads"]):
            community = communities[0] if t % 2 == 0 else communities[t % len(communities)]
            count = max(1, per_thread + rng.randint(-2, 2)) if t else per_thread
            specs.append((community, f"Thread {t}: {' '.join(rng.sample(WORDS, 3))}", count, 4))
        specs.append((communities[0], "The big thread", options["big_thread"], 8))
        next_post_id = (Post.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        threads, rows = [], []
        # 17 minutes apart, closer when there are too many to start within 50 days: at 100x
        # they ran 176 days into the future, and every visit to the big thread saw it new.
        step = min(17, 50 * 24 * 60 // len(specs))
        for n, (community, title, count, max_depth) in enumerate(specs):
            start = now - timedelta(days=60) + timedelta(minutes=step * n)
            thread = Thread(
                community=community,
                title=title,
                slug=title.lower().replace(":", "").replace(" ", "-")[:80],
                author=users[rng.randrange(len(users))],
                created_at=start,
                last_activity_at=start + timedelta(minutes=count),
                reply_count=count - 1,
            )
            threads.append(thread)
            rows.append((thread, _tree(rng, count, max_depth), start))
        Thread.objects.bulk_create(threads, batch_size=500)
        posts = []
        for thread, tree, start in rows:
            paths, child_seq, ids = [], [0] * len(tree), []
            for parent, _depth in tree:
                if parent < 0:
                    path = path_segment(1)
                else:
                    child_seq[parent] += 1
                    path = paths[parent] + path_segment(child_seq[parent])
                paths.append(path)
                ids.append(next_post_id)
                next_post_id += 1
            for i, (parent, depth) in enumerate(tree):
                body, html = bodies[rng.randrange(len(bodies))]
                posts.append(
                    (ids[i], thread.pk, users[rng.randrange(len(users))].pk,
                     ids[parent] if parent >= 0 else None, paths[i], depth, child_seq[i],
                     body, html, start + timedelta(minutes=i), "", "", "")
                )  # fmt: skip
        self._insert(
            Post,
            ["id", "thread_id", "author_id", "parent_id", "path", "depth", "child_seq", "body",
             "body_html", "created_at", "client_token", "moderation_state",
             "moderation_reason"],
            posts,
        )  # fmt: skip
        # Ids were assigned here: move the sequence past them. Not `manage.py
        # sqlsequencereset`: its output wraps the SQL in BEGIN/COMMIT, which would commit
        # the caller's transaction (a test's, for one).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Post]):
                cursor.execute(sql)
        return len(posts)

    def _insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        """Insert plain rows (no model instances: making 400,000 of them cost more than
        writing them). PostgreSQL: COPY, one round trip, several times faster than
        multi-row INSERTs; it fires the tables' triggers like any insert."""
        if connection.vendor != "postgresql":
            model.objects.bulk_create(
                [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
            )
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {model._meta.db_table} ({', '.join(f'"{c}"' for c in columns)}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def _proposals(self, community: Community, users, rng, now) -> None:
        """Three proposals through the real actions: one closed (tallied), one in voting
        with 60 % of the electorate voted, one in discussion."""
        charter = community.charter
        made = []
        for title, state in (
            ("Share the big shed", "closed"),
            ("Meet every other Sunday", "voting"),
            ("Add a seed library goal", "discussion"),
        ):
            proposal = Proposal.objects.create(
                community=community, kind="purpose", title=title, author=users[0],
                rationale="Because it helps us grow.\n\nWe talked it over in the thread.",
                base_charter=charter, purpose=charter.purpose + " " + title + ".",
                goals=charter.goals, rules=charter.rules(), state="discussion",
                submitted_at=now - timedelta(days=14),
                discussion_started_at=now - timedelta(days=14),
                discussion_ends_at=now - timedelta(days=11),
            )  # fmt: skip
            made.append((proposal, state))
        for proposal, state in made:
            if state == "discussion":
                Proposal.objects.filter(pk=proposal.pk).update(
                    discussion_ends_at=now + timedelta(days=2)
                )
                continue
            opened = now - timedelta(days=10 if state == "closed" else 1)
            do_open_voting(proposal_id=proposal.pk, now=opened)
            electorate = list(proposal.electorate.values_list("user_id", flat=True))
            # Three in five vote, three in four of them for: the closed one passes at
            # every size (so every size has the same page shapes, re-affirm banner included).
            voters = [u for i, u in enumerate(electorate) if i % 5 < 3]
            self._insert(
                Vote,
                ["proposal_id", "user_id", "choice", "reason", "cast_at"],
                [
                    (proposal.pk, u, ("for", "for", "against", "for")[i % 4], "",
                     opened + timedelta(hours=rng.randint(1, 20)))
                    for i, u in enumerate(voters)
                ],
            )  # fmt: skip
            if state == "closed":
                proposal.refresh_from_db()
                do_close_proposal(
                    proposal_id=proposal.pk, now=proposal.voting_ends_at + timedelta(seconds=1)
                )
