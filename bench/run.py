r"""The benchmark suite: one command, one table, and JSON lines.

    make bench                                  # SQLite; PostgreSQL too if BENCH_POSTGRES_URL
    .venv/bin/python bench/run.py [--postgres postgres://postgres:postgres@127.0.0.1:5432/x]
        [--full] [--duration 15] [--connections 8] [--no-http] [--no-jobs] [--port 8206]

For each database it makes a fresh one (SQLite under var/bench/; on PostgreSQL the
database named in the URL is dropped and created), migrates it, seeds it with
``manage.py bench_seed`` (1,000 members by default) and collects static files, then:

1. in-process: Django's test client, warm, median of 20 requests per page, anonymous and
   logged in (member ``bench-3``; on the API pages, their personal access token): server
   time, SQL queries, and writes (INSERT/UPDATE/
   DELETE) of one request;
2. HTTP: gunicorn (2 sync workers; with ``--gthread`` also 2 gthread workers of 4 threads,
   slower here: the GIL) on 127.0.0.1 and
   ``wrk --latency`` with 8 connections for ``--duration`` seconds per page: requests/s,
   p50, p99, errors (non-2xx/3xx responses and socket errors); Django's own ceiling (a bare
   view and a 20-item template page without database, from ``bench.urls``) is measured
   the same way;
3. jobs (PostgreSQL only): bench/close_vote.py and bench/engagement.py, at small sizes
   (10,000 voters; 1,000 members and 100,000 posts) or their full sizes with ``--full``.

Settings: ``bench.settings`` (the real settings with DEBUG off). Every measurement is
printed as one JSON line as it is taken; the table comes at the end.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOGIN = "bench-3"

# name, logged in?, measured over HTTP by default
PAGES = [
    ("directory", False, True),
    ("directory", True, True),
    ("home", False, False),
    ("home", True, False),
    ("thread20", False, True),
    ("thread20", True, True),
    ("thread500", False, True),
    ("thread500", True, False),
    ("proposal", False, False),
    ("proposal", True, False),
    ("health", False, False),
    ("health", True, False),
    ("search", False, False),
    ("search", True, False),
    # The API: anonymous, and "logged in" as the member's personal access token.
    ("api-threads", False, True),
    ("api-threads", True, True),
    ("api-thread", False, True),
    ("api-thread", True, True),
]
CEILINGS = [("django-bare", "/bench/bare/"), ("django-template", "/bench/template/")]


def emit(record: dict) -> dict:
    print(json.dumps(record), flush=True)
    return record


# --- In-process phase (runs in a child process with the bench settings) ----------------


def urls_of_seed() -> dict[str, str]:
    from community.models import Thread
    from purposes.models import Proposal

    thread = Thread.objects.get(community__slug="bench-0", title__startswith="Thread 0:")
    big = Thread.objects.get(community__slug="bench-0", title="The big thread")
    proposal = Proposal.objects.get(community__slug="bench-0", state="voting")
    return {
        "directory": "/c/",
        "home": "/c/bench-0/",
        "thread20": thread.get_absolute_url(),
        "thread500": big.get_absolute_url(),
        "proposal": f"/c/bench-0/proposals/{proposal.pk}/",
        "health": "/c/bench-0/health/",
        "search": "/search/?q=compost+harvest",
        "api-threads": "/api/v1/communities/bench-0/threads",
        "api-thread": f"/api/v1/communities/bench-0/threads/{thread.pk}",
    }


def inprocess(db: str, repeat: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    urls = urls_of_seed()
    from api.tokens import do_create_token

    anonymous, member = Client(), Client()
    login = User.objects.get(username=LOGIN)
    member.force_login(login)
    _token, secret = do_create_token(user=login, name="bench", scopes=["read"], days=30)
    emit({
        "kind": "session", "db": db, "cookie": member.cookies["sessionid"].value,
        "token": secret, "urls": urls,
    })  # fmt: skip
    for name, logged_in, _ in PAGES:
        client, headers = member if logged_in else anonymous, {}
        if name.startswith("api-"):
            client = anonymous
            headers = {"Authorization": f"Bearer {secret}"} if logged_in else {}
        url = urls[name]
        for _ in range(3):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, headers=headers)
        writes = [
            q["sql"]
            for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        emit({
            "kind": "inprocess", "db": db, "page": name,
            "role": "member" if logged_in else "anonymous", "url": url,
            "ms": round(statistics.median(timings), 1), "queries": len(ctx.captured_queries),
            "writes": len(writes),
        })  # fmt: skip


# --- Orchestration -------------------------------------------------------------------------


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=BASE, check=True, text=True, **kwargs)


def fresh_database(db: str, env: dict, postgres_url: str | None) -> None:
    if db == "sqlite":
        var = Path(env["COMMONS_VAR_DIR"])
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
    else:
        recreate_postgres(postgres_url)
    manage = [PYTHON, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "bench_seed", "--i-know"], env)
    run([*manage, "collectstatic", "--noinput", "-v0"], env)


def recreate_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def parse_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(
    url: str, *, cookie: str | None, duration: int, connections: int, header: str | None = None
) -> dict:
    cmd = ["wrk", "--latency", "-t2", f"-c{connections}", f"-d{duration}s", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: sessionid={cookie}"]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        # wrk prints no distribution when no request completed (every one timed out).
        "p50_ms": round(parse_ms(latency["50"]), 1) if "50" in latency else None,
        "p99_ms": round(parse_ms(latency["99"]), 1) if "99" in latency else None,
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def http(db: str, env: dict, session: dict, args) -> list[dict]:
    results = []
    base = f"http://127.0.0.1:{args.port}"
    servers = [("sync", ["-k", "sync"])]
    if args.gthread:
        servers.append(("gthread", ["-k", "gthread", "--threads", "4"]))
    for server, flags in servers:
        cmd = [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi:application", "-w", "2",
               *flags, "-b", f"127.0.0.1:{args.port}", "--log-level", "warning"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, cwd=BASE)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/bench/bare/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            targets = [(name, False, path) for name, path in CEILINGS]
            targets += [
                (name, logged_in, session["urls"][name])
                for name, logged_in, over_http in PAGES
                if over_http or args.all_pages
            ]
            for name, logged_in, path in targets:
                auth = {"cookie": session["cookie"] if logged_in else None}
                if name.startswith("api-"):
                    token = f"Authorization: Bearer {session['token']}"
                    auth = {"cookie": None, "header": token if logged_in else None}
                # A short warm-up: both workers load templates and open connections.
                wrk(base + path, duration=2, connections=args.connections, **auth)
                figures = wrk(base + path, duration=args.duration, connections=args.connections,
                              **auth)  # fmt: skip
                results.append(emit({
                    "kind": "http", "db": db, "server": server, "page": name,
                    "role": "member" if logged_in else "anonymous", **figures,
                }))  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return results


def jobs(postgres_url: str, full: bool) -> list[dict]:
    results = []
    base = postgres_url.rsplit("/", 1)[0]
    specs = [
        ("close_vote", base + "/commons_bench_vote", ["bench/close_vote.py"]
         + ([] if full else ["--members", "10000"])),
        ("engagement", base + "/commons_bench_eng", ["bench/engagement.py"]
         + ([] if full else ["--members", "1000", "--posts", "100000"])),
    ]  # fmt: skip
    for name, url, cmd in specs:
        recreate_postgres(url)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        started = time.perf_counter()
        out = run([PYTHON, *cmd], env, capture_output=True).stdout
        results.append(emit({
            "kind": "job", "db": "postgresql", "job": name, "args": cmd[1:],
            "wall_s": round(time.perf_counter() - started, 1), "output": out.strip().splitlines(),
        }))  # fmt: skip
    return results


def table(records: list[dict], repeat: int) -> str:
    lines = ["", f"In-process (test client, warm, median of {repeat})", ""]
    lines.append(f"{'db':<11}{'page':<11}{'role':<10}{'ms':>8}{'queries':>9}{'writes':>8}")
    for r in records:
        if r["kind"] == "inprocess":
            lines.append(f"{r['db']:<11}{r['page']:<11}{r['role']:<10}{r['ms']:>8.1f}"
                         f"{r['queries']:>9}{r['writes']:>8}")  # fmt: skip
    if any(r["kind"] == "http" for r in records):
        lines += ["", "HTTP (gunicorn 2 workers, wrk 8 connections)", ""]
        lines.append(f"{'db':<11}{'server':<9}{'page':<16}{'role':<10}{'req/s':>8}"
                     f"{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}")  # fmt: skip
        for r in records:
            if r["kind"] == "http":
                lines.append(f"{r['db']:<11}{r['server']:<9}{r['page']:<16}{r['role']:<10}"
                             f"{r['rps']:>8.0f}{r['p50_ms'] or 0:>8.1f}{r['p99_ms'] or 0:>8.1f}"
                             f"{r['errors']:>7}")  # fmt: skip
    for r in records:
        if r["kind"] == "job":
            lines += ["", f"Job {r['job']} ({' '.join(r['args']) or 'full size'}):"]
            lines += ["  " + line for line in r["output"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL"),
        help="also measure on this PostgreSQL database (dropped and made anew)",
    )
    parser.add_argument("--full", action="store_true", help="job benchmarks at full size")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--port", type=int, default=8206)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--no-jobs", action="store_true")
    parser.add_argument("--all-pages", action="store_true", help="every page over HTTP")
    parser.add_argument(
        "--gthread", action="store_true", help="also gunicorn gthread (2 workers x 4 threads)"
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], help="only this database")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()  # fmt: skip

    if args.phase:
        sys.path.insert(0, str(BASE))
        inprocess(args.phase, args.repeat)
        return
    started = time.perf_counter()
    load = os.getloadavg()
    emit({"kind": "machine", "cpus": os.cpu_count(), "load": [round(x, 2) for x in load]})
    databases = [("sqlite", None)]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    if args.db:
        databases = [d for d in databases if d[0] == args.db]
    records = []
    for db, url in databases:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "COMMONS_VAR_DIR": str(BASE / "var" / "bench"),
            "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
            "PYTHONPATH": str(BASE),
        }
        if url:
            env["DATABASE_URL"] = url
        else:
            env.pop("DATABASE_URL", None)
        fresh_database(db, env, url)
        out = run([PYTHON, __file__, "--phase", db, "--repeat", str(args.repeat)], env,
                  capture_output=True).stdout  # fmt: skip
        session = None
        for line in out.splitlines():
            record = json.loads(line)
            if record["kind"] == "session":
                session = record
            else:
                records.append(emit(record))
        if not args.no_http:
            records += http(db, env, session, args)
    if args.postgres and not args.no_jobs:
        records += jobs(args.postgres, args.full)
    elif not args.no_jobs:
        emit({"kind": "job", "skipped": "the job benchmarks need PostgreSQL (--postgres)"})
    print(table(records, args.repeat))
    print(f"\nmachine: {os.cpu_count()} CPUs, load before {load[0]:.2f}; "
          f"total {time.perf_counter() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
