"""Start a real Celery worker process for tests marked ``worker``."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The test database as a URL, for a worker process's DATABASE_URL."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float = 60.0, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def _uses_filesystem_broker() -> bool:
    return settings.CELERY_BROKER_URL.startswith("filesystem://")


@contextmanager
def real_worker(
    tmp_path: Path,
    extra_env: dict[str, str] | None = None,
    *,
    app: str = "config",
    pool: tuple[str, ...] = ("-P", "solo"),
    queue: str | None = None,
):
    """Yield (client_app, queue) connected to a freshly started worker process.

    The worker listens on a queue of its own, so a developer's running worker never
    takes the test's messages. With the filesystem broker both sides use a folder under
    tmp_path; otherwise they share the configured broker (Redis in CI). ``app`` names the
    Celery app module (the fault tests use tests.fault_worker); ``pool`` the pool options
    (a prefork pool survives the SIGKILL of its child and redelivers the task).
    """
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "COMMONS_VAR_DIR": str(tmp_path), **(extra_env or {})}
    client = Celery("commons-test", set_as_current=False)
    if _uses_filesystem_broker():
        folder = tmp_path / "celery" / "queue"
        folder.mkdir(parents=True, exist_ok=True)
        results = tmp_path / "celery" / "results"
        results.mkdir(parents=True, exist_ok=True)
        env["CELERY_RESULT_BACKEND"] = f"file://{results}"
        client.conf.update(
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(folder),
                "data_folder_out": str(folder),
                "control_folder": str(tmp_path / "celery" / "control"),
            },
            result_backend=f"file://{results}",
        )
    else:
        client.conf.update(
            broker_url=settings.CELERY_BROKER_URL, result_backend=settings.CELERY_RESULT_BACKEND
        )
    client.conf.update(task_serializer="json", accept_content=["json"])
    command = ["-A", app, "worker", *pool, "-Q", queue, "--loglevel=INFO",
               "--without-gossip", "--without-mingle"]  # fmt: skip
    with _celery(command, env, tmp_path / "worker.log", ready="ready."):
        yield client, queue


@contextmanager
def real_beat(tmp_path: Path, name: str, extra_env: dict[str, str]):
    """A `celery beat` process of tests.fault_worker (its schedule from extra_env), with
    its own schedule file and log (tmp_path / f"{name}.log"), on the configured broker."""
    log_path = tmp_path / f"{name}.log"
    command = ["-A", "tests.fault_worker", "beat", "--loglevel=INFO",
               "--schedule", str(tmp_path / f"{name}-schedule")]  # fmt: skip
    env = {**os.environ, "COMMONS_VAR_DIR": str(tmp_path), **extra_env}
    with _celery(command, env, log_path, ready="beat: Starting..."):
        yield log_path


@contextmanager
def _celery(command: list[str], env: dict[str, str], log_path: Path, ready: str):
    """Run `celery <command>` until the block ends, its output in log_path; the block starts
    once the log says ``ready``."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", *command],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_ready(log_path, process, marker=ready)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_until_ready(
    log_path: Path, process: subprocess.Popen, marker: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery exited early:\n{log_path.read_text()}")
        if marker in log_path.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"celery not ready after {timeout}s:\n{log_path.read_text()}")
