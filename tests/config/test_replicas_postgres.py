"""Proof that Commons runs on a primary and a streaming replica (README, "Past one
machine"): a primary and a replica of this test's own (initdb, pg_basebackup -R, their
own ports and folders, tests/postgres_cluster.py), Commons' web server and its sweep
against both, every statement logged with the application name of the process and
connection that sent it.

Shown: an anonymous read is served by the replica (with replay paused, it shows the old
name and the replica's log has the page's queries); a member's new reply is on their very
next page although the replica has not got it (the pin_primary cookie); the sweep closes
a vote writing only to the primary; with the replica stopped every page still answers 200
and a reply still works (reads fall back to the primary)."""

import http.client
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.postgres_cluster import Cluster, free_port

# The PostgreSQL leg only, where .ci/run installs PostgreSQL: its server binaries are there,
# and a machine without them fails here (the cluster asserts them) rather than skipping the proof.
pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
CSRF = "A" * 32
# What this test sets for every process, whatever the suite's environment says.
OURS = ("DATABASE_", "CELERY_", "REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "PORT")


def commons_env(cluster: Cluster, app: str, var: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return env | {
        "DEBUG": "true",
        "COMMONS_VAR_DIR": str(var),
        "DATABASE_URL": cluster.primary.url(),
        "DATABASE_REPLICA_URLS": cluster.replica.url(),
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "PGAPPNAME": app,  # libpq: every connection of this process names itself
        **extra,
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


SETUP = """
import json
from datetime import timedelta
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from community.models import Community, Post, Thread
from members.models import User
from purposes.models import Proposal
user = User.objects.get(username="bench-1")
store = SessionStore()
store.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
              BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
store.create()
home = Community.objects.get(slug="bench-0")
thread = Thread.objects.filter(community=home).exclude(title="The big thread").first()
root = Post.objects.get(thread=thread, depth=0)
print(json.dumps({
    "session": store.session_key,
    "thread": thread.get_absolute_url(),
    "reply": reverse("community:reply", args=[home.slug, thread.pk]),
    "root": root.pk,
    "proposal": Proposal.objects.get(community=home, state="voting").pk,
}))
"""


class Browser:
    """Cookies kept, redirects not followed: each answer as the server gave it."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port, self.cookies = port, dict(cookies or {})

    def request(self, method: str, path: str, data: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return response, text

    def get(self, path: str):
        return self.request("GET", path)


@contextmanager
def web_server(env: dict, port: int, log: Path):
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Browser(port).get("/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)


def written(lines: list[str]) -> list[str]:
    return [
        line
        for line in lines
        if re.search(r"statement: (INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE)", line)
    ]


def test_reads_go_to_the_replica_writes_to_the_primary_and_a_stopped_replica_is_no_error(
    tmp_path, figure, migrated_postgres
):
    var = tmp_path / "var"
    with Cluster(template=migrated_postgres) as cluster:
        primary, replica = cluster.primary, cluster.replica
        setup_env = commons_env(cluster, "commons-setup", var, DATABASE_REPLICA_URLS="")
        manage(setup_env, "bench_seed", "--members", "12", "--communities", "3",
               "--threads", "3", "--posts-per-thread", "3", "--big-thread", "5")  # fmt: skip
        ids = json.loads(manage(setup_env, "shell", "--no-imports", "-c", SETUP))
        cluster.start_replica()

        port = free_port()
        # No wait for the replica after a write: the pin alone must show the writer
        # their reply while the replica has not replayed it.
        web_env = commons_env(cluster, "commons-web", var, DATABASE_REPLICA_WAIT_MS="0")
        with web_server(web_env, port, tmp_path / "web.log"):
            anonymous = Browser(port)
            member = Browser(port, {"sessionid": ids["session"], "csrftoken": CSRF})

            # 1. An anonymous read is served by the replica: replay paused, a community
            # renamed on the primary, and its page (never rendered before) has the old name.
            with replica.connect() as conn:
                conn.execute("SELECT pg_wal_replay_pause()")
            with primary.connect() as conn:
                conn.execute("UPDATE community_community SET name = 'Renamed' WHERE slug = %s",
                             ["bench-1"])  # fmt: skip
            response, page = anonymous.get("/c/bench-1/")
            assert response.status == 200
            assert "Renamed" not in page and "bench-1" in page
            assert any("community_community" in line for line in replica.log_lines("commons-web"))

            # 2. A member's reply is on their very next page, though the replica lacks it.
            response, _ = member.get(ids["thread"])
            assert response.status == 200
            member.cookies.pop("pin_primary", None)  # (reading moved their read marker)
            text = f"Replica proof reply {time.time_ns()}"
            response, body = member.request(
                "POST", ids["reply"],
                {"csrfmiddlewaretoken": CSRF, "parent": ids["root"], "body": text},
            )  # fmt: skip
            assert response.status == 302, body
            set_cookie = " ".join(response.headers.get_all("Set-Cookie") or [])
            assert "pin_primary=1" in set_cookie and "Max-Age=10" in set_cookie
            response, page = member.get(response.headers["Location"].split("#")[0])
            assert response.status == 200 and text in page
            count = "SELECT count(*) FROM community_post WHERE body = %s"
            assert replica.scalar(count, [text]) == 0  # not replayed: the primary served it
            assert primary.scalar(count, [text]) == 1
            assert written(replica.log_lines("commons-web")) == []
            with replica.connect() as conn:
                conn.execute("SELECT pg_wal_replay_resume()")
            cluster.wait_for_replay()
            assert replica.scalar(count, [text]) == 1

        # 3. The sweep (the Celery task, run as a worker runs it) closes the vote due now,
        # writing only to the primary; on the replica it only asked how far replay got.
        with primary.connect() as conn:
            conn.execute(
                "UPDATE purposes_proposal SET voting_ends_at = now() - interval '1 second' "
                "WHERE id = %s",
                [ids["proposal"]],
            )
        sweep = "from purposes.tasks import sweep_proposals; print(sweep_proposals.apply().get())"
        manage(commons_env(cluster, "commons-sweep", var), "shell", "--no-imports", "-c", sweep)
        state = "SELECT state FROM purposes_proposal WHERE id = %s"
        # closed (bench_seed's charter moved on since it was drafted: a conflict, as it happens)
        assert primary.scalar(state, [ids["proposal"]]) in {"passed", "rejected", "conflict"}
        assert any(
            "purposes_proposal" in line for line in written(primary.log_lines("commons-sweep"))
        )
        on_replica = replica.log_lines("commons-sweep")
        assert written(on_replica) == []
        assert all("pg_last_wal_replay_lsn" in line for line in on_replica if "statement:" in line)
        cluster.wait_for_replay()
        assert replica.scalar(state, [ids["proposal"]]) == primary.scalar(state, [ids["proposal"]])

        # 4. The replica stopped: every page still answers, from the primary.
        replica.stop()
        port = free_port()
        with web_server(web_env | {"PGAPPNAME": "commons-web-2"}, port, tmp_path / "web2.log"):
            anonymous = Browser(port)
            member = Browser(port, {"sessionid": ids["session"], "csrftoken": CSRF})
            pages = ["/c/", "/c/bench-0/", "/c/bench-2/", ids["thread"], "/healthz"]
            started = time.monotonic()
            for browser in (anonymous, member):
                for path in pages:
                    response, _ = browser.get(path)
                    assert response.status == 200, (path, response.status)
            text = f"Written while the replica is down {time.time_ns()}"
            response, _ = member.request(
                "POST", ids["reply"],
                {"csrfmiddlewaretoken": CSRF, "parent": ids["root"], "body": text},
            )  # fmt: skip
            assert response.status == 302
            response, page = member.get(response.headers["Location"].split("#")[0])
            assert response.status == 200 and text in page
            elapsed = time.monotonic() - started
        assert "Replica replica1 does not answer" in (tmp_path / "web2.log").read_text()
        figure(f"replica stopped: {len(pages) * 2 + 2} requests, all answered, in {elapsed:.1f} s")
