r"""The load test: mixed traffic against the production stack for LOAD_SECONDS.

    make load                       # or: .venv/bin/python bench/load.py
    LOAD_SECONDS=60 make load       # a short run
    make load-replica               # or: bench/load.py --replica (see below)

What it does, every run from scratch:

1. Drops and makes anew the database LOAD_DATABASE_URL (default
   ``postgres://postgres:postgres@127.0.0.1:5432/commons_load``) and flushes Redis
   databases 13 (broker), 14 (results) and 15 (cache, rate limits) of LOAD_REDIS_URL;
   migrates, seeds it with ``manage.py bench_seed`` (LOAD_MEMBERS members, default 3,000,
   all in ``bench-0``, their accounts and memberships months old, so the first-day limits
   do not apply; 20 communities, 400 threads of about 20 posts, a 500-post thread, a
   proposal in voting whose electorate is every member, open for days), collects static
   files, and makes a logged-in session with a fixed CSRF token for every member, written
   with the pages and posts to aim at into the data file of ``bench/load.lua``.
2. Starts the production stack on 127.0.0.1 only: gunicorn (``config.wsgi``, LOAD_WORKERS
   sync workers, default 3 as in docker-compose.yml, port LOAD_PORT, default 8731, DEBUG
   off, an access log with each request's kind, status and time) and a Celery worker
   (concurrency 2) on Redis, both on that database.
3. Warms up (LOAD_WARMUP seconds, default 10), then runs ``wrk`` with ``bench/load.lua``
   (2 threads, LOAD_CONNECTIONS connections, default 8, closed loop) for LOAD_SECONDS
   (default 600): 80 % reads (thread pages, community homes, the directory, the proposal;
   half anonymous, half logged in), 15 % replies (POST with CSRF, members in turn, so each
   posts far less often than the 5 s limit) and 5 % votes (cast or changed).
4. Reports: requests, rate, p50/p95/p99 overall (wrk) and per kind (gunicorn's access
   log), status classes per kind, 5xx and 429 counts; then checks in the database that
   every reply answered 302 made exactly one post and every vote answered 302 one vote
   row, that each member has at most one live vote, and that the worker ran its tasks
   without failure. Prints one JSON line with the figures. Exits 1 on any 5xx, socket
   error, unexpected status or failed check.

With ``--replica`` (``make load-replica``) it runs twice on a PostgreSQL of its own
instead of LOAD_DATABASE_URL: a primary started by tests/postgres_cluster.py (initdb, its
own port and folder under /tmp, fsync off, as the postgres user under root), first alone
(the single-database run), then with a streaming replica of it (config/postgres-replica.sh:
pg_basebackup -R after seeding, a hot standby) named in DATABASE_REPLICA_URLS for gunicorn
and the worker. Each run seeds afresh; then it prints the two side by side, with the
transactions each server committed during the measured run (pg_stat_database), and one JSON
line holding both. Both servers share the machine's cores with everything else, so the
figures show what the routing costs and that nothing fails, not what a replica on a machine
of its own adds. Both clusters are stopped and removed at the end.

Every process it starts is stopped on the way out, Ctrl-C and failures included.
"""

import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
VAR = BASE / "var" / "load"

SECONDS = int(os.environ.get("LOAD_SECONDS", "600"))
WARMUP = int(os.environ.get("LOAD_WARMUP", "10"))
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "8"))
THREADS = 2
WORKERS = int(os.environ.get("LOAD_WORKERS", "3"))
MEMBERS = int(os.environ.get("LOAD_MEMBERS", "3000"))
THREADS_SEEDED = int(os.environ.get("LOAD_THREADS", "400"))
PORT = int(os.environ.get("LOAD_PORT", "8731"))
DATABASE_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/commons_load"
)
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
# One per invocation: the sessions written in this process are signed with it, so a second
# run (--replica) must give its servers the same one.
SECRET_KEY = secrets.token_urlsafe(50)

MIX = {"read": 0.80, "post": 0.15, "vote": 0.05}
# Reads: the share of each page, and of logged-in readers.
PAGES = {"thread": 0.55, "home": 0.15, "directory": 0.10, "proposal": 0.20}
MEMBER_SHARE = 0.5
# What each kind answers when all is well: pages 200, a reply or a vote 302 (post/redirect/
# get; wrk does not follow it). A reply may also meet the rate limit (429), counted apart.
EXPECTED = {"read": {200}, "post": {302}, "vote": {302}}
ACCESS_FORMAT = '%({x-load}i)s %(m)s %(s)s %(D)s %(t)s "%(U)s"'


def log(message: str) -> None:
    print(f"load: {message}", flush=True)


def server_env(database_url: str = DATABASE_URL, replicas: str = "") -> dict:
    """The production settings, all from the environment as in production."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": str(BASE),
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URLS": replicas,
        "CELERY_BROKER_URL": f"{REDIS_URL}/13",
        "CELERY_RESULT_BACKEND": f"{REDIS_URL}/14",
        "REDIS_URL": f"{REDIS_URL}/15",
        "COMMONS_VAR_DIR": str(VAR),
    }


# --- Seeding -------------------------------------------------------------------------------


def fresh_state(env: dict) -> None:
    import psycopg
    import redis

    database_url = env["DATABASE_URL"]
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    for db in (13, 14, 15):
        redis.Redis.from_url(f"{REDIS_URL}/{db}").flushdb()
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    manage = [PYTHON, "manage.py"]
    for cmd in (
        ["migrate", "--noinput", "-v0"],
        ["bench_seed", "--i-know", "--members", str(MEMBERS), "--threads", str(THREADS_SEEDED)],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([*manage, *cmd], env=env, cwd=BASE, check=True)


def write_data(path: Path) -> dict:
    """Log every member in (a session row each, as a login makes) with a fixed CSRF token,
    and write the data file of bench/load.lua. Returns what the checks need."""
    import django
    from django.db import connections

    django.setup()
    connections.close_all()  # a second run: the database was made anew under them
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from bench.vocabulary import markdown_bodies
    from community.models import Community, Post, Thread
    from members.models import User
    from purposes.models import Proposal

    store, expires = SessionStore(), timezone.now() + timedelta(days=1)
    sessions, rows = [], []
    members = User.objects.filter(memberships__community__slug="bench-0").order_by("pk")
    for user in members:
        key = get_random_string(32, string.ascii_lowercase + string.digits)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        sessions.append([key, get_random_string(32, string.ascii_letters + string.digits)])
    Session.objects.bulk_create(rows, batch_size=1000)

    home = Community.objects.get(slug="bench-0")
    threads = list(Thread.objects.select_related("community").order_by("pk"))
    proposal = Proposal.objects.get(community=home, state="voting")
    args = {"slug": home.slug, "proposal_id": proposal.pk}
    pages = {
        "thread": [t.get_absolute_url() for t in threads],
        "home": [reverse("community:home", args=[c.slug]) for c in Community.objects.all()],
        "directory": [reverse("community:directory")],
        "proposal": [reverse("purposes:proposal", kwargs=args)],
    }
    # Replies go to the posts of bench-0's ordinary threads (every member belongs there).
    targets = Post.objects.filter(thread__community=home).exclude(thread__title="The big thread")
    reply_url = {
        t.pk: reverse("community:reply", args=[home.slug, t.pk])
        for t in threads
        if t.community_id == home.pk
    }
    replies = [[reply_url[thread_id], pk] for pk, thread_id in targets.values_list("pk", "thread")]
    bodies = [urllib.parse.quote_plus(t) for t in markdown_bodies(random.Random(9), 40)]
    data = {
        "threads": THREADS,
        "mix": MIX,
        "member_share": MEMBER_SHARE,
        "sessions": sessions,
        "pages": [{"name": n, "weight": w, "urls": pages[n]} for n, w in PAGES.items()],
        "replies": replies,
        "bodies": bodies,
        "choices": ["for", "against", "abstain"],
        "reasons": [
            urllib.parse.quote_plus(r)
            for r in ("Sundays suit me.", "Too often for the shed rota.", "Let us try it.")
        ],
        "vote_url": reverse("purposes:vote", kwargs=args),
    }
    path.write_text("return " + lua(data) + "\n")
    figures = {
        "members": len(sessions),
        "communities": Community.objects.count(),
        "threads": len(threads),
        "posts": Post.objects.count(),
        "reply_targets": len(replies),
        "electorate": proposal.electorate_size,
        "proposal_id": proposal.pk,
        "voting_ends_at": proposal.voting_ends_at.isoformat(),
    }
    connection.close()
    return figures


def lua(value) -> str:
    """A Lua literal of ``value`` (ASCII strings, numbers, lists and dicts)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, str):
        assert value.isascii(), value
        return json.dumps(value)
    return repr(value)


# --- Processes -----------------------------------------------------------------------------


class Stack:
    """The processes this run started; ``stop`` ends each of them (its process group)."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, cmd: list[str], env: dict, logfile: Path) -> None:
        with open(logfile, "ab") as out:
            self.procs[name] = subprocess.Popen(
                cmd, env=env, cwd=BASE, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def stop(self, name: str, timeout: float = 30) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_ready(stack: Stack, base: str, worker_log: Path) -> None:
    deadline = time.monotonic() + 60
    web = worker = False
    while time.monotonic() < deadline:
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode} (see {VAR})")
        if not web:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    web = response.status == 200
            except OSError:
                pass
        worker = worker or " ready." in worker_log.read_text(errors="replace")
        if web and worker:
            return
        time.sleep(0.3)
    raise RuntimeError(f"the stack did not start within 60 s (web {web}, worker {worker})")


def wrk(base: str, data: Path, phase: str, seconds: int, stack: Stack) -> tuple[dict, str]:
    script = str(BASE / "bench" / "load.lua")
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s",
           "--latency", "-s", script, base, "--", str(data), phase]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    stack.procs["wrk"] = proc
    out, _ = proc.communicate()
    stack.procs.pop("wrk", None)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited with {proc.returncode}:\n{out}")
    line = next(x for x in out.splitlines() if x.startswith("LOAD "))
    return json.loads(line[5:]), out


# --- Figures -------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def read_access_log(path: Path, offset: int) -> tuple[dict, list[float]]:
    """Per kind (read, post, vote) and per read page: count, statuses, server times; and
    the rate of each whole minute of the run."""
    kinds = defaultdict(lambda: {"ms": [], "status": Counter()})
    seconds = Counter()
    with open(path, "rb") as f:
        f.seek(offset)
        for raw in f:
            match = re.match(rb"(\S+) (\S+) (\d{3}) (\d+) \[([^ \]]+)", raw)
            if not match or match.group(1) == b"-":
                continue  # the readiness probe
            label, status, micros = match.group(1).decode(), int(match.group(3)), match.group(4)
            seconds[match.group(5)] += 1
            kind, *rest = label.split(":")
            for key in [kind] + [f"{kind}:{part}" for part in rest]:
                kinds[key]["ms"].append(int(micros) / 1000)
                kinds[key]["status"][status] += 1
    stamps = sorted((datetime.strptime(t.decode(), "%d/%b/%Y:%H:%M:%S"), n)
                    for t, n in seconds.items())  # fmt: skip
    minutes = Counter()
    for stamp, n in stamps:
        minutes[int((stamp - stamps[0][0]).total_seconds() // 60)] += n
    whole = [minutes[m] / 60 for m in sorted(minutes)[:-1]]  # the last minute is partial
    return kinds, whole


def summarise(kinds: dict) -> dict:
    out = {}
    for kind, k in sorted(kinds.items()):
        classes = Counter(f"{s // 100}xx" for s in k["status"].elements())
        out[kind] = {
            "requests": len(k["ms"]),
            "p50_ms": round(percentile(k["ms"], 50), 1),
            "p95_ms": round(percentile(k["ms"], 95), 1),
            "p99_ms": round(percentile(k["ms"], 99), 1),
            "status": dict(sorted(classes.items())),
            "codes": {str(c): n for c, n in sorted(k["status"].items())},
        }
    return out


def database_checks(proposal_id: int, votes_before: int, kinds: dict) -> tuple[dict, list[str]]:
    from django.db import connection
    from django.db.models import Count

    from community.models import Post
    from purposes.models import Vote

    connection.close()
    replies_ok = kinds["post"]["status"][302] if "post" in kinds else 0
    votes_ok = kinds["vote"]["status"][302] if "vote" in kinds else 0
    made = Post.objects.filter(client_token__startswith="load-main-")
    posts_made = made.count()
    distinct_tokens = made.values("client_token").distinct().count()
    votes = Vote.objects.filter(proposal_id=proposal_id)
    votes_made = votes.filter(pk__gt=votes_before).count()
    live = votes.filter(superseded_at__isnull=True)
    doubled = live.values("user").annotate(n=Count("pk")).filter(n__gt=1).count()
    figures = {
        "posts_created": posts_made,
        "replies_302": replies_ok,
        "votes_created": votes_made,
        "votes_302": votes_ok,
        "live_votes": live.count(),
        "members_with_two_live_votes": doubled,
        "posts_total": Post.objects.count(),
    }
    failures = []
    if posts_made != replies_ok or distinct_tokens != posts_made:
        failures.append(f"{replies_ok} replies answered 302 but {posts_made} posts were made")
    if votes_made != votes_ok:
        failures.append(f"{votes_ok} votes answered 302 but {votes_made} vote rows were made")
    if doubled:
        failures.append(f"{doubled} members have more than one live vote")
    return figures, failures


def worker_figures(worker_log: Path) -> dict:
    text = worker_log.read_text(errors="replace")
    return {
        "tasks_succeeded": len(re.findall(r"Task \S+\[[\w-]+\] succeeded", text)),
        "tasks_failed": len(re.findall(r"Task \S+\[[\w-]+\] raised", text)),
        "errors": len(re.findall(r"\bERROR/|\bCRITICAL/", text)),
    }


def queue_length() -> int:
    import redis

    return redis.Redis.from_url(f"{REDIS_URL}/13").llen("celery")


# --- Run -----------------------------------------------------------------------------------


def run(stack: Stack, database_url: str = DATABASE_URL, replica=None) -> dict:
    """One run, from seeding to the checks; its figures (``failures`` empty when all is
    well). ``replica``: a ReplicaRun, whose replica starts once the data is seeded."""
    if shutil.which("wrk") is None:
        raise RuntimeError("the load test needs wrk (apt-get install wrk, or make load)")
    if not port_free(PORT):
        raise RuntimeError(f"port {PORT} is in use (LOAD_PORT chooses another)")
    load_before = os.getloadavg()
    env = server_env(database_url)
    started = time.monotonic()
    log(f"seeding {database_url.rsplit('/', 1)[1]} ({MEMBERS:,} members)")
    fresh_state(env)
    os.environ.update(env)
    sys.path.insert(0, str(BASE))
    data_file = VAR / "data.lua"
    seed = write_data(data_file)
    seed_seconds = time.monotonic() - started
    log(f"seeded in {seed_seconds:.1f} s: {json.dumps(seed)}")
    if replica is not None:
        env["DATABASE_REPLICA_URLS"] = replica.start()
        log(f"replica streaming: DATABASE_REPLICA_URLS={env['DATABASE_REPLICA_URLS']}")

    base = f"http://127.0.0.1:{PORT}"
    access_log, worker_log = VAR / "access.log", VAR / "worker.log"
    stack.start("worker", [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=INFO",
                           "--concurrency=2", "--without-gossip", "--without-mingle",
                           "-n", f"load-{PORT}@%h"], env, worker_log)  # fmt: skip
    stack.start("gunicorn", [str(BIN / "gunicorn"), "config.wsgi", "--bind",
                             f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
                             "--access-logfile", str(access_log),
                             "--access-logformat", ACCESS_FORMAT], env,
                VAR / "gunicorn.log")  # fmt: skip
    wait_ready(stack, base, worker_log)
    log(f"gunicorn ({WORKERS} workers) and the worker are up; warming up for {WARMUP} s")
    if WARMUP:
        wrk(base, data_file, "warm", WARMUP, stack)
        time.sleep(1)  # the warm-up's last requests finish and are logged before the mark

    from purposes.models import Vote

    votes_before = Vote.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    offset = access_log.stat().st_size
    load_start = os.getloadavg()
    committed = replica.committed() if replica is not None else None
    log(f"running {SECONDS} s: wrk -t{THREADS} -c{CONNECTIONS}, load average {load_start[0]:.2f}")
    result, out = wrk(base, data_file, "main", SECONDS, stack)
    if replica is not None:
        after = replica.committed()
        committed = {server: after[server] - n for server, n in committed.items()}
    backlog = queue_length()
    # Graceful stop: gunicorn finishes the requests in flight and logs them.
    stack.stop("gunicorn")
    drained_after = 0.0
    while queue_length() and drained_after < 60:
        time.sleep(0.5)
        drained_after += 0.5
    time.sleep(2)  # the worker logs the task it was running
    stack.stop("worker")
    print(out.split("LOAD ")[0].rstrip(), flush=True)

    kinds, per_minute = read_access_log(access_log, offset)
    per_kind = summarise(kinds)
    checks, failures = database_checks(seed["proposal_id"], votes_before, kinds)
    worker = {**worker_figures(worker_log), "backlog_at_end": backlog,
              "drained_s": drained_after}  # fmt: skip

    seconds = result["duration_us"] / 1e6
    errors = result["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    limited = sum(k["codes"].get("429", 0) for n, k in per_kind.items() if ":" not in n)
    five = sum(k["status"].get("5xx", 0) for n, k in per_kind.items() if ":" not in n)
    logged = sum(k["requests"] for n, k in per_kind.items() if ":" not in n)
    for kind, expected in EXPECTED.items():
        other = {
            code: n
            for code, n in kinds[kind]["status"].items()
            if code not in expected and code != 429 and code < 500
        }
        if other:
            failures.append(f"{kind}: unexpected statuses {other}")
    if five:
        failures.append(f"{five} responses were 5xx")
    if limited:
        failures.append(f"{limited} replies were rate-limited (429)")
    if socket_errors:
        failures.append(f"wrk socket errors: {errors}")
    if logged != result["requests"]:
        # wrk counts completed responses; gunicorn also logs those cut off at the end.
        log(f"note: gunicorn logged {logged} requests, wrk completed {result['requests']}")
    if worker["tasks_failed"] or worker["errors"]:
        failures.append(f"the worker reported failures: {worker}")

    latency = {k: round(v / 1000, 1) for k, v in result["latency_us"].items()}
    figures = {
        "kind": "load",
        "seconds": round(seconds, 1),
        "requests": result["requests"],
        "rps": round(result["requests"] / seconds, 1),
        "latency_ms": latency,
        "rps_per_minute": [round(r, 1) for r in per_minute],
        "per_kind": per_kind,
        "five_xx": five,
        "rate_limited": limited,
        "socket_errors": socket_errors,
        "checks": checks,
        "worker": worker,
        "setup": {
            "gunicorn_workers": WORKERS, "wrk_threads": THREADS, "connections": CONNECTIONS,
            "warmup_s": WARMUP, "mix": MIX, "pages": PAGES, "member_share": MEMBER_SHARE,
            **seed, "seed_s": round(seed_seconds, 1),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": round(load_before[0], 2),
            "load_at_start": round(load_start[0], 2),
            "load_at_end": round(os.getloadavg()[0], 2),
        },
        "failures": failures,
    }  # fmt: skip
    if replica is not None:
        figures["replica"] = {"transactions_committed": committed}
    print(report(figures), flush=True)
    print(json.dumps(figures), flush=True)
    return figures


class ReplicaRun:
    """A primary of the load test's own and, from ``start``, a streaming replica of it
    (tests/postgres_cluster.py: initdb, config/postgres-replica.sh)."""

    def __init__(self):
        sys.path.insert(0, str(BASE))
        from tests.postgres_cluster import Cluster

        # No statement log (the replica proof's): it would cost more than the load.
        self.cluster = Cluster(log_statements=False)
        self.name = DATABASE_URL.rsplit("/", 1)[1].split("?")[0]

    def __enter__(self) -> "ReplicaRun":
        self.cluster.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.cluster.__exit__(*exc)

    def primary_url(self) -> str:
        return self.cluster.primary.url(self.name)

    def start(self) -> str:
        if not (self.cluster.replica.data / "PG_VERSION").exists():
            self.cluster.start_replica()
        self.cluster.wait_for_replay()
        return self.cluster.replica.url(self.name)

    def committed(self) -> dict[str, int]:
        """Transactions committed so far in the load database, on each server."""
        sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = %s"
        return {
            "primary": self.cluster.primary.scalar(sql, [self.name]),
            "replica": self.cluster.replica.scalar(sql, [self.name]),
        }


def side_by_side(single: dict, replicated: dict) -> str:
    """The two runs' figures in two columns."""
    rows = [("requests", "requests", "{:,}"), ("req/s", "rps", "{:.1f}")]
    lines = ["", "Load test, the same cluster alone and with a streaming replica:", "",
             f"  {'':<30}{'primary alone':>16}{'with a replica':>16}"]  # fmt: skip
    for label, key, fmt in rows:
        lines.append(f"  {label:<30}{fmt.format(single[key]):>16}{fmt.format(replicated[key]):>16}")
    for p in ("p50", "p95", "p99"):
        a, b = single["latency_ms"][p], replicated["latency_ms"][p]
        lines.append(f"  {'latency ' + p + ' ms (wrk)':<30}{a:>16}{b:>16}")
    for kind in sorted(set(single["per_kind"]) | set(replicated["per_kind"])):
        a = single["per_kind"].get(kind, {}).get("p50_ms", "-")
        b = replicated["per_kind"].get(kind, {}).get("p50_ms", "-")
        name = kind if ":" not in kind else "  " + kind.split(":", 1)[1]
        lines.append(f"  {(name + ' p50 ms'):<30}{a:>16}{b:>16}")
    for label, key in (("5xx", "five_xx"), ("429", "rate_limited")):
        lines.append(f"  {label:<30}{single[key]:>16}{replicated[key]:>16}")
    done = replicated["replica"]["transactions_committed"]
    lines += [
        f"  {'transactions on the primary':<30}{'':>16}{done['primary']:>16,}",
        f"  {'transactions on the replica':<30}{'':>16}{done['replica']:>16,}",
        "",
        "Both servers share this machine's cores with gunicorn, the worker and wrk.",
    ]
    return "\n".join(lines)


def run_with_replica(stack: Stack) -> dict:
    with ReplicaRun() as replica:
        log(f"a primary of its own on port {replica.cluster.primary.port}: first alone")
        single = run(stack, replica.primary_url())
        stack.stop_all()
        log("then with a streaming replica")
        replicated = run(stack, replica.primary_url(), replica=replica)
    both = {
        "kind": "load-replica",
        "single": single,
        "replica": replicated,
        "failures": [f"alone: {f}" for f in single["failures"]]
        + [f"with a replica: {f}" for f in replicated["failures"]],
    }
    print(side_by_side(single, replicated), flush=True)
    print(json.dumps(both), flush=True)
    return both


def report(f: dict) -> str:
    s, lat, m = f["setup"], f["latency_ms"], f["machine"]
    lines = [
        "",
        f"Load test: {f['seconds']:.0f} s, {s['connections']} connections (wrk, "
        f"{s['wrk_threads']} threads), gunicorn {s['gunicorn_workers']} sync workers, "
        f"{s['members']:,} members, {s['posts']:,} posts at start",
        f"  {f['requests']:,} requests, {f['rps']:.1f} req/s; latency p50 {lat['p50']} ms, "
        f"p95 {lat['p95']} ms, p99 {lat['p99']} ms, max {lat['max']} ms (wrk)",
        "  req/s minute by minute (server side): "
        + (", ".join(f"{r:.0f}" for r in f["rps_per_minute"]) or "(under a minute)"),
        "",
        f"  {'kind':<26}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   status",
    ]
    for kind, k in f["per_kind"].items():
        name = kind if ":" not in kind else "  " + kind.split(":", 1)[1]
        statuses = ", ".join(f"{c} {n:,}" for c, n in k["codes"].items())
        lines.append(
            f"  {name:<26}{k['requests']:>9,}{k['p50_ms']:>9.1f}{k['p95_ms']:>9.1f}"
            f"{k['p99_ms']:>9.1f}   {statuses}"
        )
    c, w = f["checks"], f["worker"]
    lines += [
        "  (server time from gunicorn's access log)",
        "",
        f"  5xx: {f['five_xx']}   429: {f['rate_limited']}   socket errors: {f['socket_errors']}",
        f"  posts created {c['posts_created']:,} = replies answered 302 {c['replies_302']:,}; "
        f"vote rows {c['votes_created']:,} = votes answered 302 {c['votes_302']:,}; "
        f"live votes {c['live_votes']:,}, members with two: {c['members_with_two_live_votes']}",
        f"  worker: {w['tasks_succeeded']:,} tasks succeeded, {w['tasks_failed']} failed, "
        f"queue at the end {w['backlog_at_end']} (drained in {w['drained_s']:.1f} s)",
        f"  machine: {m['cpus']} CPUs, load average {m['load_before']} before seeding, "
        f"{m['load_at_start']} at start, {m['load_at_end']} at end",
        "",
        "FAILED: " + "; ".join(f["failures"]) if f["failures"] else "OK: no 5xx, checks passed",
    ]
    return "\n".join(lines)


def main() -> None:
    stack = Stack()

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    # Ctrl-C even when started in the background (where SIGINT arrives ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    try:
        figures = run_with_replica(stack) if "--replica" in sys.argv[1:] else run(stack)
        code = 1 if figures["failures"] else 0
    except KeyboardInterrupt:
        log("interrupted: stopping what it started")
        code = 130
    except SystemExit as stop:
        log("terminated: stopping what it started")
        code = stop.code
    except (RuntimeError, subprocess.CalledProcessError) as error:
        log(f"error: {error}")
        code = 1
    finally:
        stack.stop_all()
    sys.exit(code)


if __name__ == "__main__":
    main()
