#!/usr/bin/env bash
# Run every cmocka unit test binary given; fail when any fails. cmocka prints its own summary.
set -uo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=0
for binary in "$@"; do
  echo "== $binary"
  if ! "$binary"; then
    echo "FAILED: $binary" >&2
    failed=1
  fi
done
exit $failed
