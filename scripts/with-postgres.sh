#!/usr/bin/env bash
# Run a command with DATABASE_URL pointing at a throw-away PostgreSQL cluster on 127.0.0.1,
# started from Debian's postgresql binaries and removed afterwards, whatever the outcome.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
port=${PGPORT_THROWAWAY:-54329}
dir=$(mktemp -d /tmp/wenming-pg.XXXXXX)
chmod 755 "$dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability off (the cluster is thrown away); a buffer cache and WAL sized for the district
# demo's millions of rows, as a production server would be (docs/deployment.md), instead of
# the defaults' 128 MB of buffers and a checkpoint every 1 GB of WAL.
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min" start >/dev/null
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres wenming
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/wenming"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
