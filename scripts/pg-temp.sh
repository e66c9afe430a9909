#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL 15 cluster for the test suite.
#   scripts/pg-temp.sh start DIR PORT   # initdb + start, socket in DIR
#   scripts/pg-temp.sh stop DIR
# initdb refuses to run as root, so as root the cluster runs as the postgres user.
set -euo pipefail
action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-temp: PostgreSQL server binaries not found" >&2; exit 1; }
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case "$action" in
  start)
    port=$3
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -o \
      "-p $port -k $dir -c listen_addresses='' -c fsync=off -c max_connections=300" start >/dev/null \
      || { cat "$dir/pg.log" >&2; exit 1; }
    ;;
  stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-temp.sh start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
