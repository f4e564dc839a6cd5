#!/bin/bash
# A streaming replica (PostgreSQL's own replication): on first start a pg_basebackup -R of
# the primary into an empty PGDATA (-R writes standby.signal and primary_conninfo), then a
# hot standby that only reads. Extra arguments go to postgres (the test's port).
# docker-compose.yml runs it as the postgres-replica service's entrypoint; the PostgreSQL
# leg's replica proof (tests/postgres_cluster.py) runs it with Debian's binaries, its own
# primary, port and folder.
set -euo pipefail
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${PRIMARY_USER:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U "$PRIMARY_USER" \
      -D "$PGDATA" -R -X stream -c fast; do
    echo "waiting for the primary"
    sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on "$@"
