import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres_cluster import migrated_template

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def migrated_postgres(tmp_path_factory) -> Path:
    """A migrated primary's folder, stopped, that the PostgreSQL leg's proofs (replicas,
    PgBouncer) each start a copy of (tests/postgres_cluster.py): migrating costs ~10 s."""
    var = tmp_path_factory.mktemp("migrate-var")
    ours = ("DATABASE_", "CELERY_", "REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)} | {
        "DEBUG": "true",
        "COMMONS_VAR_DIR": str(var),
        "PGAPPNAME": "commons-migrate",
    }

    def migrate(url: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT, env=env | {"DATABASE_URL": url}, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr

    template = migrated_template(migrate)
    yield template
    shutil.rmtree(template.parent, ignore_errors=True)
