"""Proof that Commons runs behind PgBouncer in transaction mode (README, "Past one
machine"): a PostgreSQL of this test's own (tests/postgres_cluster.py, every statement
logged with its connection's application name), Debian's pgbouncer in front of it run with
config/pgbouncer.ini (the file Compose runs; only addresses, files and the pool size
changed: ONE server connection, so every client shares it), and Commons pointed at
PgBouncer with DATABASE_POOLER=pgbouncer (tests/config/pooler_flow.py).

Shown: a member's join, reply and vote, the thread page (theirs and anonymous readers',
four at a time), the sweep closing the vote and the clean-up task's iterator all work
through it, with what a person would see and the rows to match; PostgreSQL was sent no
prepared statement, server-side cursor or session-level SET; and the one server
connection they all shared holds no session state afterwards."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.postgres_cluster import Cluster, PgBouncer

# The PostgreSQL leg only, where .ci/run installs PostgreSQL and pgbouncer: a machine
# without them fails here (the cluster and PgBouncer assert their binaries), not skips.
pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
OURS = ("DATABASE_", "CELERY_", "REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT")
# The parameters PgBouncer itself keeps per client and sets on the server connection it
# lends (its "tracked parameters"): Django's set_config('TimeZone', 'UTC', false) when the
# server's differs, and PgBouncer's own SET TimeZone, are carried per client, not leaked.
TRACKED = {"application_name", "client_encoding", "datestyle", "timezone",
           "standard_conforming_strings"}  # fmt: skip
STATEMENT = re.compile(r"LOG:  (?:statement|execute [^:]+): (.*)")


def keeps_session_state(line: str) -> bool:
    """A logged statement that breaks in transaction mode, or leaves state on the server
    connection for the next client: a named prepared statement, a cursor, a listener, a
    temporary table, a session-level SET or set_config, a session advisory lock."""
    if re.search(r"LOG:  execute (?!<unnamed>)[^:]+:", line):
        return True
    match = STATEMENT.search(line)
    if match is None:
        return False
    sql = match.group(1)
    if re.match(r"(PREPARE|DECLARE|LISTEN|RESET|DISCARD|CREATE TEMP)\b", sql, re.IGNORECASE):
        return True
    set_ = re.match(r"SET\s+(?!LOCAL\b|CONSTRAINTS\b|TRANSACTION\b)(?:SESSION\s+)?(\w+)", sql, re.I)
    if set_ and set_.group(1).lower() not in TRACKED:
        return True
    for name, local in re.findall(r"set_config\('(\w+)',\s*[^,]+,\s*(\w+)\)", sql, re.I):
        if local.lower() == "false" and name.lower() not in TRACKED:
            return True
    return bool(re.search(r"pg_(try_)?advisory_lock", sql, re.IGNORECASE))


def run(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_pages_and_actions_work_through_pgbouncer_in_transaction_mode(
    tmp_path, figure, migrated_postgres
):
    base = {k: v for k, v in os.environ.items() if not k.startswith(OURS)} | {
        "DEBUG": "true",
        "COMMONS_VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    # Migrated straight on PostgreSQL, as in Compose (the copy of a migrated primary).
    with Cluster(template=migrated_postgres) as cluster, PgBouncer(cluster, pool_size=1) as bouncer:
        pooled = base | {
            "DATABASE_URL": bouncer.url(),
            "DATABASE_POOLER": "pgbouncer",
            "PGAPPNAME": "commons-pooled",
        }
        seen = json.loads(run(pooled, "-m", "tests.config.pooler_flow").strip().splitlines()[-1])

        # What a person sees, and the rows behind it.
        assert seen["settings"] is True  # DATABASE_POOLER=pgbouncer: no server-side cursors
        assert seen["thread_page"] == [200, True]
        assert seen["join"] == [302, "/c/bench-2/"]
        assert seen["reply"][0] == 302
        assert seen["reply_shown"] == [200, True]
        assert seen["vote"][0] == 302
        assert seen["anonymous_reads"] == [[200, True]] * 8
        assert seen["sweep"]["closed"] == 1, seen["sweep"]
        assert seen["cleanup"] == 1
        rows = seen["rows"]
        assert rows["joined"] is True
        assert rows["replies"] == 1 and rows["votes"] == 1
        assert rows["proposal_state"] in {"passed", "rejected", "conflict"}
        assert rows["stale_left"] is False

        # They all went through PgBouncer's one server connection.
        (commons,) = [row for row in bouncer.show("STATS") if row["database"] == "commons"]
        (pool,) = [row for row in bouncer.show("POOLS") if row["database"] == "commons"]
        servers = bouncer.show("SERVERS")
        assert pool["pool_mode"] == "transaction"
        assert commons["total_xact_count"] > 100
        assert len(servers) == 1

        # PostgreSQL was sent nothing through PgBouncer that needs a session of its own.
        log = cluster.primary.log.read_text(errors="replace").splitlines()
        assert len(cluster.primary.log_lines("commons-pooled")) > 100
        assert [line for line in log if keeps_session_state(line)] == []

        # And that one server connection holds no state of theirs: a new client through
        # PgBouncer is lent it, and finds none.
        with psycopg.connect(bouncer.url(), autocommit=True) as probe:
            state = probe.execute(
                "SELECT pg_backend_pid(),"
                " (SELECT count(*) FROM pg_prepared_statements),"
                " (SELECT count(*) FROM pg_cursors),"
                " (SELECT count(*) FROM pg_listening_channels()),"
                " (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                "   AND pid = pg_backend_pid()),"
                " pg_my_temp_schema() <> 0,"
                " array(SELECT lower(name) FROM pg_settings WHERE source = 'session')"
            ).fetchone()
        assert state[0] == servers[0]["remote_pid"]
        assert state[1:6] == (0, 0, 0, 0, False)
        assert set(state[6]) <= TRACKED, state[6]
    figure(
        f"PgBouncer, one server connection: {commons['total_xact_count']} transactions, "
        f"{commons['total_query_count']} queries of the flow"
    )
