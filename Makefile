# The two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PORT ?= 8000
# Exported: the settings build SITE_URL (links in emails and feeds) from it in development.
export PORT

# A Python >= 3.12. On machines where Pythons come from pyenv, its shims fail unless
# PYENV_VERSION names one, so its versions folder is searched directly too.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { "$$p" -c 'import sys; print(sys.executable)'; break; }; done)

# uv from PATH, else a private copy installed from PyPI into var/.
UV ?= $(shell command -v uv 2>/dev/null || echo var/tools/bin/uv)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen
# Some machines set PYTHONDONTWRITEBYTECODE=1: then every Python the tests start (manage.py,
# workers, gunicorn) compiles the whole project and its libraries again, about 3 s each.
unexport PYTHONDONTWRITEBYTECODE

# Test processes (pytest-xdist): one per core; each takes whole files, the longest first.
TEST_WORKERS ?= auto

.PHONY: run test pytest install format migrate seed check-python bench load load-replica bench-reference bench-scale bench-archive

check-python:
	@test -n "$(PYTHON)" || { echo "Commons needs Python >= 3.12 (none found)." >&2; exit 1; }

var/tools/bin/uv: | check-python
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet uv

install: check-python $(if $(filter var/tools/bin/uv,$(UV)),var/tools/bin/uv)
	$(UV) sync --frozen

migrate: install
	$(RUN) python manage.py migrate --noinput

seed: migrate
	$(RUN) python manage.py seed_demo

## Run Commons: web server, Celery worker and beat (Ctrl-C stops all three).
run: seed
	$(RUN) python manage.py run_commons --port $(PORT)

## Lint, then the whole test suite on the embedded default (SQLite, filesystem broker).
test: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

## The suite alone, for another database or broker (.ci/run's second leg).
pytest: install
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

## Benchmarks (bench/run.py): SQLite, and PostgreSQL too when BENCH_POSTGRES_URL is set.
bench: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make bench needs wrk (apt-get install wrk), or BENCH_ARGS=--no-http" >&2; exit 1; }
	$(RUN) python bench/run.py $(BENCH_ARGS)

## Side by side with a reference forum (bench/reference_forum.py): Spirit in its own venv
## under var/reference-forum, then Commons, on the same pages, on 127.0.0.1:8741.
bench-reference: install
	@command -v wrk >/dev/null || { echo "make bench-reference needs wrk (apt-get install wrk)" >&2; exit 1; }
	$(RUN) python bench/reference_forum.py $(BENCH_ARGS)

## Cost as the data grows (bench/scale.py): every page rendered at 1x, 10x and 100x the
## benchmark data on PostgreSQL (BENCH_POSTGRES_URL, default commons_bench_scale on 127.0.0.1).
bench-scale: install
	$(RUN) python bench/scale.py $(BENCH_ARGS)

## A community's archive round trip (bench/archive.py): export bench-0 from one PostgreSQL
## database, import it into another, time both and compare (BENCH_ARCHIVE_URL).
bench-archive: install
	$(RUN) python bench/archive.py $(BENCH_ARGS)

## Load test (bench/load.py): gunicorn + a Celery worker on PostgreSQL and Redis under wrk,
## mixed traffic for LOAD_SECONDS (default 600); database commons_load, Redis dbs 13-15.
load: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make load needs wrk (apt-get install wrk)" >&2; exit 1; }
	$(RUN) python bench/load.py

## The load test twice on a PostgreSQL of its own (tests/postgres_cluster.py): alone, then
## with a streaming replica in DATABASE_REPLICA_URLS; the figures side by side.
load-replica: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "make load-replica needs wrk (apt-get install wrk)" >&2; exit 1; }
	$(RUN) python bench/load.py --replica
