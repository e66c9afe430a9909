#!/usr/bin/env bash
# Static analysis: cppcheck over src/ must report nothing, and no include may run against the
# layer order (scripts/check-layers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
/usr/bin/cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
  --std=c11 -D_GNU_SOURCE -Isrc --inline-suppr --suppress=missingIncludeSystem \
  --suppress=unknownMacro src
echo "cppcheck: clean"
scripts/check-layers.sh
