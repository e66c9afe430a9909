#!/usr/bin/env bash
# ai-captions.sh - issue 12's benchmark: UPLOADS (default 100) image uploads whose upload jobs
# (basic_image_enrich: thumbnail_256 and preview_1024 in the media worker, then the caption)
# ask a stand-in vision model that answers every call after DELAY_MS (500) ms
# (bench/ai-model.mjs, the tests' strict OpenAI-compatible stand-in), with Ai__MaxConcurrency
# 1, 4 and 16 side by side, and a baseline "off" run with no active AI profile (the caption
# step is skipped: thumbnails and previews alone); Processing__Workers is WORKERS (16)
# throughout, so the model slots are what bounds the calls. Per setting: the end-to-end time
# from the first upload to the last job ended, when the last thumbnail existed, how long each upload waited for its thumbnail
# (median and p95, from the row's creation), the captions stored, the most model calls the
# stand-in saw at once, and the p99 of GET /api/v1/system/ping (4 clients, wrk, in 3 s slices
# for the whole run: median and worst slice) next to the idle server's.
# Knobs: UPLOADS (100), PARALLEL uploads at once (4), CONCURRENCIES ("off 1 4 16"), WORKERS (16),
# DELAY_MS (500), NEKOHUB_BIN.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
UPLOADS=${UPLOADS:-100}
PARALLEL=${PARALLEL:-4}
CONCURRENCIES=${CONCURRENCIES:-"off 1 4 16"}
WORKERS=${WORKERS:-16}
export DELAY_MS=${DELAY_MS:-500}
KEY=bench-ai-key-0123456789
SLICE=3s

work=$(mktemp -d /tmp/nekohub-bench-ai.XXXXXX)
model_pid=
pinger=
cleanup() {
  [ -n "$pinger" ] && kill "$pinger" 2>/dev/null
  [ -n "$model_pid" ] && kill "$model_pid" 2>/dev/null
  [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"
  rm -rf "$work"
}
trap cleanup EXIT

# A 1600 x 1200 photo-like JPEG (blurred noise), as a phone's resized upload.
vips gaussnoise "$work/noise.v" 1600 1200 --sigma 40 --mean 120 >/dev/null
vips gaussblur "$work/noise.v" "$work/blur.v" 1.5 >/dev/null
vips colourspace "$work/blur.v" "$work/photo.v" srgb >/dev/null 2>&1 || cp "$work/blur.v" "$work/photo.v"
vips jpegsave "$work/photo.v" "$work/photo.jpg" --Q 88 >/dev/null
rm -f "$work"/*.v
photo_size=$(vipsheader -f width "$work/photo.jpg")x$(vipsheader -f height "$work/photo.jpg")

now_ms() { date +%s%3N; }

# job_counts PORT -> "<succeeded> <failed> <queued+running>"
job_counts() {
  curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1/api/v1/system/jobs?pageSize=1" |
    python3 -c 'import json,sys; c=json.load(sys.stdin)["data"]["counts"]; print(c["succeeded"], c["failed"], c["queued"] + c["running"])'
}

# count DATA_DIR SQL -> the single number SQL selects from the running server's SQLite file
count() { sqlite3 -cmd '.timeout 5000' "$1/nekohub.db" "$2"; }

# ping_p99 PORT -> p99 ms of one wrk slice on /api/v1/system/ping
ping_p99() { WRK_CONNECTIONS=4 WRK_THREADS=1 WRK_DURATION=$SLICE wrk_p99 "http://127.0.0.1:$1/api/v1/system/ping"; }

wrk_p99() {
  local report p99
  report=$(wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency "$1" 2>&1)
  p99=$(echo "$report" | awk '$1 == "99%" {print $2}')
  python3 -c 'import sys; v=sys.argv[1]
for unit, factor in (("us", 0.001), ("ms", 1), ("s", 1000)):
    if v.endswith(unit) and (unit != "s" or not v.endswith("ms") and not v.endswith("us")):
        print(f"{float(v[:-len(unit)]) * factor:.2f}"); break' "$p99"
}

# run_side CONCURRENCY: one measured run, a line of results in $work/results.txt
run_side() {
  local c=$1 port data model_url model_key model_name start thumbs_at="" done_at succeeded failed pending
  local thumbs captions uploader
  port=$(free_port)
  data="$work/data-$c"
  node "$BENCH_ROOT/bench/ai-model.mjs" "$work/model-$c.json" >"$work/model-$c.url" &
  model_pid=$!
  for _ in $(seq 1 100); do [ -s "$work/model-$c.url" ] && break; sleep 0.05; done
  read -r model_url model_key model_name <"$work/model-$c.url"
  start_nekohub "$data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
    "Processing__Workers=$WORKERS" "Ai__MaxConcurrency=${c/off/4}" Ai__RequestTimeoutSeconds=120 \
    Processing__PollIntervalMilliseconds=100
  [ "$c" = off ] || curl -sf -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -d "{\"name\":\"stand-in\",\"apiBaseUrl\":\"$model_url\",\"apiKey\":\"$model_key\",\"modelName\":\"$model_name\",\"isActive\":true}" \
    "http://127.0.0.1:$port/api/v1/system/ai/providers"
  local idle
  idle=$(ping_p99 "$port")
  : >"$work/during-$c.txt"
  (while [ ! -e "$work/done-$c" ]; do ping_p99 "$port" >>"$work/during-$c.txt"; done) &
  pinger=$!
  start=$(now_ms)
  seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
    -H "Authorization: Bearer $KEY" -F "file=@$work/photo.jpg;type=image/jpeg" \
    "http://127.0.0.1:$port/api/v1/assets" >"$work/codes-$c.txt" &
  uploader=$!
  while :; do
    if [ -z "$thumbs_at" ]; then
      thumbs=$(count "$data" "SELECT COUNT(*) FROM asset_derivatives WHERE kind = 'thumbnail_256'")
      [ "$thumbs" -ge "$UPLOADS" ] && thumbs_at=$(now_ms)
    fi
    read -r succeeded failed pending < <(job_counts "$port")
    [ "$pending" = 0 ] && [ $((succeeded + failed)) -ge "$UPLOADS" ] && break
    sleep 0.1
  done
  done_at=$(now_ms)
  [ -z "$thumbs_at" ] && thumbs_at=$done_at
  wait "$uploader" 2>/dev/null || true
  touch "$work/done-$c"
  wait "$pinger" 2>/dev/null || true
  pinger=
  captions=$(count "$data" "SELECT COUNT(*) FROM asset_structured_results WHERE kind = 'basic_caption'")
  count "$data" "SELECT d.created_at - a.created_at FROM asset_derivatives d JOIN assets a
    ON a.id = d.source_asset_id WHERE d.kind = 'thumbnail_256'" >"$work/thumb-latency-$c.txt"
  stop_pid "$NEKOHUB_PID"
  NEKOHUB_PID=
  kill -TERM "$model_pid"
  wait "$model_pid" 2>/dev/null || true
  model_pid=
  python3 - "$c" "$UPLOADS" "$start" "$thumbs_at" "$done_at" "$captions" "$succeeded" "$failed" \
    "$(grep -c '^202$' "$work/codes-$c.txt")" "$idle" "$work/during-$c.txt" "$work/model-$c.json" \
    "$work/thumb-latency-$c.txt" \
    >>"$work/results.txt" <<'PY'
import json, statistics, sys
c, uploads, start, thumbs, done, captions, ok, failed, accepted, idle, during, model, latency = sys.argv[1:]
slices = [float(line) for line in open(during) if line.strip()]
stats = json.load(open(model)) if c != "off" else {"maxInFlight": 0, "accepted": 0, "violations": []}
waits = sorted(int(line) / 1000 for line in open(latency) if line.strip())
p95 = waits[min(len(waits) - 1, int(len(waits) * 0.95))] if waits else 0
total = (int(done) - int(start)) / 1000
print(f"{c:>18} {total:>12.1f} {(int(thumbs) - int(start)) / 1000:>15.1f} "
      f"{statistics.median(waits) if waits else 0:>7.1f}/{p95:<6.1f} {captions:>9} {stats['maxInFlight']:>11} "
      f"{float(idle):>14.2f} {statistics.median(slices) if slices else 0:>15.2f} {max(slices) if slices else 0:>12.2f}"
      f"   ({accepted} accepted, {ok} jobs succeeded, {failed} failed, {stats['accepted']} model calls,"
      f" {len(stats['violations'])} refused)")
PY
}

for c in $CONCURRENCIES; do
  run_side "$c"
done

echo "== AI captions: $UPLOADS uploads of a $photo_size JPEG ($PARALLEL at once), the model answers after $DELAY_MS ms, Processing__Workers=$WORKERS"
printf '%18s %12s %15s %14s %9s %11s %14s %15s %12s\n' "Ai__MaxConcurrency" "end-to-end s" "all thumbnails s" \
  "thumb med/p95 s" "captions" "calls at once" "ping p99 idle" "p99 run median" "p99 run max"
cat "$work/results.txt"
