#!/usr/bin/env bash
# assets.sh - the assets feature's numbers, side by side in one run (release build, SQLite):
#   1. GET /content/{key} of a 200 KB JPEG vs nginx serving the same bytes (target >= 0.7x);
#      then the same through nginx configured from docs/nginx/nekohub.conf.template, NekoHub
#      started with Server__AccelRedirect__Prefix (NekoHub authorises, nginx sends the file)
#      vs nginx serving the file itself (target >= 0.9x)
#   2. GET /api/v1/public/assets?pageSize=20 with 10 000 assets (requests/s and p99)
#   3. 32 concurrent 10 MB uploads: throughput and peak resident memory above idle
#      (target < 100 MB: uploads stream to disk, memory does not grow with file size)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
www=
FRONT_DIR=
trap 'stop_nginx || true; stop_nginx_dir "$FRONT_DIR" || true; [ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work" $www' EXIT
ACCEL_PREFIX=/_protected/
KEY=bench-assets-key-0123456789
UPLOADS=${UPLOADS:-64}
PARALLEL=${PARALLEL:-32}
VIPS=/usr/bin/vips

# Grey noise of WIDTHxHEIGHT as three equal bands: noise.v (libvips' own format).
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

port=$(free_port)
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY"
base="http://127.0.0.1:$port"
sleep 0.3
idle_rss=$(rss_kb "$NEKOHUB_PID")

# ---- 1. content vs nginx ----
key=$(curl -sf -H "Authorization: Bearer $KEY" -F "file=@$work/photo.jpg;type=image/jpeg" \
  "$base/api/v1/assets" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["storageKey"])')
# nginx serving the file itself: a world-readable copy of the stored file
www=$(mktemp -d /tmp/nekohub-bench-www.XXXXXX)
mkdir -p "$www/$(dirname "$key")"
cp "$work/data/assets/$key" "$www/$key"
chmod -R a+rX "$www"
nginx_port=$(free_port)
start_nginx "$www" "$nginx_port"
cmp "$work/photo.jpg" <(curl -sf "$base/content/$key")
cmp "$work/photo.jpg" <(curl -sf "http://127.0.0.1:$nginx_port/$key")
# Alternate the two ROUNDS times and keep the medians: this machine's neighbours are noisy.
hub_runs=() nginx_runs=()
for _ in $(seq 1 "$ROUNDS"); do
  hub_runs+=("$(wrk_run "$base/content/$key")")
  nginx_runs+=("$(wrk_run "http://127.0.0.1:$nginx_port/$key")")
done
read -r content_rps content_p99 < <(median_run "${hub_runs[@]}")
read -r nginx_rps nginx_p99 < <(median_run "${nginx_runs[@]}")

# ---- 1b. through nginx with X-Accel-Redirect vs nginx serving the file itself ----
stop_pid "$NEKOHUB_PID"
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
  "Server__AccelRedirect__Prefix=$ACCEL_PREFIX"
front_port=$(free_port)
start_nginx_front "$port" "$work/data/assets" "$ACCEL_PREFIX" "$front_port"
[ -n "$(curl -sf -D - -o /dev/null "$base/content/$key" | grep -i '^x-accel-redirect:')" ] ||
  { echo "NekoHub did not answer with X-Accel-Redirect" >&2; exit 1; }
cmp "$work/photo.jpg" <(curl -sf "http://127.0.0.1:$front_port/content/$key")
accel_runs=() static_runs=()
for _ in $(seq 1 "$ROUNDS"); do
  accel_runs+=("$(wrk_run "http://127.0.0.1:$front_port/content/$key")")
  static_runs+=("$(wrk_run "http://127.0.0.1:$nginx_port/$key")")
done
read -r accel_rps accel_p99 < <(median_run "${accel_runs[@]}")
read -r static_rps static_p99 < <(median_run "${static_runs[@]}")
stop_nginx_dir "$FRONT_DIR"
FRONT_DIR=
stop_nginx
rm -rf "$www"
stop_pid "$NEKOHUB_PID"
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY"

# ---- 2. the public list with 10 000 assets ----
sqlite3 "$work/data/nekohub.db" >/dev/null <<'SQL'
PRAGMA busy_timeout = 5000;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO assets (id, type, status, original_file_name, stored_file_name, content_type,
  extension, size, width, height, checksum_sha256, storage_provider, storage_provider_profile_id,
  storage_key, public_url, is_public, description, alt_text, created_at, updated_at)
SELECT printf('0195f3c2-0000-7000-8000-%012x', i), 'image', 'ready', 'seed-' || i || '.jpg',
  'seed' || i || '.jpg', 'image/jpeg', '.jpg', 200000 + i, 640, 480, lower(hex(randomblob(32))),
  'local', NULL, 'seed/' || i || '.jpg', 'http://127.0.0.1/content/seed/' || i || '.jpg',
  CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 'description ' || i, NULL,
  1700000000000 + i, 1700000000000 + i
FROM n;
SQL
list_total=$(curl -sf "$base/api/v1/public/assets?pageSize=20" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["total"])')
read -r list_rps list_p99 < <(wrk_run "$base/api/v1/public/assets?pageSize=20")
read -r page_rps page_p99 < <(wrk_run "$base/api/v1/public/assets?pageSize=20&page=400")

# ---- 3. concurrent 10 MB uploads, on a freshly started server (its peak memory is theirs) ----
stop_pid "$NEKOHUB_PID"
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY"
sleep 0.3
upload_idle_rss=$(rss_kb "$NEKOHUB_PID")
big_size=$(stat -c %s "$work/big.png")
upload_one() {
  curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" \
    -F "file=@$work/big.png;type=image/png" "$base/api/v1/assets"
}
export -f upload_one
export KEY base work
start_ns=$(date +%s%N)
codes=$(seq 1 "$UPLOADS" | xargs -P "$PARALLEL" -I{} bash -c upload_one)
end_ns=$(date +%s%N)
peak_rss=$(peak_rss_kb "$NEKOHUB_PID")
accepted=$(echo "$codes" | grep -c '^202$' || true)
elapsed_ms=$(( (end_ns - start_ns) / 1000000 ))
mb_per_s=$(awk -v n="$accepted" -v s="$big_size" -v ms="$elapsed_ms" \
  'BEGIN { printf "%.1f", n * s / 1048576 / (ms / 1000) }')

echo "== assets benchmark ($WRK_CONNECTIONS connections, $WRK_THREADS wrk threads, $WRK_DURATION per run)"
printf '%-50s %12s %10s\n' "" "requests/s" "p99 ms"
printf '%-50s %12s %10s\n' "nekohub GET /content/{key} ($(stat -c %s "$work/photo.jpg") B JPEG)" \
  "$content_rps" "$content_p99"
printf '%-50s %12s %10s\n' "nginx, same bytes from a file" "$nginx_rps" "$nginx_p99"
echo "ratio nekohub/nginx: $(ratio "$content_rps" "$nginx_rps") (target >= 0.7; medians of $ROUNDS" \
  "alternating runs: nekohub ${hub_runs[*]// /\/}; nginx ${nginx_runs[*]// /\/})"
printf '%-50s %12s %10s\n' "nginx + X-Accel-Redirect: GET /content/{key}" "$accel_rps" "$accel_p99"
printf '%-50s %12s %10s\n' "nginx, the same file itself" "$static_rps" "$static_p99"
echo "ratio accel/nginx: $(ratio "$accel_rps" "$static_rps") (target >= 0.9; medians of $ROUNDS" \
  "alternating runs: accel ${accel_runs[*]// /\/}; nginx ${static_runs[*]// /\/})"
printf '%-50s %12s %10s\n' "GET /api/v1/public/assets?pageSize=20 ($list_total)" \
  "$list_rps" "$list_p99"
printf '%-50s %12s %10s\n' "  the same, page 400" "$page_rps" "$page_p99"
echo "uploads: $accepted/$UPLOADS accepted, $PARALLEL at a time, $big_size B each," \
  "${elapsed_ms} ms: $mb_per_s MB/s"
echo "memory: idle $((idle_rss / 1024)) MB; upload server idle $((upload_idle_rss / 1024)) MB," \
  "peak $((peak_rss / 1024)) MB, above idle $(((peak_rss - upload_idle_rss) / 1024)) MB" \
  "(target < 100)"
