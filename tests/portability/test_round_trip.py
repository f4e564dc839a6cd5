"""Round trip across two instances: a community's members vote to move it; its archive
(built by the worker at the move) is imported by another instance, a separate database
run by its own ``manage.py``, which exports it again: every record the format carries
is the same, but the community record, which is the new home's own.

The second instance's database starts as a copy of this test's freshly migrated one
(SQLite's backup), so it needs no migrating of its own: the test stays quick."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from community.actions import do_reply
from moderation.flags import check_flag_post
from portability.archive import PARTS, read_archive
from portability.models import MoveHandoff
from portability.tasks import hand_over_moved_communities
from purposes.models import Proposal
from tests.factories import community_with_members, thread_with_post
from tests.purposes.test_proposals import draft, purpose_text
from tests.purposes.test_votes import _pass

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
HOME = "https://b.example/c/growers/"


def instance_b(tmp_path: Path, *args: str) -> str:
    """Run ``manage.py`` of the other instance (its own database and var directory): a
    process of its own, which shares nothing with this one but the archive file."""
    env = os.environ | {
        "COMMONS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def empty_instance(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """Instance B's var directory, with a database copied from this freshly migrated one
    (outside any test's transaction, which would lock the copy out)."""
    path = tmp_path_factory.mktemp("instance-b")
    with django_db_blocker.unblock():
        # The module is marked ``embedded``: the PostgreSQL leg never selects it. Run there
        # by mistake it fails, rather than passing as skipped.
        assert connection.vendor == "sqlite", "instance B's database is copied from SQLite's"
        connection.ensure_connection()
        with sqlite3.connect(path / "b.sqlite3") as copy:
            connection.connection.backup(copy)
    return path


def test_export_import_export_across_two_databases_keeps_every_record(empty_instance):
    tmp_path = empty_instance
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
    first = bytes(MoveHandoff.objects.get(community=community).build.data)
    (tmp_path / "a.zip").write_bytes(first)

    # One process of instance B (its start-up is most of the time): import, then export.
    said = instance_b(tmp_path, "shell", "-c", (
        "from django.core.management import call_command; "
        f"call_command('import_community', {str(tmp_path / 'a.zip')!r}); "
        f"call_command('export_community', 'growers', output={str(tmp_path / 'b.zip')!r})"
    ))  # fmt: skip
    assert "growers" in said and "Wrote" in said

    a, b = read_archive(first), read_archive(tmp_path / "b.zip")
    assert a.sha256 != b.sha256 and b.manifest["source_url"].endswith("/c/growers/")
    for part in PARTS:
        if part != "community.jsonl":
            assert b.records(part) == a.records(part), part
    assert len(a.records("charters.jsonl")) == 2 and len(a.records("posts.jsonl")) >= 4
    kinds = [p["kind"] for p in a.records("proposals.jsonl")]
    assert "move" in kinds and "purpose" in kinds
    was, now = a.records("community.jsonl")[0], b.records("community.jsonl")[0]
    assert (now["name"], now["tagline"], now["visibility"]) == (
        was["name"], was["tagline"], was["visibility"],
    )  # fmt: skip
    assert was["moved_to"] == HOME and now["moved_to"] is None and now["state"] == "forming"
    assert now["charter_version"] == was["charter_version"] == 2
