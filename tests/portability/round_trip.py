"""What the round-trip modules share (test_round_trip.py on SQLite, test_round_trip_postgres.py
on PostgreSQL): the two communities that make the trip, instance B's ``manage.py``, and
the comparison of the archives before and after.

A round trip: instance A exports a community; instance B (another database, run by its own
``manage.py``) imports the archive and exports it again. Every record the format carries
is the same, but the community record, which is the new home's own."""

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from community.actions import do_reply
from community.models import Community, Post
from moderation.flags import check_flag_post
from moderation.models import ModerationAction
from portability.archive import PARTS, Archive
from portability.models import MoveHandoff
from portability.tasks import hand_over_moved_communities
from purposes.models import Charter, Proposal
from tests.factories import community_with_members, thread_with_post
from tests.purposes.test_proposals import draft, purpose_text
from tests.purposes.test_votes import _pass

HOME = "https://b.example/c/growers/"
# What instance B takes from nobody but this module: its database, its broker and cache
# (the defaults, in its own var directory), whatever the suite's environment says.
OURS = ("DATABASE_", "CELERY_", "REDIS_URL", "COMMONS_VAR_DIR")


def copy_test_database(path: Path) -> None:
    """Instance B's SQLite database at ``path``: a copy of this test run's freshly migrated
    one, so B needs no migrating of its own. Called outside any test's transaction (which
    would lock the copy out) by a module marked ``embedded``: the PostgreSQL leg never
    selects it, and run there by mistake it fails rather than passing as skipped."""
    assert connection.vendor == "sqlite", "instance B's database is copied from SQLite's"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)


def start_instance_b(var: Path, database_url: str, *args: str) -> subprocess.Popen:
    """Start ``manage.py`` of the other instance (its own database and var directory): a
    process of its own, which shares nothing with this one but the archive files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    env |= {"COMMONS_VAR_DIR": str(var), "DATABASE_URL": database_url}
    return subprocess.Popen(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen) -> str:
    """What the process of instance B said, once it has ended well (ended by force if it
    has not within five minutes)."""
    try:
        out, err = process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, err[-2000:]
    return out


def instance_b(var: Path, database_url: str, *args: str) -> str:
    return finished(start_instance_b(var, database_url, *args))


# Code for ``manage.py shell -c`` on instance B, one process (its start-up is most of the
# time): migrate if asked; then, once the trips file is there (A may still be building the
# archives), for each trip in it import the archive (it keeps its address) and export the
# community it made.
IMPORT_THEN_EXPORT = """
import json, time
from pathlib import Path
from django.core.management import call_command
if {migrate}:
    call_command("migrate", verbosity=0)
trips, given_up = Path({trips!r}), time.monotonic() + 300
while not trips.exists() and time.monotonic() < given_up:
    time.sleep(0.05)
for archive, slug, output in json.loads(trips.read_text()):
    call_command("import_community", archive)
    call_command("export_community", slug, output=output)
"""


def import_then_export(trips: Path, *, migrate: bool = False) -> str:
    return IMPORT_THEN_EXPORT.format(trips=str(trips), migrate=migrate)


def write_trips(trips: Path, *each: tuple[Path, str, Path]) -> None:
    """Give instance B its trips, each (archive, slug, output), whole at once."""
    partial = trips.with_suffix(".partial")
    partial.write_text(json.dumps([[str(a), slug, str(out)] for a, slug, out in each]))
    partial.replace(trips)


# --- The communities that make the trip ---------------------------------------------------


def moved_community() -> bytes:
    """Growers, made by hand: four members, a thread with replies and a flagged post, a
    purpose change passed (charter version 2), a dissolution drafted, and a move to B voted
    through; its archive as the worker built it at the move."""
    community, members = community_with_members(4, slug="growers", name="Growers")
    thread, root = thread_with_post(community=community, author=members[0].user,
                                    body="Seeds on **Saturday**")  # fmt: skip
    reply = do_reply(author=members[1].user, thread=thread, parent_id=root.pk, body="I'll come")
    do_reply(author=members[2].user, thread=thread, parent_id=reply.pk, body="Me too")
    check_flag_post(actor=members[3].user, post=reply, reason="spam")
    _pass(draft(community, members[0].user, proposed=purpose_text(community)), members)
    failed = draft(community, members[1].user, kind=Proposal.Kind.DISSOLVE, proposed=None)
    failed.title = "Stop here"
    failed.save()
    move = draft(community, members[2].user, kind=Proposal.Kind.MOVE, proposed=None,
                 title="Move to B", new_home=HOME)  # fmt: skip
    _pass(move, members)
    community.refresh_from_db()
    assert community.is_moved and community.charter.version == 2
    hand_over_moved_communities()
    return bytes(MoveHandoff.objects.get(community=community).build.data)


def richest_demo_community() -> Community:
    """The demo data (``manage.py seed_demo``, in this process and database), and of its
    communities the one with the most history: posts, proposals, charter versions and
    moderation log together. Seed it before anything else makes proposals (the demo's
    proposals go nowhere once there are some) or sweeps them."""
    call_command("seed_demo", i_know=True, stdout=io.StringIO())

    def history(community: Community) -> int:
        return (
            Post.objects.filter(thread__community=community).count()
            + Proposal.objects.filter(community=community).exclude(state="draft").count()
            + Charter.objects.filter(community=community).count()
            + ModerationAction.objects.filter(community=community).count()
        )

    return max(Community.objects.order_by("slug"), key=history)


# --- Comparing ----------------------------------------------------------------------------


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def record_differences(first: Archive, second: Archive) -> list[str]:
    """Every way ``second`` differs from ``first`` in the records of every part but
    community.jsonl (the new home's own record): one line each, naming the part, the
    record and the field. Values are compared as the archive writes them (JSON), so 3 and
    3.0, or 1 and true, differ too."""
    missing = object()
    found = []
    for part in PARTS:
        if part == "community.jsonl":
            continue
        was, now = first.records(part), second.records(part)
        if len(was) != len(now):
            found.append(f"{part}: {len(was)} records, then {len(now)}")
        for number, (a, b) in enumerate(zip(was, now, strict=False), 1):
            for field in sorted(a.keys() | b.keys()):
                before, after = a.get(field, missing), b.get(field, missing)
                if before is missing or after is missing or _json(before) != _json(after):
                    shown = ["(none)" if v is missing else _json(v)[:200] for v in (before, after)]
                    found.append(f"{part} #{number} {field}: {shown[0]}, then {shown[1]}")
    return found


def check_moved_round_trip(a: Archive, b: Archive) -> None:
    """Growers (``moved_community``) after its trip: the same records, the history it
    carried, and a community record of the new home's own."""
    assert record_differences(a, b) == []
    assert a.sha256 != b.sha256 and b.manifest["source_url"].endswith("/c/growers/")
    assert len(a.records("charters.jsonl")) == 2 and len(a.records("posts.jsonl")) >= 4
    kinds = [p["kind"] for p in a.records("proposals.jsonl")]
    assert "move" in kinds and "purpose" in kinds
    was, now = a.records("community.jsonl")[0], b.records("community.jsonl")[0]
    assert (now["name"], now["tagline"], now["visibility"]) == (
        was["name"], was["tagline"], was["visibility"],
    )  # fmt: skip
    assert was["moved_to"] == HOME and now["moved_to"] is None and now["state"] == "forming"
    assert now["charter_version"] == was["charter_version"] == 2


def check_demo_round_trip(a: Archive, b: Archive) -> None:
    """The demo community (``richest_demo_community``) after its trip: the same records,
    and they are a real history (the demo's proposals in their states, two charter
    versions, a suspension under appeal, sixty days of health figures)."""
    assert record_differences(a, b) == []
    assert len(a.records("posts.jsonl")) > 50 and len(a.records("threads.jsonl")) > 10
    assert {"deleted_by_author", None} <= {p["withheld"] for p in a.records("posts.jsonl")}
    assert len(a.records("charters.jsonl")) == 2
    proposals = {(p["kind"], p["state"]) for p in a.records("proposals.jsonl")}
    assert {("purpose", "passed"), ("rules", "failed"), ("elect", "lapsed")} <= proposals
    assert ("purpose", "voting") in proposals and len(a.records("votes.jsonl")) > 10
    log = {entry["kind"] for entry in a.records("moderation_log.jsonl")}
    assert {"term_start", "suspend", "appeal_filed"} <= log
    assert len(a.records("health.jsonl")) >= 60
    was, now = a.records("community.jsonl")[0], b.records("community.jsonl")[0]
    assert (now["slug"], now["name"], now["tagline"], now["visibility"]) == (
        was["slug"], was["name"], was["tagline"], was["visibility"],
    )  # fmt: skip
    assert was["state"] == "active" and now["state"] == "forming"
    assert now["charter_version"] == was["charter_version"] == 2
