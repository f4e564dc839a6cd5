r"""Benchmark: close, tally and apply a proposal with an electorate of 100,000 members.

Target (DESIGN.md): under one second on PostgreSQL. Usage:

    psql -h 127.0.0.1 -U postgres -c 'create database commons_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/commons_bench \
        .venv/bin/python bench/close_vote.py

It builds (set-based INSERT … SELECT, a few seconds) a community of N members (default
100,000; ``--members``), a purpose change in voting whose electorate is snapshotted by the
real ``do_open_voting``, and votes from 60 % of the electorate; then times the real
``do_close_proposal`` (lock, tally in SQL, decide, write a new charter version, commit).
Telling every member the result is a separate sweep step (``do_notify_result``), timed
and printed on its own line, as is the "voting has opened" notice inside opening.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from community.models import Community  # noqa: E402
from members.models import Membership, User  # noqa: E402
from purposes import voting  # noqa: E402
from purposes.closing import do_close_proposal, do_notify_result  # noqa: E402
from purposes.models import Charter, Proposal, Vote  # noqa: E402
from purposes.voting import do_open_voting  # noqa: E402


@contextmanager
def timed(module, name: str):
    """Add the time spent in ``module.name`` during the block to the yielded [seconds]."""
    spent = [0.0]
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    setattr(module, name, wrapper)
    try:
        yield spent
    finally:
        setattr(module, name, original)


def build(members: int, tag: str) -> Proposal:
    now = timezone.now()
    community = Community.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}", state="active")
    charter = Charter.objects.create(
        community=community, version=1, purpose="To measure.", goals=["Be fast"]
    )
    Community.objects.filter(pk=community.pk).update(charter=charter)
    community.charter = charter
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {User._meta.db_table} (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined, display_name, bio)
            SELECT '!', false, 'b{tag}-' || g, '', '', '', false, true, %s, '', ''
            FROM generate_series(1, %s) g
            """,
            [now, members],
        )
        cursor.execute(
            f"""
            INSERT INTO {Membership._meta.db_table} (user_id, community_id, joined_at, role,
                suspension_reason, affirmed_charter_id, affirmed_at)
            SELECT u.id, %s, %s - (random() * interval '200 days'), 'member', '', %s, %s
            FROM {User._meta.db_table} u WHERE u.username LIKE %s
            """,
            [community.pk, now, charter.pk, now, f"b{tag}-%"],
        )
    author = User.objects.filter(username=f"b{tag}-1").get()
    proposal = Proposal.objects.create(
        community=community, kind="purpose", title="Measure faster", rationale="Because.",
        author=author, base_charter=charter, purpose="To measure, faster.",
        goals=["Be fast"], rules=charter.rules(), state="discussion", submitted_at=now,
        discussion_started_at=now, discussion_ends_at=now,
    )  # fmt: skip
    started = time.perf_counter()
    with timed(voting, "do_notify_many") as notify:
        do_open_voting(proposal_id=proposal.pk, now=now)
    print(
        f"open voting (snapshot + notify {members:,}): {time.perf_counter() - started:.2f} s, "
        f"of which notify {notify[0]:.2f} s"
    )
    proposal.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Vote._meta.db_table} (proposal_id, user_id, choice, reason, cast_at)
            SELECT %s, e.user_id,
                   (ARRAY['for','for','for','against','abstain'])[1 + (e.id %% 5)], '', %s
            FROM purposes_electoratemember e
            WHERE e.proposal_id = %s AND random() < 0.6
            """,
            [proposal.pk, now, proposal.pk],
        )
        cursor.execute("ANALYZE")
    return proposal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL (see the docstring).")
    call_command("migrate", verbosity=0)
    tag = str(int(time.time()))
    with transaction.atomic():
        proposal = build(args.members, tag)
    close_at = proposal.voting_ends_at + timedelta(seconds=1)

    started = time.perf_counter()
    do_close_proposal(proposal_id=proposal.pk, now=close_at)
    elapsed = time.perf_counter() - started

    proposal.refresh_from_db()
    print(f"electorate: {proposal.electorate_size:,} ({proposal.active_electorate_size:,} active)")
    print(f"tally: {proposal.for_count:,} for, {proposal.against_count:,} against, "
          f"{proposal.abstain_count:,} abstaining -> {proposal.state}")  # fmt: skip
    print(f"charter now version {Community.objects.get(pk=proposal.community_id).charter.version}")
    print(f"close + tally + apply: {elapsed * 1000:.0f} ms (target < 1000 ms)")
    started = time.perf_counter()
    told = do_notify_result(proposal_id=proposal.pk, now=close_at)
    print(
        f"notify result to {told:,} members (separate step): {time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
