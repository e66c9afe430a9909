#!/usr/bin/env bash
# login.sh - does Argon2 sign-in load stall other requests? In one run:
#   baseline: p99 of GET /api/v1/system/ping with 4 clients on an idle server;
#   loaded:   the same while 16 clients sign in with wrong passwords and 8 with right ones.
# Prints both p99s and their ratio (target: loaded within 3x of idle), sign-ins per second,
# and the server's peak resident memory (Argon2 memory must stay bounded by
# Auth__Password__HashConcurrency x 64 MiB).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT
duration=${WRK_DURATION:-10s}

port=$(free_port)
start_nekohub "$work/data" "$port" \
  Auth__BootstrapSuperAdmin__Username=bench Auth__BootstrapSuperAdmin__Password=bench-password-1 \
  Auth__Login__MaxFailuresPerUser=1000000 Auth__Login__MaxFailuresPerClient=1000000
base="http://127.0.0.1:$port"

cat >"$work/wrong.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench","password":"not-the-password"}'
LUA
cat >"$work/right.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"bench","password":"bench-password-1"}'
done = function(summary, latency, requests)
  io.write(string.format("LOGINS %d %d\n", summary.requests, summary.errors.status))
end
LUA

read -r idle_rps idle_p99 < <(WRK_CONNECTIONS=4 WRK_THREADS=1 WRK_DURATION=$duration wrk_run "$base/api/v1/system/ping")

wrk -t2 -c16 -d"$duration" -s "$work/wrong.lua" "$base/api/v1/auth/login" >"$work/wrong.txt" 2>&1 &
wrong_pid=$!
wrk -t1 -c8 -d"$duration" -s "$work/right.lua" "$base/api/v1/auth/login" >"$work/right.txt" 2>&1 &
right_pid=$!
sleep 1
read -r loaded_rps loaded_p99 < <(WRK_CONNECTIONS=4 WRK_THREADS=1 WRK_DURATION=$(( ${duration%s} - 2 ))s wrk_run "$base/api/v1/system/ping")
wait "$wrong_pid" "$right_pid"

wrong_total=$(awk '/requests in/ {print $1}' "$work/wrong.txt")
right_total=$(awk '/requests in/ {print $1}' "$work/right.txt")
seconds=${duration%s}
peak=$(peak_rss_kb "$NEKOHUB_PID")

echo "== sign-in load benchmark ($duration)"
printf '%-44s %10s %12s\n' "" "p99 ms" "requests/s"
printf '%-44s %10s %12s\n' "ping, idle server (4 clients)" "$idle_p99" "$idle_rps"
printf '%-44s %10s %12s\n' "ping, during 24 clients signing in" "$loaded_p99" "$loaded_rps"
echo "p99 ratio loaded/idle: $(ratio "$loaded_p99" "$idle_p99") (target <= 3)"
echo "sign-ins/s: $(ratio "$right_total" "$seconds") successful, $(ratio "$wrong_total" "$seconds") refused (wrong password)"
echo "peak resident memory: $((peak / 1024)) MB (Argon2: at most Auth__Password__HashConcurrency (default cores - 1, here $(( $(nproc) > 2 ? $(nproc) - 1 : 1 ))) x 64 MiB at once)"
