r"""Commons side by side with an established Django forum (the throughput target:
at least 3x the requests/s of such forums on the same pages, same machine, same data).

    make bench-reference
    .venv/bin/python bench/reference_forum.py [--duration 15] [--connections 8]

The reference forum is Spirit (``django-spirit`` on PyPI, github.com/nitely/Spirit),
pinned below with the Django it supports, in its own venv (var/reference-forum/venv,
made with this Python's ``-m venv``; Commons' own Django is not involved). Its project is
bench/reference/spirit_settings.py: Spirit's project template, DEBUG off, with the
SQLite options and local-memory cache of Commons' benchmark. bench/reference/spirit_seed.py
seeds it through Spirit's models with data of the shape of ``manage.py bench_seed``
(1,000 members, 20 categories, 200 topics of 20 comments, one of 500).

Then, pair by pair on 127.0.0.1:8741 (gunicorn, 2 sync workers, one server at a time:
the reference page, then Commons' page, so the two figures of a row are taken back to back),
``wrk --latency -t2 -c8 -d15s`` exactly as bench/run.py runs it (its ``wrk()``, after the
same 2 s warm-up), anonymous and logged in (a session made through Django's session store):

    Spirit topic, 20 comments                 vs  Commons thread, 20 posts
    Spirit index (categories + active topics) vs  Commons directory /c/
    Spirit category (20 topics a page)        vs  Commons thread list /c/bench-0/t/ (30 a page)

and, served by Commons' server in the same run, Django's own ceilings (bench/urls.py: a bare
response, a 20-item template in base.html), so the table shows how close each page is to
what Django can do at all on this machine. It ends with the anonymous thread page's share of
the bare ceiling (target: half) and the widest p99/p50 of Commons' pages (target: 2 at most).

(Spirit's own category list, /category/, is an empty stub template in this release; its
index is where it lists categories, beside the 20 most recently active topics.)

Commons runs on its own bench data, made by bench/run.py's ``fresh_database`` in
var/reference-forum/commons (so var/bench is left alone). Prints a table and one JSON line.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BASE, CEILINGS, PYTHON, fresh_database, wrk  # noqa: E402

REFERENCE = "django-spirit"
REFERENCE_VERSION = "0.14.3"  # the newest release; requires Django>=4.2,<6
PINS = [
    f"{REFERENCE}=={REFERENCE_VERSION}",
    "Django==5.2.19",
    "gunicorn==27.0.1",
]  # gunicorn: the one in uv.lock
VAR = BASE / "var" / "reference-forum"
VENV = VAR / "venv"
PROJECT = BASE / "bench" / "reference"
PORT = 8741

# (label, reference page, Commons page); each measured anonymous and logged in.
PAIRS = [
    ("topic / thread, 20 posts", "topic20", "thread20"),
    ("index / directory", "index", "directory"),
    ("category / thread list", "category", "threads"),
]


def emit(record: dict) -> dict:
    print(json.dumps(record), flush=True)
    return record


def reference_venv() -> Path:
    """The reference forum's venv, made once and kept (pip only when a pin is missing)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([PYTHON, "-m", "venv", str(VENV)], check=True)
    wanted = {p.split("==")[0].lower(): p.split("==")[1] for p in PINS}
    frozen = subprocess.run([python, "-m", "pip", "freeze"], check=True, capture_output=True,
                            text=True).stdout.lower().splitlines()  # fmt: skip
    have = dict(line.split("==", 1) for line in frozen if "==" in line)
    if any(have.get(name) != version for name, version in wanted.items()):
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        *PINS], check=True)  # fmt: skip
    return python


def reference_env() -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "spirit_settings",
        "REFERENCE_VAR_DIR": str(VAR / "data"),
        # Its own settings, and the repository root for bench.vocabulary.
        "PYTHONPATH": os.pathsep.join([str(PROJECT), str(BASE)]),
    }


def seed_reference(python: Path) -> dict:
    data = VAR / "data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = reference_env()
    subprocess.run([python, "-m", "django", "migrate", "--noinput", "-v0"], env=env,
                   cwd=PROJECT, check=True)  # fmt: skip
    out = subprocess.run([python, str(PROJECT / "spirit_seed.py")], env=env, cwd=PROJECT,
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def commons_env() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "COMMONS_VAR_DIR": str(VAR / "commons"),
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "PYTHONPATH": str(BASE),
    }
    env.pop("DATABASE_URL", None)
    return env


def seed_commons() -> dict:
    """bench/run.py's fresh SQLite database and its in-process phase, which prints the
    URLs of the seed and a session of its member (``bench-3``)."""
    env = commons_env()
    fresh_database("sqlite", env, None)
    out = subprocess.run([PYTHON, str(BASE / "bench" / "run.py"), "--phase", "sqlite",
                          "--repeat", "1"], env=env, cwd=BASE, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    for line in out.splitlines():
        record = json.loads(line)
        if record["kind"] == "session":
            record["urls"]["threads"] = "/c/bench-0/t/"  # not among bench/run.py's pages
            return record
    raise RuntimeError("Commons' in-process phase printed no session")


def serve(cmd: list[str], env: dict, cwd: Path, probe: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, cwd=cwd)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}{probe}", timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}") from None
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"nothing answered on 127.0.0.1:{PORT}{probe}")


def measure(
    forum: str, proc_args: tuple, session: dict, pages: list[str], args,
    roles=("anonymous", "member"),
) -> dict:  # fmt: skip
    proc = serve(*proc_args, probe=session["urls"][pages[0]])
    results = {}
    try:
        for page in pages:
            for role in roles:
                url = f"http://127.0.0.1:{PORT}{session['urls'][page]}"
                cookie = session["cookie"] if role == "member" else None
                wrk(url, cookie=cookie, duration=2, connections=args.connections)  # warm-up
                figures = wrk(url, cookie=cookie, duration=args.duration,
                              connections=args.connections)  # fmt: skip
                results[page, role] = emit({"kind": "http", "forum": forum, "page": page,
                                            "role": role, **figures})  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def gunicorn(bin_dir: Path, app: str) -> list[str]:
    return [str(bin_dir / "gunicorn"), app, "-w", "2", "-k", "sync",
            "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"]  # fmt: skip


def cell(r: dict) -> str:
    return f"{r['rps']:,.0f} ({r['p50_ms']} / {r['p99_ms']})" + (
        f" {r['errors']} err" if r["errors"] else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    started = time.perf_counter()
    load = [round(x, 2) for x in os.getloadavg()]
    emit({"kind": "machine", "cpus": os.cpu_count(), "load": load})

    python = reference_venv()
    versions = dict(
        line.split("==", 1)
        for line in subprocess.run([python, "-m", "pip", "freeze"], check=True,
                                   capture_output=True, text=True).stdout.splitlines()
        if "==" in line
    )  # fmt: skip
    ref_session = seed_reference(python)
    emit({**ref_session, "kind": "seed", "forum": "spirit", "cookie": "…"})
    commons_session = seed_commons()

    # Pair by pair, the reference page then Commons' (a server started for each), so the
    # two figures of a row are taken a minute apart whatever else the machine is doing.
    spirit = (gunicorn(python.parent, "django.core.wsgi:get_wsgi_application()"),
              reference_env(), PROJECT)  # fmt: skip
    commons = (gunicorn(Path(PYTHON).parent, "config.wsgi:application"), commons_env(), BASE)
    ref, ours = {}, {}
    for _, ref_page, our_page in PAIRS:
        ref |= measure("spirit", spirit, ref_session, [ref_page], args)
        ours |= measure("commons", commons, commons_session, [our_page], args)
    # Django's own ceiling on this machine in the same run, served by Commons' server and
    # settings (bench/urls.py): a bare response, and a 20-item template in base.html.
    ceiling_session = {"urls": dict(CEILINGS)}
    ceilings = measure("django", commons, ceiling_session, list(dict(CEILINGS)), args,
                       roles=("anonymous",))  # fmt: skip

    name = f"Spirit {versions.get(REFERENCE, REFERENCE_VERSION)} (Django {versions['Django']})"
    rows, summary = [], []
    for label, ref_page, our_page in PAIRS:
        for role in ("anonymous", "member"):
            a, b = ref[ref_page, role], ours[our_page, role]
            ratio = b["rps"] / a["rps"] if a["rps"] else float("inf")
            rows.append((f"{label}, {role}", cell(a), cell(b), f"{ratio:.1f}×"))
            summary.append({"page": label, "role": role, "reference_rps": a["rps"],
                            "commons_rps": b["rps"], "ratio": round(ratio, 2)})  # fmt: skip
    for label, url in CEILINGS:
        r = ceilings[label, "anonymous"]
        rows.append((f"ceiling: {label} {url}, anonymous", "", cell(r), ""))
    header = ("page", f"{name} req/s (p50 / p99 ms)", "Commons req/s (p50 / p99 ms)", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    bare = ceilings["django-bare", "anonymous"]["rps"]
    thread = ours["thread20", "anonymous"]["rps"]
    share = thread / bare if bare else 0.0
    spread = {f"{page}, {role}": r["p99_ms"] / r["p50_ms"] for (page, role), r in ours.items()
              if r["p50_ms"]}  # fmt: skip
    worst = max(spread, key=spread.get)
    print(f"\nanonymous thread page: {share:.0%} of the bare-view ceiling (target: at least 50%)"
          f"\nwidest p99/p50: {spread[worst]:.1f} ({worst}; target: at most 2.0)")  # fmt: skip
    print(f"\nmachine: {os.cpu_count()} CPUs, load before {load[0]:.2f}; gunicorn 2 sync "
          f"workers, wrk -t2 -c{args.connections} -d{args.duration}s; "
          f"total {time.perf_counter() - started:.0f} s")  # fmt: skip
    emit({"kind": "reference", "reference": name, "load": load, "duration": args.duration,
          "connections": args.connections, "pages": summary,
          "ceilings": {label: ceilings[label, "anonymous"]["rps"] for label, _ in CEILINGS},
          "thread_share_of_bare_ceiling": round(share, 3),
          "widest_p99_over_p50": round(spread[worst], 2),
          "target_3x_met": all(s["ratio"] >= 3 for s in summary),
          "target_half_ceiling_met": share >= 0.5,
          "target_p99_met": spread[worst] <= 2.0})  # fmt: skip


if __name__ == "__main__":
    main()
