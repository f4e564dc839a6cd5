"""The database a running Commons already has must survive every schema change.

`migrations_data/before_restructure.sqlite3.gz` is a SQLite database built by the migrations
as they stood before the apps were split by domain (models moved between apps keep their
tables), holding the demo data. Migrating it forward must keep every row, and the models
must read them where they now live.
"""

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = Path(__file__).parent / "migrations_data" / "before_restructure.sqlite3.gz"

# Rows Django itself rewrites as models move between apps, and SQLite's own counters of
# ids (a table rebuilt to add a unique column gets one, though no row of data moved).
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}

COUNT_THROUGH_MODELS = """
import json
from django.apps import apps
print(json.dumps({m._meta.db_table: m._default_manager.count() for m in apps.get_models()}))
"""


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        # Table names come from sqlite_master, not from input.
        return {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def manage(*args: str, database: Path) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_migrate_keeps_every_row_of_a_database_built_before_the_restructure(tmp_path):
    database = tmp_path / "before.sqlite3"
    with gzip.open(BEFORE) as packed, database.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    before = row_counts(database)
    assert sum(before.values()) > 1000, "the fixture should hold the demo data"

    manage("migrate", "--noinput", database=database)

    after = row_counts(database)
    kept = {t: after.get(t) for t in before if t not in BOOKKEEPING}
    assert kept == {t: n for t, n in before.items() if t not in BOOKKEEPING}
    printed = manage("shell", "-c", COUNT_THROUGH_MODELS, database=database)
    through_models = json.loads(printed.strip().splitlines()[-1])
    for table, count in through_models.items():
        assert count == after[table], table
    manage("makemigrations", "--check", "--dry-run", database=database)
