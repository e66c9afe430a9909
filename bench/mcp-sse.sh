#!/usr/bin/env bash
# mcp-sse.sh - idle legacy MCP SSE sessions (GET /mcp/sse: agents connected and waiting), in
# one run:
#   alone:    p99 of GET /api/v1/system/ping with 4 clients, resident memory and threads of an
#             idle server;
#   held:     the same while SESSIONS (500) SSE sessions sit open and idle
#             (bench/mcp-hold-sse.mjs, from many loopback source addresses), each stream
#             suspended between heartbeats: no thread and no polling per session;
# alternated ROUNDS (3) times, medians compared (the machine is shared and noisy).
# At the end every session gets one ping through POST /mcp/message and its reply must come back
# on its stream. The caps are raised for the run (Mcp__SseMaxSessions/PerCredential).
# Targets: resident memory < 32 MB above idle for 500 sessions; ping p99 meanwhile < 10 ms.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SESSIONS=${SESSIONS:-500}
HOLD_SETTLE=${HOLD_SETTLE:-2}
HEARTBEAT=${HEARTBEAT:-15} # Mcp__SseHeartbeatSeconds
KEY=bench-mcp-key-0123456789abcdef
ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
holder_pid=
trap '[ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null; [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

port=$(free_port)
# Between rounds the server notices the held sessions' clients left at their next heartbeat.
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true Auth__ApiKey__Keys__0=$KEY \
  Mcp__SseMaxSessions=$((SESSIONS + 100)) Mcp__SseMaxSessionsPerCredential=$((SESSIONS + 100)) \
  Mcp__SseHeartbeatSeconds=$HEARTBEAT Server__MaxConnections=$((SESSIONS + 1000))
base="http://127.0.0.1:$port"
streams_open() { curl -s "$base/metrics" | awk '$1 == "nekohub_http_streams_open" {print $2}'; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "?"))' "$1" "$2"; }
sleep 0.5
idle_rss=$(rss_kb "$NEKOHUB_PID")
idle_threads=$(awk '/^Threads:/ {print $2}' "/proc/$NEKOHUB_PID/status")

# ROUNDS alternations of: ping alone, then ping while SESSIONS sessions are held; medians.
idle_runs=()
held_runs=()
first_held_rss=0
for round in $(seq 1 "$ROUNDS"); do
  until [ "$(streams_open)" = 0 ]; do sleep 0.2; done
  idle_runs+=("$(WRK_CONNECTIONS=4 WRK_THREADS=1 wrk_run "$base/api/v1/system/ping")")
  rm -f "$work/holder.out"
  start_ns=$(date +%s%N)
  node "$(dirname "$0")/mcp-hold-sse.mjs" "$port" "$KEY" "$SESSIONS" >"$work/holder.out" 2>&1 &
  holder_pid=$!
  until grep -q '"ready"' "$work/holder.out" 2>/dev/null; do
    kill -0 "$holder_pid" 2>/dev/null || { cat "$work/holder.out" >&2; exit 1; }
    sleep 0.2
  done
  open_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  sleep "$HOLD_SETTLE"
  held_rss=$(rss_kb "$NEKOHUB_PID")
  [ "$first_held_rss" = 0 ] && first_held_rss=$held_rss
  held_threads=$(awk '/^Threads:/ {print $2}' "/proc/$NEKOHUB_PID/status")
  streams=$(streams_open)
  held_runs+=("$(WRK_CONNECTIONS=4 WRK_THREADS=1 wrk_run "$base/api/v1/system/ping")")
  kill "$holder_pid"
  for _ in $(seq 1 600); do grep -q '"done"' "$work/holder.out" && break; sleep 0.1; done
  wait "$holder_pid" 2>/dev/null || true
  holder_pid=
  ready=$(grep '"ready"' "$work/holder.out")
  done_line=$(grep '"done"' "$work/holder.out" || echo '{}')
  echo "round $round: $(field "$ready" open) sessions opened in $open_ms ms ($(field "$ready" failed) failed)," \
    "$streams streams on the server, $(field "$done_line" closedByServer) closed by it," \
    "$(field "$done_line" replies) ping replies back on their streams;" \
    "p99 alone ${idle_runs[-1]#* } ms, held ${held_runs[-1]#* } ms"
done
read -r idle_rps idle_p99 < <(median_run "${idle_runs[@]}")
read -r held_rps held_p99 < <(median_run "${held_runs[@]}")

echo "== idle MCP SSE sessions ($SESSIONS held; ping by 4 clients for $WRK_DURATION; median of $ROUNDS rounds)"
printf '%-44s %10s %12s %10s %8s\n' "" "p99 ms" "requests/s" "RSS MB" "threads"
printf '%-44s %10s %12s %10s %8s\n' "ping alone" "$idle_p99" "$idle_rps" "$((idle_rss / 1024))" "$idle_threads"
printf '%-44s %10s %12s %10s %8s\n' "ping, $SESSIONS SSE sessions held" "$held_p99" "$held_rps" "$((first_held_rss / 1024))" "$held_threads"
echo "resident memory above idle, first round: $(((first_held_rss - idle_rss) / 1024)) MB," \
  "$(( (first_held_rss - idle_rss) / SESSIONS )) KB per session (target < 32 MB); last round:" \
  "$(((held_rss - idle_rss) / 1024)) MB (freed memory the allocator kept from earlier rounds)"
echo "ping p99 while held: $held_p99 ms (target < 10 ms; alone $idle_p99 ms)"
