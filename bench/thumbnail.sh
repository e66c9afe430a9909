#!/usr/bin/env bash
# thumbnail.sh - the thumbnail of a 12 MP JPEG, side by side in one run (issue 11):
#   NekoHub: media_ops_thumbnail() through a warm, sandboxed nekohub-media worker (what the
#            generate_thumbnail step calls: descriptor hand-over, seccomp, limits, reply), timed
#            per call by bench/thumbnail_bench.c linked against the release objects (warm: the
#            pool keeps its workers started; the cold first call, worker start-up and warm-up
#            included, is shown apart); memory = the worker's peak resident set (VmHWM, its
#            start-up and warm-up included);
#   vipsthumbnail: Debian's command on the same file, same box (256) and format (PNG), timed
#            per process (start-up included, as a user runs it), memory = its max RSS.
# RUNS per round (default 10), ROUNDS (3); medians are compared. Target: within 1.1x.
# The upload latency with the sandboxed probe (p50/p99) is measured by media.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
RELEASE=$BENCH_ROOT/build/release
WORKER=$RELEASE/nekohub-media

work=$(mktemp -d /tmp/nekohub-bench-thumb.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A photo-like 4000x3000 (12 MP) JPEG: smooth noise in three bands, quality 90.
vips gaussnoise "$work/n.v" 4000 3000 --sigma 60 --mean 128 >/dev/null
vips gaussblur "$work/n.v" "$work/b.v" 3 >/dev/null
vips bandjoin "$work/b.v $work/b.v $work/b.v" "$work/c.v" >/dev/null
vips cast "$work/c.v" "$work/photo.jpg[Q=90]" uchar >/dev/null
PHOTO=$work/photo.jpg

# The bench program, against the release build's objects (everything but main).
objects=$(find "$RELEASE/src" -name '*.o' ! -path '*/media_worker/*' ! -name main.o | sort)
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -O2 -I"$BENCH_ROOT/src" $(pkg-config --cflags jansson) \
  -o "$work/thumbnail-bench" "$BENCH_ROOT/bench/thumbnail_bench.c" $objects \
  $(pkg-config --libs libmicrohttpd jansson sqlite3 libpq libsodium icu-uc icu-i18n libcurl) \
  -lm -pthread

for round in $(seq 1 "$ROUNDS"); do
  "$work/thumbnail-bench" "$WORKER" "$PHOTO" "$RUNS" 256 png >>"$work/nekohub-$round.txt"
  python3 - "$PHOTO" "$work/tn.png" "$RUNS" >>"$work/vips.txt" <<'PY'
import os, subprocess, sys, time
photo, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(runs):
    started = time.monotonic()
    child = subprocess.Popen(['/usr/bin/vipsthumbnail', photo, '-s', '256', '-o', out])
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit('vipsthumbnail failed')
    print(f"{time.monotonic() - started:.4f} {usage.ru_maxrss}")
PY
done

python3 - "$work" "$ROUNDS" "$(stat -c %s "$PHOTO")" <<'PY'
import re, statistics, sys
work, rounds, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours, peaks, colds = [], [], []
for r in range(1, rounds + 1):
    text = open(f"{work}/nekohub-{r}.txt").read()
    ours += [float(x) for x in re.findall(r"run \d+: ([0-9.]+) seconds", text)]
    peaks.append(int(re.search(r"worker peak: (\d+) kB", text).group(1)))
    colds.append(float(re.search(r"cold: ([0-9.]+) seconds", text).group(1)))
rows = [line.split() for line in open(f"{work}/vips.txt")]
theirs = [float(r[0]) for r in rows]
their_rss = [int(r[1]) for r in rows]
t_ours, t_theirs = statistics.median(ours), statistics.median(theirs)
m_ours, m_theirs = statistics.median(peaks), statistics.median(their_rss)
print(f"== thumbnail of a 12 MP JPEG ({size} B) to a 256 PNG, {len(ours)} runs per side")
print(f"nekohub (sandboxed worker): median {t_ours * 1000:.1f} ms, worker peak RSS {m_ours / 1024:.1f} MiB")
print(f"nekohub cold (worker start + warm-up + first thumbnail): median {statistics.median(colds) * 1000:.1f} ms")
print(f"vipsthumbnail:              median {t_theirs * 1000:.1f} ms, max RSS {m_theirs / 1024:.1f} MiB")
print(f"ratio nekohub/vipsthumbnail: time {t_ours / t_theirs:.2f}x, memory {m_ours / m_theirs:.2f}x "
      f"(target <= 1.10x)")
PY
