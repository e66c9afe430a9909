#!/usr/bin/env bash
# s3.sh - the S3 backend's numbers, side by side in one run (release build, SQLite, s3rver 4.0.4
# on loopback as the S3 server):
#   1. 32 concurrent 10 MB uploads stored on S3 vs the same on local storage: throughput and
#      peak resident memory above idle (target < 100 MB: streaming both ways, the upload's
#      temp file is read with pread in parts, never into memory whole)
#   2. GET /content/{key} of a 200 KB JPEG stored on S3, through NekoHub (spooled to a temp
#      file per request) vs the same object from s3rver directly
set -euo pipefail
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/nekohub-bench-s3.XXXXXX)
S3_PID=
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; [ -n "$S3_PID" ] && stop_pid "$S3_PID"; rm -rf "$work"' EXIT
KEY=bench-s3-key-0123456789
BUCKET=nekohub-bench
UPLOADS=${UPLOADS:-32}
PARALLEL=${PARALLEL:-32}
VIPS=/usr/bin/vips

make_noise() {
  "$VIPS" gaussnoise "$work/n.v" "$1" "$2" --mean 128 --sigma "$3"
  "$VIPS" cast "$work/n.v" "$work/c.v" uchar
  "$VIPS" bandjoin "$work/c.v $work/c.v $work/c.v" "$work/noise.v"
}
make_noise 740 560 30
"$VIPS" copy "$work/noise.v" "$work/photo.jpg[Q=85]"
make_noise 1860 1860 60
"$VIPS" copy "$work/noise.v" "$work/big.png[compression=0]"
rm -f "$work"/*.v

mkdir -p "$work/s3"
node "$(dirname "$0")/s3rver.mjs" "$work/s3" "$BUCKET" >"$work/s3.port" 2>"$work/s3.log" &
S3_PID=$!
for _ in $(seq 1 100); do [ -s "$work/s3.port" ] && break; sleep 0.05; done
s3_port=$(cat "$work/s3.port")
s3_env=(Storage__Provider=s3 "Storage__S3__Endpoint=http://127.0.0.1:$s3_port"
  "Storage__S3__Bucket=$BUCKET" Storage__S3__Region=us-east-1 Storage__S3__AccessKey=S3RVER
  Storage__S3__SecretKey=S3RVER)
port=$(free_port)
base="http://127.0.0.1:$port"
big_size=$(stat -c %s "$work/big.png")

upload_one() {
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" \
    -F "file=@$work/big.png;type=image/png" "$base/api/v1/assets"
}
export -f upload_one
export KEY base work

# uploads DATA_DIR [ENV...] -> "accepted elapsed_ms mb_per_s idle_kb peak_kb" on a fresh server
uploads() {
  local data=$1
  shift
  start_nekohub "$data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
    Api__Assets__MaxUploadSizeBytes=20000000 "$@"
  sleep 0.3
  local idle start end codes accepted elapsed peak
  idle=$(rss_kb "$NEKOHUB_PID")
  start=$(date +%s%N)
  codes=$(seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} bash -c upload_one)
  end=$(date +%s%N)
  peak=$(peak_rss_kb "$NEKOHUB_PID")
  stop_pid "$NEKOHUB_PID"
  NEKOHUB_PID=
  accepted=$(echo "$codes" | grep -c '^202$' || true)
  elapsed=$(((end - start) / 1000000))
  echo "$accepted $elapsed $(awk -v n="$accepted" -v s="$big_size" -v ms="$elapsed" \
    'BEGIN { printf "%.1f", n * s / 1048576 / (ms / 1000) }') $idle $peak"
}

# ---- 1. uploads: S3 vs local ----
read -r s3_ok s3_ms s3_mbs s3_idle s3_peak < <(uploads "$work/data-s3" "${s3_env[@]}")
s3_objects=$(find "$work/s3/$BUCKET" -name '*._S3rver_object' | wc -l)
read -r local_ok local_ms local_mbs local_idle local_peak < <(uploads "$work/data-local")

# ---- 2. GET /content of a 200 KB JPEG on S3: through NekoHub vs s3rver directly ----
start_nekohub "$work/data-s3" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
  "${s3_env[@]}"
key=$(curl -sf -H "Authorization: Bearer $KEY" -F "file=@$work/photo.jpg;type=image/jpeg" \
  "$base/api/v1/assets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["storageKey"])')
direct="http://127.0.0.1:$s3_port/$BUCKET/$key" # s3rver serves unsigned reads
cmp "$work/photo.jpg" <(curl -sf "$base/content/$key")
cmp "$work/photo.jpg" <(curl -sf "$direct")
hub_runs=() s3_runs=()
for _ in $(seq 1 "$ROUNDS"); do
  hub_runs+=("$(wrk_run "$base/content/$key")")
  s3_runs+=("$(wrk_run "$direct")")
done
read -r hub_rps hub_p99 < <(median_run "${hub_runs[@]}")
read -r direct_rps direct_p99 < <(median_run "${s3_runs[@]}")
content_peak=$(peak_rss_kb "$NEKOHUB_PID")

echo "== S3 benchmark (s3rver 4.0.4 on loopback; $UPLOADS uploads of $big_size B, $PARALLEL at a time)"
printf '%-44s %10s %10s %12s %12s\n' "" "accepted" "MB/s" "idle MB" "peak-idle MB"
printf '%-44s %10s %10s %12s %12s\n' "uploads to S3 (objects in the bucket: $s3_objects)" \
  "$s3_ok/$UPLOADS" "$s3_mbs" "$((s3_idle / 1024))" "$(((s3_peak - s3_idle) / 1024))"
printf '%-44s %10s %10s %12s %12s\n' "uploads to local storage" \
  "$local_ok/$UPLOADS" "$local_mbs" "$((local_idle / 1024))" "$(((local_peak - local_idle) / 1024))"
echo "ratio S3/local throughput: $(ratio "$s3_mbs" "$local_mbs") (memory target: peak above idle < 100 MB)"
printf '%-44s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-44s %12s %10s\n' "nekohub GET /content/{key} ($(stat -c %s "$work/photo.jpg") B, on S3)" \
  "$hub_rps" "$hub_p99"
printf '%-44s %12s %10s\n' "s3rver GET of the same object" "$direct_rps" "$direct_p99"
echo "ratio nekohub/s3rver: $(ratio "$hub_rps" "$direct_rps") (medians of $ROUNDS alternating runs:" \
  "nekohub ${hub_runs[*]// /\/}; s3rver ${s3_runs[*]// /\/}); nekohub peak RSS $((content_peak / 1024)) MB"
