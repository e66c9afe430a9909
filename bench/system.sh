#!/usr/bin/env bash
# system.sh - the foundation's numbers, side by side in one run:
#   1. GET /api/v1/system/ping vs nginx serving the same bytes from a file (ratio, target >= 0.9)
#   2. idle resident memory of `nekohub serve` (target < 20 MB)
#   3. start-up to ready on SQLite (target < 200 ms)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
trap 'stop_nginx; [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

port=$(free_port)
start_nekohub "$work/data" "$port"
curl -s "http://127.0.0.1:$port/api/v1/system/ping" >"$work/www.json"
mkdir -p "$work/www"
mv "$work/www.json" "$work/www/ping.json"
nginx_port=$(free_port)
start_nginx "$work/www" "$nginx_port"

sleep 0.5
idle_rss=$(rss_kb "$NEKOHUB_PID")
idle_anonymous=$(awk '/^Anonymous:/ {print $2}' "/proc/$NEKOHUB_PID/smaps_rollup")
idle_files=$((idle_rss - idle_anonymous))

# Alternate the two ROUNDS times and keep the medians: this machine's neighbours are noisy.
hub_runs=() nginx_runs=()
for _ in $(seq 1 "$ROUNDS"); do
  hub_runs+=("$(wrk_run "http://127.0.0.1:$port/api/v1/system/ping")")
  nginx_runs+=("$(wrk_run "http://127.0.0.1:$nginx_port/ping.json")")
done
read -r hub_rps hub_p99 < <(median_run "${hub_runs[@]}")
read -r nginx_rps nginx_p99 < <(median_run "${nginx_runs[@]}")
stop_pid "$NEKOHUB_PID"
NEKOHUB_PID=

# Start-up to ready: median of 5 starts on an existing (migrated) data directory and on a fresh one.
startup_ms() {
  local dir=$1 start end p
  p=$(free_port)
  start=$(date +%s%N)
  "$NEKOHUB_BIN" serve --port "$p" --listen 127.0.0.1 --data-dir "$dir" >"$dir.startup.log" 2>&1 &
  local pid=$!
  until curl -sf "http://127.0.0.1:$p/readyz" >/dev/null 2>&1; do sleep 0.005; done
  end=$(date +%s%N)
  stop_pid "$pid"
  echo $(( (end - start) / 1000000 ))
}
warm=()
for i in 1 2 3 4 5; do warm+=("$(startup_ms "$work/data")"); done
fresh=()
for i in 1 2 3 4 5; do fresh+=("$(startup_ms "$work/fresh$i")"); done
median() { printf '%s\n' "$@" | sort -n | sed -n 3p; }

echo "== foundation benchmark ($WRK_CONNECTIONS connections, $WRK_DURATION each)"
printf '%-34s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-34s %12s %10s\n' "nekohub GET /api/v1/system/ping" "$hub_rps" "$hub_p99"
printf '%-34s %12s %10s\n' "nginx same bytes from a file" "$nginx_rps" "$nginx_p99"
echo "ratio nekohub/nginx: $(ratio "$hub_rps" "$nginx_rps") (target >= 0.9; medians of $ROUNDS" \
  "alternating runs: nekohub ${hub_runs[*]// /\/}; nginx ${nginx_runs[*]// /\/})"
echo "idle resident memory: $((idle_rss / 1024)) MB ($idle_rss kB; target < 20 MB), of which heap and stacks $((idle_anonymous / 1024)) MB and mapped library code $((idle_files / 1024)) MB"
echo "start-up to ready: $(median "${warm[@]}") ms existing data, $(median "${fresh[@]}") ms first run (median of 5; target < 200 ms; includes the bootstrap Argon2 hash on a first run)"
