"""Round trip across two instances (tests/portability/round_trip.py): a community's archive
is imported by another instance, a separate database run by its own ``manage.py``, which
exports it again: every record the format carries is the same, but the community record,
which is the new home's own. Two communities make the trip: Growers, whose members vote
to move it (its archive built by the worker at the move), and the richest community of
the demo data.

The second instance's database starts as a copy of this test's freshly migrated one
(SQLite's backup), so it needs no migrating of its own: the test stays quick. The same
trips on PostgreSQL are test_round_trip_postgres.py."""

from pathlib import Path

import pytest

from portability.archive import build_archive, read_archive
from tests.portability.round_trip import (
    check_demo_round_trip,
    check_moved_round_trip,
    copy_test_database,
    import_then_export,
    instance_b,
    moved_community,
    richest_demo_community,
    write_trips,
)

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture(scope="module")
def empty_instance(django_db_setup, django_db_blocker, tmp_path_factory) -> Path:
    """Instance B's var directory, with a database copied from this freshly migrated one
    (outside any test's transaction, which would lock the copy out)."""
    path = tmp_path_factory.mktemp("instance-b")
    with django_db_blocker.unblock():
        copy_test_database(path / "b.sqlite3")
    return path


def in_b(var: Path, *trips: tuple[Path, str, Path]) -> str:
    """Instance B imports each archive and exports it again (``write_trips``)."""
    write_trips(var / "trips.json", *trips)
    code = import_then_export(var / "trips.json")
    return instance_b(var, f"sqlite:///{var / 'b.sqlite3'}", "shell", "-c", code)


def test_export_import_export_across_two_databases_keeps_every_record(empty_instance):
    var = empty_instance
    first = moved_community()
    (var / "growers-a.zip").write_bytes(first)

    said = in_b(var, (var / "growers-a.zip", "growers", var / "growers-b.zip"))

    assert "/c/growers/" in said and "Wrote" in said
    check_moved_round_trip(read_archive(first), read_archive(var / "growers-b.zip"))


def test_a_demo_community_makes_the_round_trip_with_its_whole_history(empty_instance):
    var = empty_instance
    community = richest_demo_community()
    (var / "demo-a.zip").write_bytes(build_archive(community))

    said = in_b(var, (var / "demo-a.zip", community.slug, var / "demo-b.zip"))

    assert f"/c/{community.slug}/" in said and "Wrote" in said
    check_demo_round_trip(read_archive(var / "demo-a.zip"), read_archive(var / "demo-b.zip"))
