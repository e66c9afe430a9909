#!/usr/bin/env bash
# processing.sh - end-to-end processing throughput (issue 11): UPLOADS (default 200) uploads of
# 12-megapixel JPEGs, each processed by its upload job (basic_image_enrich: thumbnail_256 and
# preview_1024 in the sandboxed media worker), with Processing__Workers=1 and =2 side by side in
# one run. Reports images/s from the first upload to the last job succeeded, the upload phase
# alone, and the peak resident memory of nekohub plus its media workers (sampled every 100 ms).
# Knobs: UPLOADS (200), PARALLEL uploads at once (4), RUNS per side (1), MEDIA_WORKERS (2),
# WORKER_COUNTS ("1 2"), NEKOHUB_BIN.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
UPLOADS=${UPLOADS:-200}
PARALLEL=${PARALLEL:-4}
RUNS=${RUNS:-1}
MEDIA_WORKERS=${MEDIA_WORKERS:-2}
WORKER_COUNTS=${WORKER_COUNTS:-"1 2"}
KEY=bench-processing-key-0123456789

work=$(mktemp -d /tmp/nekohub-bench-processing.XXXXXX)
sampler=
trap '[ -n "$sampler" ] && kill "$sampler" 2>/dev/null; [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

# Four different 4000 x 3000 photos-like JPEGs (blurred noise: a few MB each, like a camera's).
for i in 1 2 3 4; do
  vips gaussnoise "$work/noise$i.v" 4000 3000 --sigma 40 --mean $((100 + i * 10)) >/dev/null
  vips gaussblur "$work/noise$i.v" "$work/blur$i.v" 1.5 >/dev/null
  vips colourspace "$work/blur$i.v" "$work/photo$i.v" srgb >/dev/null 2>&1 ||
    cp "$work/blur$i.v" "$work/photo$i.v"
  vips jpegsave "$work/photo$i.v" "$work/photo$i.jpg" --Q 88 >/dev/null
  rm -f "$work"/noise$i.v "$work"/blur$i.v "$work"/photo$i.v
done
photo_bytes=$(stat -c %s "$work/photo1.jpg")
photo_size=$(vipsheader -f width "$work/photo1.jpg")x$(vipsheader -f height "$work/photo1.jpg")

# sample_rss PID OUT: every 100 ms, nekohub's VmRSS plus its media workers', the maximum in OUT
sample_rss() {
  local pid=$1 out=$2 peak=0 total child
  while kill -0 "$pid" 2>/dev/null; do
    total=$(rss_kb "$pid" 2>/dev/null || echo 0)
    for child in $(pgrep -P "$pid" -x nekohub-media || true); do
      total=$((total + $(rss_kb "$child" 2>/dev/null || echo 0)))
    done
    [ "$total" -gt "$peak" ] && peak=$total && echo "$peak" >"$out"
    sleep 0.1
  done
}

now_ms() { date +%s%3N; }

# succeeded PORT: how many jobs have succeeded (and how many failed, on stderr's behalf)
job_counts() {
  curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1/api/v1/system/jobs?pageSize=1" |
    python3 -c 'import json,sys; c=json.load(sys.stdin)["data"]["counts"]; print(c["succeeded"], c["failed"], c["queued"] + c["running"])'
}

# run_side WORKERS RUN: one measured run, a line of results in $work/results-WORKERS.txt
run_side() {
  local workers=$1 port data start uploaded done_at counts
  port=$(free_port)
  data="$work/data-$workers"
  rm -rf "$data"
  start_nekohub "$data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
    "Processing__Workers=$workers" "Processing__MediaWorkers=$MEDIA_WORKERS" \
    Processing__PollIntervalMilliseconds=100 Api__Assets__MaxUploadSizeBytes=52428800
  echo 0 >"$work/peak-$workers"
  sample_rss "$NEKOHUB_PID" "$work/peak-$workers" &
  sampler=$!
  start=$(now_ms)
  seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} sh -c \
    'curl -s -o /dev/null -w "%{http_code}\n" -H "Authorization: Bearer $0" \
       -F "file=@$1/photo$(( {} % 4 + 1 )).jpg;type=image/jpeg" "http://127.0.0.1:$2/api/v1/assets"' \
    "$KEY" "$work" "$port" >"$work/codes-$workers.txt"
  uploaded=$(now_ms)
  while :; do
    read -r succeeded failed pending < <(job_counts "$port")
    [ "$pending" = 0 ] && [ $((succeeded + failed)) -ge "$UPLOADS" ] && break
    sleep 0.1
  done
  done_at=$(now_ms)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sampler=
  counts="$(grep -c '^202$' "$work/codes-$workers.txt") accepted, $succeeded jobs succeeded, $failed failed"
  stop_pid "$NEKOHUB_PID"
  NEKOHUB_PID=
  python3 - "$workers" "$UPLOADS" "$start" "$uploaded" "$done_at" "$(cat "$work/peak-$workers")" "$counts" \
    >>"$work/results-$workers.txt" <<'PY'
import sys
workers, uploads, start, uploaded, done, peak, counts = sys.argv[1:]
uploads = int(uploads)
total = (int(done) - int(start)) / 1000
upload_phase = (int(uploaded) - int(start)) / 1000
print(f"Processing__Workers={workers}: {uploads / total:.2f} images/s end to end ({total:.1f} s), "
      f"uploads alone {uploads / upload_phase:.1f}/s, peak RSS nekohub + media workers "
      f"{int(peak) / 1024:.0f} MiB ({counts})")
PY
}

for run in $(seq 1 "$RUNS"); do
  for workers in $WORKER_COUNTS; do
    run_side "$workers" "$run"
  done
done

echo "== processing throughput ($UPLOADS uploads of a $photo_size JPEG, $photo_bytes B, $PARALLEL at once, media workers $MEDIA_WORKERS)"
for workers in $WORKER_COUNTS; do
  cat "$work/results-$workers.txt"
done
