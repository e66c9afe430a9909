#!/usr/bin/env bash
# lib.sh - shared helpers of the benchmark scripts: start/stop nekohub and nginx on free ports,
# run wrk and pull numbers out of its report. Sourced, not run.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NEKOHUB_BIN=${NEKOHUB_BIN:-$BENCH_ROOT/build/release/nekohub}
WRK_DURATION=${WRK_DURATION:-8s}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_nekohub DATA_DIR PORT [ENV=VALUE ...] -> sets NEKOHUB_PID, waits until ready
start_nekohub() {
  local data_dir=$1 port=$2
  shift 2
  env "$@" "$NEKOHUB_BIN" serve --port "$port" --listen 127.0.0.1 --data-dir "$data_dir" \
    >"$data_dir.log" 2>&1 &
  NEKOHUB_PID=$!
  for _ in $(seq 1 200); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "nekohub did not start; log:" >&2
  cat "$data_dir.log" >&2
  return 1
}

stop_pid() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# start_nginx ROOT_DIR PORT -> sets NGINX_DIR (stop with stop_nginx)
start_nginx() {
  local root=$1 port=$2
  NGINX_DIR=$(mktemp -d /tmp/nekohub-bench-nginx.XXXXXX)
  mkdir -p "$NGINX_DIR/logs"
  cat >"$NGINX_DIR/nginx.conf" <<CONF
worker_processes 2;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { application/json json; image/jpeg jpg; }
  server {
    listen 127.0.0.1:$port;
    root $root;
  }
}
CONF
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -g 'daemon on;' 2>/dev/null
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null | grep -q '^[0-9]' && return 0
    sleep 0.05
  done
  return 1
}

stop_nginx() {
  [ -n "${NGINX_DIR:-}" ] || return 0
  kill "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null
  sleep 0.2
  rm -rf "$NGINX_DIR"
}

# wrk_run URL -> prints "<requests/s> <p99 ms>"
wrk_run() {
  local report
  report=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "$1" 2>&1)
  local rps p99
  rps=$(echo "$report" | awk '/^Requests\/sec:/ {print $2}')
  p99=$(echo "$report" | awk '$1 == "99%" {print $2}')
  echo "$rps $(to_ms "$p99")"
}

# "1.23ms" / "850.00us" / "1.2s" -> milliseconds
to_ms() {
  local value=$1
  case "$value" in
    *us) awk -v v="${value%us}" 'BEGIN {printf "%.3f", v / 1000}' ;;
    *ms) awk -v v="${value%ms}" 'BEGIN {printf "%.3f", v}' ;;
    *s) awk -v v="${value%s}" 'BEGIN {printf "%.3f", v * 1000}' ;;
    *) echo "$value" ;;
  esac
}

rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

peak_rss_kb() {
  awk '/^VmHWM:/ {print $2}' "/proc/$1/status"
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}
