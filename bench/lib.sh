#!/usr/bin/env bash
# lib.sh - shared helpers of the benchmark scripts: start/stop nekohub and nginx on free ports,
# run wrk and pull numbers out of its report. Sourced, not run.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NEKOHUB_BIN=${NEKOHUB_BIN:-$BENCH_ROOT/build/release/nekohub}
WRK_DURATION=${WRK_DURATION:-8s}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-32}
WRK_THREADS=${WRK_THREADS:-2}
ROUNDS=${ROUNDS:-3} # alternating runs of each side of a ratio; the medians are compared

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

# nginx_run DIR PORT SERVER_CONFIG: nginx with 2 workers (run as the caller, so as root they may
# read NekoHub's 0600 files), the http {} basics both nginx set-ups share, then SERVER_CONFIG.
nginx_run() {
  local dir=$1 port=$2 server_config=$3
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo 'user root;')
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000;
  include /etc/nginx/mime.types;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
$server_config
}
CONF
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon on;' || return 1
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null | grep -q '^[1-9]' && return 0
    sleep 0.05
  done
  return 1
}

# start_nginx ROOT_DIR PORT -> nginx serving ROOT_DIR's files as well as it can (sendfile,
# tcp_nopush, open_file_cache); sets NGINX_DIR (stop with stop_nginx)
start_nginx() {
  local root=$1 port=$2
  NGINX_DIR=$(mktemp -d /tmp/nekohub-bench-nginx.XXXXXX)
  nginx_run "$NGINX_DIR" "$port" "  server {
    listen 127.0.0.1:$port;
    root $root;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=10000 inactive=60s;
  }"
}

# render_nginx_template NEKOHUB_PORT STORAGE_ROOT ACCEL_PREFIX LISTEN CACHE_DIR -> prints
# docs/nginx/nekohub.conf.template without its TLS lines, placeholders filled (as the
# nginx-accel test does)
render_nginx_template() {
  local rendered
  rendered=$(sed -e '/#[[:space:]]*tls[[:space:]]*$/d' \
    -e "s|{{NEKOHUB}}|127.0.0.1:$1|g" -e "s|{{STORAGE_ROOT}}|${2%/}|g" \
    -e "s|{{ACCEL_PREFIX}}|$3|g" -e "s|{{LISTEN}}|$4|g" -e "s|{{CACHE_DIR}}|$5|g" \
    -e "s|{{SERVER_NAME}}|localhost|g" -e "s|{{MAX_BODY_SIZE}}|11m|g" \
    "$BENCH_ROOT/docs/nginx/nekohub.conf.template")
  if grep -q '{{[A-Z_]*}}' <<<"$rendered"; then
    echo "render_nginx_template: unfilled placeholder: $(grep -o '{{[A-Z_]*}}' <<<"$rendered" | head -1)" >&2
    return 1
  fi
  printf '%s\n' "$rendered"
}

# start_nginx_front NEKOHUB_PORT STORAGE_ROOT ACCEL_PREFIX PORT -> nginx configured from the
# operations template in front of NekoHub; sets FRONT_DIR (stop with stop_nginx_dir)
start_nginx_front() {
  FRONT_DIR=$(mktemp -d /tmp/nekohub-bench-front.XXXXXX)
  local site
  site=$(render_nginx_template "$1" "$2" "$3" "127.0.0.1:$4" "$FRONT_DIR/cache") || return 1
  nginx_run "$FRONT_DIR" "$4" "$site"
}

stop_nginx_dir() {
  [ -n "${1:-}" ] && [ -f "$1/nginx.pid" ] || { [ -n "${1:-}" ] && rm -rf "$1"; return 0; }
  kill -QUIT "$(cat "$1/nginx.pid")" 2>/dev/null
  for _ in $(seq 1 50); do
    [ -f "$1/nginx.pid" ] || break
    sleep 0.05
  done
  rm -rf "$1"
}

stop_nginx() {
  stop_nginx_dir "${NGINX_DIR:-}"
  NGINX_DIR=
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

# median_run "<requests/s> <p99 ms>"... -> the run with the median requests/s
median_run() {
  printf '%s\n' "$@" | sort -n -k1,1 | sed -n "$(( ($# + 1) / 2 ))p"
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
