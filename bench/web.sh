#!/usr/bin/env bash
# web.sh - the console's budget, in one run (release build, SQLite):
#   1. gzipped size of the JavaScript and CSS that web/dist/index.html loads up front
#      (target: under 120 KB together);
#   2. time to first render of /gallery with 1 000 public assets: the assets are created through
#      the API with a machine key (tiny generated PNGs), then chromium measures the time from
#      navigation start to the first gallery card being visible, median of 5 cold loads.
# ASSETS and RUNS override the 1000 and 5.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$BENCH_ROOT"

KEY=bench-web-key-0123456789
ASSETS=${ASSETS:-1000}
RUNS=${RUNS:-5}
[ -x "$NEKOHUB_BIN" ] || make --no-print-directory "${NEKOHUB_BIN#"$BENCH_ROOT"/}"
scripts/build-web.sh
[ -d tests/node_modules/playwright-core ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error)

# ---- 1. initial JS + CSS, gzipped ----
initial=$(grep -oE '<(script|link)[^>]+>' web/dist/index.html |
  grep -E 'type="module"|rel="(stylesheet|modulepreload)"' |
  grep -oE '(src|href)="/assets/[^"]+"' | sed -E 's/^(src|href)="\/(.*)"$/\2/' | sort -u)
[ -n "$initial" ] || { echo "no initial assets found in web/dist/index.html" >&2; exit 1; }
js_raw=0 js_gz=0 css_raw=0 css_gz=0
for file in $initial; do
  raw=$(stat -c %s "web/dist/$file")
  gz=$(gzip -9 -c "web/dist/$file" | wc -c)
  case "$file" in
    *.js) js_raw=$((js_raw + raw)) js_gz=$((js_gz + gz)) ;;
    *.css) css_raw=$((css_raw + raw)) css_gz=$((css_gz + gz)) ;;
  esac
done
html_gz=$(gzip -9 -c web/dist/index.html | wc -c)
total_gz=$((js_gz + css_gz))

# ---- 2. /gallery with ASSETS public assets ----
work=$(mktemp -d /tmp/nekohub-bench.XXXXXX)
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT
port=$(free_port)
start_nekohub "$work/data" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY"
base="http://127.0.0.1:$port"
result=$(node bench/web-gallery.mjs "$base" "$KEY" "$ASSETS" "$RUNS")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$result" "$1"; }

kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
echo "== console budget"
echo "initial JavaScript: $(kb "$js_raw") KB, gzipped $(kb "$js_gz") KB"
echo "initial CSS:        $(kb "$css_raw") KB, gzipped $(kb "$css_gz") KB"
echo "initial JS + CSS gzipped: $(kb "$total_gz") KB (target < 120 KB)" \
  "$([ "$total_gz" -lt $((120 * 1024)) ] && echo '- within budget' || echo '- OVER BUDGET')"
echo "index.html gzipped: $(kb "$html_gz") KB"
echo "/gallery with $(field assets) public assets (created in $(field fillSeconds) s):"
echo "  first gallery card visible: median $(field medianFirstCardMs) ms of $RUNS cold loads" \
  "(first card's image loaded: median $(field medianFirstImageMs) ms; first contentful paint:" \
  "median $(field medianFcpMs) ms)"
echo "  medians: HTML received $(field medianHtmlMs) ms, JS received $(field medianScriptMs) ms," \
  "GET /api/v1/public/assets $(field medianListStartMs)-$(field medianListEndMs) ms"
echo "  runs: $(python3 -c 'import json,sys; print(", ".join("%s ms" % r["visible"] for r in json.loads(sys.argv[1])["runs"]))' "$result")"
