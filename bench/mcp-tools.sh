#!/usr/bin/env bash
# mcp-tools.sh - what the MCP layer costs: the same page of assets through
#   `tools/call list_assets` over Streamable HTTP (POST /mcp, plain JSON reply), and
#   `GET /api/v1/assets?page=1&pageSize=20` (REST),
# same server, same machine key, same data (ASSETS seeded rows), alternating ROUNDS times;
# prints requests/s and p99 of each and their ratio (target >= 0.8).
# Knobs: ASSETS (1000), PAGE_SIZE (20), and lib.sh's WRK_* and ROUNDS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ASSETS=${ASSETS:-1000}
PAGE_SIZE=${PAGE_SIZE:-20}
KEY=bench-mcp-machine-key-0123456789

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

port=$(free_port)
base="http://127.0.0.1:$port"
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY"

# ASSETS rows, half of them public, as bench/assets.sh seeds them.
sqlite3 "$work/data/nekohub.db" >/dev/null <<SQL
PRAGMA busy_timeout = 5000;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ASSETS)
INSERT INTO assets (id, type, status, original_file_name, stored_file_name, content_type,
  extension, size, width, height, checksum_sha256, storage_provider, storage_provider_profile_id,
  storage_key, public_url, is_public, description, alt_text, created_at, updated_at)
SELECT printf('0195f3c2-0000-7000-8000-%012x', i), 'image', 'ready', 'seed-' || i || '.jpg',
  'seed' || i || '.jpg', 'image/jpeg', '.jpg', 200000 + i, 640, 480, lower(hex(randomblob(32))),
  'local', NULL, 'seed/' || i || '.jpg', 'http://127.0.0.1/content/seed/' || i || '.jpg',
  i % 2, 'description ' || i, NULL, 1700000000000 + i, 1700000000000 + i
FROM n;
SQL

rest_url="$base/api/v1/assets?page=1&pageSize=$PAGE_SIZE"
call="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"list_assets\",\"arguments\":{\"page\":1,\"pageSize\":$PAGE_SIZE}}}"

# The same page both ways (ids in order), or the comparison means nothing.
rest_ids=$(curl -sf -H "Authorization: Bearer $KEY" "$rest_url" |
  python3 -c 'import json,sys; print(",".join(i["id"] for i in json.load(sys.stdin)["data"]["items"]))')
mcp_ids=$(curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -H 'MCP-Protocol-Version: 2025-11-25' \
  --data "$call" "$base/mcp" |
  python3 -c 'import json,sys; print(",".join(i["id"] for i in json.load(sys.stdin)["result"]["structuredContent"]["items"]))')
if [ "$rest_ids" != "$mcp_ids" ] || [ -z "$rest_ids" ]; then
  echo "mcp-tools: the two pages differ" >&2
  exit 1
fi

cat >"$work/mcp.lua" <<LUA
wrk.method = "POST"
wrk.body = '$call'
wrk.headers["Authorization"] = "Bearer $KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
LUA

# wrk_with SCRIPT_OR_HEADER URL -> "<requests/s> <p99 ms>"
wrk_mcp() {
  local report
  report=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency \
    -s "$work/mcp.lua" "$base/mcp" 2>&1)
  echo "$(echo "$report" | awk '/^Requests\/sec:/ {print $2}')" \
    "$(to_ms "$(echo "$report" | awk '$1 == "99%" {print $2}')")"
}
wrk_rest() {
  local report
  report=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency \
    -H "Authorization: Bearer $KEY" "$rest_url" 2>&1)
  echo "$(echo "$report" | awk '/^Requests\/sec:/ {print $2}')" \
    "$(to_ms "$(echo "$report" | awk '$1 == "99%" {print $2}')")"
}

mcp_runs=() rest_runs=()
for _ in $(seq 1 "$ROUNDS"); do
  rest_runs+=("$(wrk_rest)")
  mcp_runs+=("$(wrk_mcp)")
done
read -r rest_rps rest_p99 < <(median_run "${rest_runs[@]}")
read -r mcp_rps mcp_p99 < <(median_run "${mcp_runs[@]}")

echo "== MCP list_assets vs REST list ($ASSETS assets, pageSize $PAGE_SIZE, $WRK_CONNECTIONS connections, $WRK_DURATION each)"
printf '%-52s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-52s %12s %10s\n' "GET /api/v1/assets?page=1&pageSize=$PAGE_SIZE" "$rest_rps" "$rest_p99"
printf '%-52s %12s %10s\n' "POST /mcp tools/call list_assets (same page)" "$mcp_rps" "$mcp_p99"
echo "ratio mcp/rest: $(ratio "$mcp_rps" "$rest_rps") (target >= 0.8; medians of $ROUNDS" \
  "alternating runs: rest ${rest_runs[*]// /\/}; mcp ${mcp_runs[*]// /\/})"
