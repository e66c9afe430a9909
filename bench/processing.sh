#!/usr/bin/env bash
# processing.sh - uploads of 12 MP JPEGs processed end to end (issue 11): UPLOADS uploads
# (default 200, sent by 2 clients at once) with enrichment on, each making thumbnail_256 and
# preview_1024 in the sandboxed workers; timed from the first upload until the queue has nothing
# queued or running, once with Processing__Workers=1 and once with 2. Reports images/s and the
# peak resident memory of nekohub plus its media workers (sampled every 100 ms).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
UPLOADS=${UPLOADS:-200}
KEY=bench-processing-key-0123456789

work=$(mktemp -d /tmp/nekohub-bench-processing.XXXXXX)
trap '[ -n "${NEKOHUB_PID:-}" ] && stop_pid "$NEKOHUB_PID"; rm -rf "$work"' EXIT

vips gaussnoise "$work/n.v" 4000 3000 --sigma 60 --mean 128 >/dev/null
vips gaussblur "$work/n.v" "$work/b.v" 3 >/dev/null
vips bandjoin "$work/b.v $work/b.v $work/b.v" "$work/c.v" >/dev/null
vips cast "$work/c.v" "$work/photo.jpg[Q=90]" uchar >/dev/null

echo "== ${UPLOADS} uploads of a 12 MP JPEG ($(stat -c %s "$work/photo.jpg") B) processed end to end"
for workers in 1 2; do
  port=$(free_port)
  rm -rf "$work/data-$workers"
  start_nekohub "$work/data-$workers" "$port" Auth__ApiKey__Enabled=true "Auth__ApiKey__Keys__0=$KEY" \
    "Processing__Workers=$workers" Api__Assets__MaxUploadSizeBytes=52428800
  python3 - "$port" "$KEY" "$work/photo.jpg" "$UPLOADS" "$NEKOHUB_PID" "$workers" <<'PY'
import json, os, subprocess, sys, threading, time, urllib.request
port, key, photo, uploads, pid, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
base = f"http://127.0.0.1:{port}"

def rss_kb(p):
    try:
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0

def family_rss():
    total = rss_kb(pid)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                total += rss_kb(entry)
    return total

peak = 0
done = False
def sample():
    global peak
    while not done:
        peak = max(peak, family_rss())
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()

def upload_many(count, failures):
    for _ in range(count):
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                              f"Authorization: Bearer {key}", "-F", f"file=@{photo};type=image/jpeg",
                              f"{base}/api/v1/assets"], capture_output=True, text=True).stdout
        if out != "202":
            failures.append(out)

def counts():
    request = urllib.request.Request(f"{base}/api/v1/system/jobs?pageSize=1",
                                     headers={"Authorization": f"Bearer {key}"})
    return json.load(urllib.request.urlopen(request))["data"]["counts"]

started = time.monotonic()
failures = []
clients = [threading.Thread(target=upload_many, args=(uploads // 2 + (i < uploads % 2), failures)) for i in range(2)]
for client in clients:
    client.start()
for client in clients:
    client.join()
uploaded = time.monotonic() - started
while True:
    c = counts()
    if c["queued"] == 0 and c["running"] == 0:
        break
    time.sleep(0.05)
elapsed = time.monotonic() - started
done = True
c = counts()
print(f"Processing__Workers={workers}: {uploads / elapsed:.2f} images/s ({elapsed:.1f} s; uploads "
      f"alone {uploaded:.1f} s; jobs succeeded {c['succeeded']}, failed {c['failed']}; "
      f"{len(failures)} uploads refused), peak RSS nekohub + media workers {peak / 1024:.0f} MiB")
PY
  stop_pid "$NEKOHUB_PID"
  NEKOHUB_PID=
done
