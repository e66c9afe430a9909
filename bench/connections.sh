#!/usr/bin/env bash
# connections.sh - many idle keep-alive connections (a public gallery's browsers), in one run:
#   baseline: p99 of GET /api/v1/system/ping with 4 clients, and resident memory, idle server;
#   held:     the same while CONNECTIONS (10 000) keep-alive connections, each after one
#             answered request, sit idle (bench/hold-connections.mjs, from 200 loopback
#             source addresses so a per-client limit does not refuse them).
# Targets: resident memory < 64 MB above idle; ping p99 meanwhile < 10 ms.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CONNECTIONS=${CONNECTIONS:-10000}
HOLD_SETTLE=${HOLD_SETTLE:-2}
# both NekoHub and the holder need a descriptor per connection
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((CONNECTIONS + 512)) ] ||
  { echo "ulimit -n is $(ulimit -n): too low for $CONNECTIONS connections" >&2; exit 1; }

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
holder_pid=
trap '[ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null; [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

port=$(free_port)
start_nekohub "$work/data" "$port" Server__MaxConnections=$((CONNECTIONS + 1000)) \
  Server__IdleTimeoutSeconds=600
base="http://127.0.0.1:$port"
sleep 0.5
read -r idle_rps idle_p99 < <(WRK_CONNECTIONS=4 WRK_THREADS=1 wrk_run "$base/api/v1/system/ping")
idle_rss=$(rss_kb "$NEKOHUB_PID")
idle_threads=$(awk '/^Threads:/ {print $2}' "/proc/$NEKOHUB_PID/status")

start_ns=$(date +%s%N)
node "$(dirname "$0")/hold-connections.mjs" "$port" "$CONNECTIONS" >"$work/holder.out" 2>&1 &
holder_pid=$!
until grep -q '"ready"' "$work/holder.out" 2>/dev/null; do
  kill -0 "$holder_pid" 2>/dev/null || { cat "$work/holder.out" >&2; exit 1; }
  sleep 0.2
done
open_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep "$HOLD_SETTLE"
held_rss=$(rss_kb "$NEKOHUB_PID")
held_threads=$(awk '/^Threads:/ {print $2}' "/proc/$NEKOHUB_PID/status")
read -r held_rps held_p99 < <(WRK_CONNECTIONS=4 WRK_THREADS=1 wrk_run "$base/api/v1/system/ping")
kill "$holder_pid"
wait "$holder_pid" 2>/dev/null || true
holder_pid=
ready=$(grep '"ready"' "$work/holder.out")
done_line=$(grep '"done"' "$work/holder.out" || echo '{}')
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "?"))' "$1" "$2"; }

echo "== idle keep-alive connections ($CONNECTIONS held; ping by 4 clients for $WRK_DURATION)"
printf '%-44s %10s %12s %10s %8s\n' "" "p99 ms" "requests/s" "RSS MB" "threads"
printf '%-44s %10s %12s %10s %8s\n' "ping, idle server" "$idle_p99" "$idle_rps" "$((idle_rss / 1024))" "$idle_threads"
printf '%-44s %10s %12s %10s %8s\n' "ping, $(field "$ready" open) connections held open" "$held_p99" "$held_rps" "$((held_rss / 1024))" "$held_threads"
echo "connections: $(field "$ready" answered) answered and held, $(field "$ready" failed) failed," \
  "opened in $open_ms ms; still open at the end: $(field "$done_line" open)," \
  "closed by the server meanwhile: $(field "$done_line" closedByServer)"
echo "resident memory above idle: $(((held_rss - idle_rss) / 1024)) MB (target < 64 MB)"
echo "ping p99 while held: $held_p99 ms (target < 10 ms; idle $idle_p99 ms)"
