#!/usr/bin/env bash
# Backup and restore, checked: migrate and seed a scratch PostgreSQL database with the demo
# data, back it up with pg_dump -Fc, restore it with pg_restore into a fresh database, and
# compare the row count of every table. Prints the figures; fails on any difference.
# Idempotent (drops and recreates its two scratch databases); about 30 s on 2 cores.
#
# Connection: PGHOST, PGPORT, PGUSER, PGPASSWORD (defaults: the CI server,
# postgres:postgres@127.0.0.1:5432). Python: $PYTHON, else .venv/bin/python, else uv run.
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-postgres}" PGPASSWORD="${PGPASSWORD:-postgres}"
SOURCE=commons_restore_source
TARGET=commons_restore_target
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${PYTHON:-}" ]; then py=("$PYTHON")
elif [ -x .venv/bin/python ]; then py=(.venv/bin/python)
else py=(uv run --frozen python); fi

started=$(date +%s)
for db in "$SOURCE" "$TARGET"; do dropdb --if-exists "$db"; createdb "$db"; done

# The demo data, written by the real migrations and seeders, on a scratch broker and var/.
export DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$SOURCE"
export COMMONS_VAR_DIR="$WORK/var" CELERY_BROKER_URL="memory://" CELERY_TASK_ALWAYS_EAGER=true
export LOG_LEVEL=WARNING
mkdir -p "$COMMONS_VAR_DIR"
"${py[@]}" manage.py migrate --no-input -v 0
"${py[@]}" manage.py seed_demo >/dev/null

# The backup and the restore, exactly as the README says.
pg_dump -Fc --no-owner -f "$WORK/commons.dump" "$SOURCE"
pg_restore --no-owner --exit-on-error -d "$TARGET" "$WORK/commons.dump"

counts() {
  psql -d "$1" -At -F ' ' -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" |
    while read -r table; do
      printf '%s %s\n' "$table" "$(psql -d "$1" -At -c "SELECT count(*) FROM \"$table\"")"
    done
}
counts "$SOURCE" >"$WORK/source.txt"
counts "$TARGET" >"$WORK/target.txt"

tables=$(wc -l <"$WORK/source.txt")
rows=$(awk '{s += $2} END {print s}' "$WORK/source.txt")
size=$(du -k "$WORK/commons.dump" | cut -f1)
if ! diff -u "$WORK/source.txt" "$WORK/target.txt"; then
  echo "restore check: FAILED, the restored database differs (above)" >&2
  exit 1
fi
[ "$rows" -gt 0 ] || { echo "restore check: FAILED, the seeded database is empty" >&2; exit 1; }
for db in "$SOURCE" "$TARGET"; do dropdb --if-exists "$db"; done
echo "restore check: $tables tables, $rows rows, dump ${size} KiB, restored identical in $(( $(date +%s) - started )) s"
