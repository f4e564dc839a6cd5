r"""A community's archive round trip at benchmark size, between two PostgreSQL databases.

    make bench-archive                         # factor 1; BENCH_ARGS="--factors 1 10"
    .venv/bin/python bench/archive.py [--factors 1 10] [--postgres URL]

For each factor: the database named in the URL (the "old home") is made anew, migrated and
seeded by ``manage.py bench_seed`` at that factor (``bench-0`` holds every member and half
the threads); ``manage.py export_community bench-0`` writes its archive; a second database
(the URL's name with ``_new``, the "new home") is made anew and migrated, and
``manage.py import_community`` imports the archive. Each command runs in its own process,
timed, with its peak memory (max RSS). Then the two databases are compared: the imported
community has as many threads, posts and charter versions as the exported one, every
post's Markdown source is the same in the same order, and importing the archive again
changes nothing; and ``export_community`` run on the new home gives an archive whose
every record but the community's own equals the first's. (An imported community's history
is kept as the archive's records, read-only: ``portability.models.ImportedRecord``.)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BASE, PYTHON, emit, recreate_postgres  # noqa: E402

DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/commons_bench_archive"
BASE_SIZES = {"members": 1000, "communities": 20, "threads": 200}
SLUG = "bench-0"


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, the child's own peak RSS in MB (``wait4``), and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, cwd=BASE, text=True, stdout=subprocess.PIPE)
    out = child.stdout.read()
    child.stdout.close()
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, cmd, out)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, out.strip()


def exported(url: str) -> dict:
    """What the comparison reads of the community at its old home."""
    import psycopg

    with psycopg.connect(url) as conn:
        (community_id,) = conn.execute(
            "SELECT id FROM community_community WHERE slug = %s", [SLUG]
        ).fetchone()
        threads = conn.execute(
            "SELECT count(*) FROM community_thread WHERE community_id = %s", [community_id]
        ).fetchone()[0]
        bodies = [
            row[0]
            for row in conn.execute(
                "SELECT p.body FROM community_post p JOIN community_thread t ON t.id = p.thread_id"
                " WHERE t.community_id = %s ORDER BY t.created_at, t.id, p.path",
                [community_id],
            )
        ]
        charters = conn.execute(
            "SELECT count(*) FROM purposes_charter WHERE community_id = %s", [community_id]
        ).fetchone()[0]
    return {"threads": threads, "bodies": bodies, "charters": charters}


def imported(url: str) -> dict:
    """The same, read from the history the new home keeps of the imported community."""
    import psycopg

    def records(conn, part: str):
        return conn.execute(
            "SELECT r.data FROM portability_importedrecord r"
            " JOIN portability_importedcommunity s ON s.id = r.source_id"
            " JOIN community_community c ON c.id = s.community_id"
            " WHERE c.slug = %s AND r.part = %s ORDER BY r.number",
            [SLUG, part],
        ).fetchall()

    with psycopg.connect(url) as conn:
        communities = conn.execute("SELECT count(*) FROM community_community").fetchone()[0]
        return {
            "threads": len(records(conn, "threads.jsonl")),
            "bodies": [row[0]["body"] for row in records(conn, "posts.jsonl")],
            "charters": len(records(conn, "charters.jsonl")),
            "communities": communities,
        }


def parts_that_differ(first: Path, back: Path, env: dict) -> list[str]:
    """The parts whose records differ between the old home's archive and the new home's
    export of the same community: none should, but ``community.jsonl`` (the community
    record is the new home's own: its state, address and source)."""
    compare = (
        "import json; from portability.archive import PARTS, read_archive; "
        f"a, b = read_archive({str(first)!r}), read_archive({str(back)!r}); "
        "print(json.dumps([p for p in PARTS if p != 'community.jsonl' "
        "and a.records(p) != b.records(p)]))"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", compare],
        env=env, cwd=BASE, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def round_trip(factor: int, url: str, env: dict, folder: Path) -> dict:
    new_url = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_new"
    old_env, new_env = {**env, "DATABASE_URL": url}, {**env, "DATABASE_URL": new_url}
    manage = [PYTHON, "manage.py"]
    recreate_postgres(url)
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=old_env, cwd=BASE, check=True)
    sizes = [f"--{k}={v * factor}" for k, v in BASE_SIZES.items()]
    seed_s, _rss, seeded = timed([*manage, "bench_seed", "--i-know", *sizes], old_env)
    archive = folder / f"{SLUG}-{factor}x.zip"
    export_s, export_mb, _ = timed([*manage, "export_community", SLUG, "-o", str(archive)], old_env)
    recreate_postgres(new_url)
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=new_env, cwd=BASE, check=True)
    import_s, import_mb, _ = timed([*manage, "import_community", str(archive)], new_env)
    before, after = exported(url), imported(new_url)
    again_s, _rss, again = timed([*manage, "import_community", str(archive)], new_env)
    back = folder / f"{SLUG}-{factor}x-back.zip"
    back_s, back_mb, _ = timed([*manage, "export_community", SLUG, "-o", str(back)], new_env)
    differs = parts_that_differ(archive, back, new_env)
    checks = {
        "threads": before["threads"] == after["threads"],
        "posts": len(before["bodies"]) == len(after["bodies"]),
        "post sources in order": before["bodies"] == after["bodies"],
        "charter versions": before["charters"] == after["charters"],
        "second import changes nothing": "nothing changed" in again
        and imported(new_url)["communities"] == after["communities"],
        "export from the new home: every record the same": not differs,
    }
    return emit({
        "kind": "archive", "factor": factor, "seed": seeded, "seed_s": round(seed_s, 1),
        "threads": before["threads"], "posts": len(before["bodies"]),
        "archive_mb": round(archive.stat().st_size / 2**20, 1),
        "export_s": round(export_s, 1), "export_peak_mb": round(export_mb),
        "import_s": round(import_s, 1), "import_peak_mb": round(import_mb),
        "second_import_s": round(again_s, 1), "export_back_s": round(back_s, 1),
        "export_back_peak_mb": round(back_mb), "parts_differing": differs, "checks": checks,
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_ARCHIVE_URL", DEFAULT_URL))
    parser.add_argument("--factors", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    emit({"kind": "machine", "cpus": os.cpu_count(), "load": os.getloadavg()[0]})
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "COMMONS_VAR_DIR": str(BASE / "var" / "bench-archive"),
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "PYTHONPATH": str(BASE),
    }
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for factor in args.factors:
            results.append(round_trip(factor, args.postgres, env, Path(folder)))
    print()
    print(f"{'factor':<8}{'threads':>8}{'posts':>9}{'archive MB':>11}{'export s':>10}"
          f"{'peak MB':>9}{'import s':>10}{'peak MB':>9}  checks")  # fmt: skip
    failed = False
    for r in results:
        ok = all(r["checks"].values())
        failed |= not ok
        bad = ", ".join(name for name, good in r["checks"].items() if not good)
        print(f"{r['factor']:<8}{r['threads']:>8}{r['posts']:>9}{r['archive_mb']:>11}"
              f"{r['export_s']:>10}{r['export_peak_mb']:>9}{r['import_s']:>10}"
              f"{r['import_peak_mb']:>9}  {'all pass' if ok else 'FAILED: ' + bad}")  # fmt: skip
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
