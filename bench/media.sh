#!/usr/bin/env bash
# media.sh - the sandboxed media worker's cost, side by side in one run (issue 11):
#   1. idle resident memory of `nekohub serve` (target < 20 MB), and of its media workers
#   2. upload latency p50/p99 (sequential uploads of one ~200 KB JPEG) with the probe in the
#      sandboxed worker vs the in-process probe of a build from before the sandboxed worker
# BEFORE_BIN: a release nekohub built from before the media worker (e.g. main at f86a42d:
# `git archive f86a42d | tar -x -C /tmp/before && make -C /tmp/before build/release/nekohub`);
# without it only the current build is measured. UPLOADS per round (default 100), ROUNDS (3).
# ENRICHMENT (default false): the uploads' runEnrichment field. false measures the probe alone
# (what the in-process build did); true adds the thumbnails the upload queues, which then run
# beside the next uploads on the same cores and media workers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
UPLOADS=${UPLOADS:-100}
KEY=bench-media-key-0123456789
BEFORE_BIN=${BEFORE_BIN:-}
ENRICHMENT=${ENRICHMENT:-false}

work=$(mktemp -d /tmp/nekohub-bench-media.XXXXXX)
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT
vips gaussnoise "$work/photo.jpg[Q=90]" 640 480 >/dev/null

# worker_rss_kb PID: the summed VmRSS of PID's nekohub-media children
worker_rss_kb() {
  local total=0 child
  for child in $(pgrep -P "$1" -x nekohub-media || true); do
    total=$((total + $(rss_kb "$child")))
  done
  echo "$total"
}

# run_side BINARY NAME ROUND: start, (round 1: idle memory), UPLOADS uploads, latencies to a file
run_side() {
  local bin=$1 name=$2 round=$3 port
  port=$(free_port)
  rm -rf "$work/data-$name"
  NEKOHUB_BIN=$bin start_nekohub "$work/data-$name" "$port" Auth__ApiKey__Enabled=true \
    "Auth__ApiKey__Keys__0=$KEY"
  if [ "$round" = 1 ]; then
    sleep 1
    echo "$name idle: nekohub $(rss_kb "$NEKOHUB_PID") kB, media workers $(worker_rss_kb "$NEKOHUB_PID") kB" \
      "($(pgrep -P "$NEKOHUB_PID" -x nekohub-media | wc -l) processes)" >>"$work/idle.txt"
  fi
  for _ in $(seq 1 "$UPLOADS"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $KEY" \
      -F "runEnrichment=$ENRICHMENT" -F "file=@$work/photo.jpg;type=image/jpeg" \
      "http://127.0.0.1:$port/api/v1/assets"
  done >>"$work/latency-$name.txt"
  stop_pid "$NEKOHUB_PID"
  NEKOHUB_PID=
}

sides=("$NEKOHUB_BIN:sandboxed")
[ -n "$BEFORE_BIN" ] && sides+=("$BEFORE_BIN:in-process")
for round in $(seq 1 "$ROUNDS"); do
  for side in "${sides[@]}"; do
    run_side "${side%%:*}" "${side##*:}" "$round"
  done
done

echo "== media worker (${UPLOADS} uploads x ${ROUNDS} rounds per side, $(stat -c %s "$work/photo.jpg") B JPEG, runEnrichment=$ENRICHMENT)"
cat "$work/idle.txt"
for side in "${sides[@]}"; do
  name=${side##*:}
  python3 - "$work/latency-$name.txt" "$name" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
bad = [r for r in rows if r[0] != '202']
times = sorted(float(r[1]) * 1000 for r in rows if r[0] == '202')
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"{sys.argv[2]} upload latency: p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms "
      f"({len(times)} accepted, {len(bad)} refused)")
PY
done
