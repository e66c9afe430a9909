#!/usr/bin/env bash
# run.sh - every benchmark, one after the other, against the release build (`make bench`).
# Each script runs NekoHub and its peer side by side and prints ratios; see README.md.
set -uo pipefail
cd "$(dirname "$0")"
status=0
for script in system.sh login.sh connections.sh assets.sh web.sh media.sh thumbnail.sh processing.sh mcp-tools.sh ai-captions.sh; do
  [ -x "$script" ] || continue
  echo
  ./"$script" || status=1
done
exit $status
