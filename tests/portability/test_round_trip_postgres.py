"""The round trips of test_round_trip.py on PostgreSQL (tests/portability/round_trip.py):
Growers, moved by its members' vote, and the richest community of the demo data, exported
here, imported by instance B, exported again by B: every record the format carries is the
same, but the community record, which is the new home's own.

Instance B's database is a fresh one on the same server (this test database's name and
"_b"), migrated by B's own ``manage.py`` and dropped at the end whatever happened. One
process of B migrates, imports both archives and exports both; it starts with the test, so
its migrations (most of its time) run while this instance builds the archives."""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from portability.archive import build_archive, read_archive
from tests.portability.round_trip import (
    check_demo_round_trip,
    check_moved_round_trip,
    finished,
    import_then_export,
    moved_community,
    richest_demo_community,
    start_instance_b,
    write_trips,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def database_b() -> Iterator[str]:
    """The address of instance B's database: created empty beside this test's, dropped
    at the end (``FORCE``: a process of B left behind by a failure does not keep it)."""
    here = connection.settings_dict
    name = f"{here['NAME']}_b"
    server = {
        "host": here["HOST"] or "localhost", "port": here["PORT"] or 5432,
        "user": here["USER"], "password": here["PASSWORD"],
    }  # fmt: skip
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(drop)  # left by a run that was killed
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield (
            f"postgres://{server['user']}:{server['password']}@{server['host']}:"
            f"{server['port']}/{name}"
        )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(drop)


@pytest.fixture
def instance_b(tmp_path: Path, database_b: str) -> Iterator[subprocess.Popen]:
    """Instance B's process, migrating its database, then waiting for its trips
    (``write_trips`` to tmp_path / "trips.json"); ended if the test fails before."""
    code = import_then_export(tmp_path / "trips.json", migrate=True)
    process = start_instance_b(tmp_path, database_b, "shell", "-c", code)
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_both_round_trips_keep_every_record_between_two_postgresql_databases(
    tmp_path: Path, instance_b: subprocess.Popen, figure
):
    # The demo first: its proposals are seeded only where there are none, and the sweeps
    # of Growers' votes would decide the demo's open ones.
    demo = richest_demo_community()
    (tmp_path / "demo-a.zip").write_bytes(build_archive(demo))
    (tmp_path / "growers-a.zip").write_bytes(moved_community())

    waited = time.monotonic()
    write_trips(
        tmp_path / "trips.json",
        (tmp_path / "growers-a.zip", "growers", tmp_path / "growers-b.zip"),
        (tmp_path / "demo-a.zip", demo.slug, tmp_path / "demo-b.zip"),
    )
    said = finished(instance_b)
    figure(f"round trips on PostgreSQL: waited {time.monotonic() - waited:.1f} s for instance B")

    assert said.count("Imported") == 2 and said.count("Wrote") == 2
    check_moved_round_trip(
        read_archive(tmp_path / "growers-a.zip"), read_archive(tmp_path / "growers-b.zip")
    )
    check_demo_round_trip(
        read_archive(tmp_path / "demo-a.zip"), read_archive(tmp_path / "demo-b.zip")
    )
