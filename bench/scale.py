r"""Cost as the data grows: every page's server time and query count at 1x, 10x and 100x
the benchmark data, on PostgreSQL.

    make bench-scale                      # BENCH_POSTGRES_URL, or the default below
    .venv/bin/python bench/scale.py [--factors 1 10 100] [--repeat 15] [--postgres URL]

For each factor the database named in the URL is dropped and made anew, migrated and
seeded by ``manage.py bench_seed`` with its members, communities and threads multiplied
(1x: 1,000 members, 20 communities, 200 threads of about 20 posts and one of 500; 100x:
100,000 members, 2,000 communities, 20,000 threads, about 400,000 posts; ``bench-0``
holds every member and half the threads, so its lists grow with the factor). Then, in a
child process with the benchmark settings, each page is requested warm, anonymous and
logged in (member ``bench-3``), with the page cache forgotten before every request, so
what is timed is the page being rendered from the database, not a cached copy: the median
server time of ``--repeat`` requests and the queries of one. A page whose cost grows with
the data shows it in its row.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BASE, LOGIN, PYTHON, emit, recreate_postgres, run  # noqa: E402

DEFAULT_URL = "postgres://postgres:postgres@127.0.0.1:5432/commons_bench_scale"
BASE_SIZES = {"members": 1000, "communities": 20, "threads": 200}
PAGES = ["directory", "home", "threads", "thread20", "thread500", "proposal", "health", "search"]


def measure_pages(repeat: int) -> None:
    """The child process: time each page rendered (no page cache), print JSON lines."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.run import urls_of_seed
    from core import pagecache
    from members.models import User

    urls = urls_of_seed() | {"threads": "/c/bench-0/t/"}
    anonymous, member = Client(), Client()
    member.force_login(User.objects.get(username=LOGIN))
    for page in PAGES:
        for role, client in (("anonymous", anonymous), ("member", member)):
            for _ in range(3):
                pagecache.forget_all()
                assert client.get(urls[page]).status_code == 200, (page, role)
            timings = []
            for _ in range(repeat):
                pagecache.forget_all()
                started = time.perf_counter()
                client.get(urls[page])
                timings.append((time.perf_counter() - started) * 1000)
            pagecache.forget_all()
            with CaptureQueriesContext(connection) as ctx:
                client.get(urls[page])
            emit({"kind": "scale", "page": page, "role": role,
                  "ms": round(statistics.median(timings), 1),
                  "queries": len(ctx.captured_queries)})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        measure_pages(args.repeat)
        return
    started = time.perf_counter()
    emit({"kind": "machine", "cpus": os.cpu_count(), "load": os.getloadavg()[0]})
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "COMMONS_VAR_DIR": str(BASE / "var" / "bench-scale"),
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "PYTHONPATH": str(BASE),
        "DATABASE_URL": args.postgres,
    }
    results: dict[tuple[str, str], dict[int, dict]] = {}
    seeded = {}
    for factor in args.factors:
        recreate_postgres(args.postgres)
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
        sizes = [f"--{k}={v * factor}" for k, v in BASE_SIZES.items()]
        seed_started = time.perf_counter()
        out = run([PYTHON, "manage.py", "bench_seed", "--i-know", *sizes], env,
                  capture_output=True).stdout  # fmt: skip
        seeded[factor] = emit({"kind": "seed", "factor": factor, "output": out.strip(),
                               "wall_s": round(time.perf_counter() - seed_started, 1)})  # fmt: skip
        out = run([PYTHON, __file__, "--phase", "--repeat", str(args.repeat)], env,
                  capture_output=True).stdout  # fmt: skip
        for line in out.splitlines():
            record = json.loads(line)
            if record["kind"] == "scale":
                results.setdefault((record["page"], record["role"]), {})[factor] = emit(
                    {**record, "factor": factor}
                )
    print()
    columns = "".join(f"{f'{f}x ms (queries)':>18}" for f in args.factors)
    print(f"{'page':<11}{'role':<10}{columns}")
    for (page, role), by_factor in results.items():
        cells = "".join(
            f"{f'{by_factor[f]["ms"]:.1f} ({by_factor[f]["queries"]})':>18}" for f in args.factors
        )
        print(f"{page:<11}{role:<10}{cells}")
    for factor in args.factors:
        print(f"{factor}x: {seeded[factor]['output']}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
