"""`make run` (run_commons) under a worker and a beat that keep dying: the site answers
throughout, each dead helper is started again with a line saying so, and every job of
the schedule still runs. Loopback only, the embedded default (SQLite, filesystem
broker) in a folder of the test's own."""

import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.worker import ROOT, wait_for

SOAK_SECONDS = 75


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> dict[int, str]:
    """The child processes of pid, with their command lines (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command
    return found


def _helper_pid(supervisor: int, role: str) -> int | None:
    for pid, command in _children(supervisor).items():
        if f" {role} " in f"{command} ":
            return pid
    return None


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env.update(COMMONS_VAR_DIR=str(var_dir), CELERY_BROKER_URL="filesystem://", DEBUG="1")
    return env


@pytest.mark.worker
@pytest.mark.embedded
def test_run_commons_finding_1_site_and_jobs_survive_a_worker_killed_at_random(tmp_path, figure):
    env = _embedded_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = tmp_path / "run_commons.log"
    seed = random.randrange(10**6)
    chance = random.Random(seed)
    with open(log_path, "w") as log:
        supervisor = subprocess.Popen(
            [sys.executable, "manage.py", "run_commons", "--port", str(port), "--noreload",
             "--celery-app", "tests.every_second", "--verbose-celery"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        assert wait_for(lambda: "Commons is running at" in log_path.read_text(), timeout=90)
        failures: list[str] = []
        answered = 0
        stop = threading.Event()

        def browse() -> None:
            nonlocal answered
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        assert response.status == 200
                        answered += 1
                except Exception as exc:
                    failures.append(repr(exc))
                time.sleep(0.25)

        browser = threading.Thread(target=browse)
        browser.start()
        kills = {"worker": 0, "beat": 0}
        ends = time.monotonic() + SOAK_SECONDS
        while time.monotonic() < ends - 10:  # the last kill leaves time to recover
            time.sleep(chance.uniform(2, 10))
            role = "beat" if chance.random() < 0.2 else "worker"
            if pid := _helper_pid(supervisor.pid, role):
                os.kill(pid, signal.SIGKILL)
                kills[role] += 1
        while time.monotonic() < ends:
            time.sleep(0.5)
        # Every job of the schedule ran after the last restart.
        restarted = log_path.read_text().rsplit("is running again.", 1)[-1]
        jobs = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert wait_for(
            lambda: jobs <= _succeeded(log_path.read_text().rsplit("is running again.", 1)[-1]),
            timeout=75,  # a process killed just after restarting backs off up to 30 s first
        ), sorted(jobs - _succeeded(restarted))
        stop.set()
        browser.join()
        assert supervisor.poll() is None, "run_commons stopped"
    finally:
        supervisor.send_signal(signal.SIGINT)
        try:
            supervisor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            supervisor.kill()
    text = log_path.read_text()
    figure(f"soak (seed {seed}): {kills} kills, {answered} pages answered")
    assert failures == [], failures[:5]
    assert kills["worker"] >= 3
    assert text.count("The Celery worker was killed") == kills["worker"]
    assert text.count("The Celery beat was killed") == kills["beat"]


def _succeeded(log: str) -> set[str]:
    return set(re.findall(r"Task ([\w.]+)\[[^\]]+\] succeeded", log))
