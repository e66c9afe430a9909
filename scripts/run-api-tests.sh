#!/usr/bin/env bash
# The suites beyond the C unit tests: the console's Vitest unit tests, the black-box API suite
# against the sanitizer build once on SQLite and once on a throw-away PostgreSQL, the
# concurrency-heavy part of it against the ThreadSanitizer build, then the browser tests. Fails
# when any test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEKOHUB_BIN="$PWD/build/test/nekohub"
api_tests=$(find tests/api -maxdepth 1 -name '*.test.js' | sort)
status=0

if [ -f web/package.json ]; then
  echo "== Web unit tests (Vitest)"
  (cd web && npm test --silent) || status=1
fi

echo "== API tests on SQLite"
NEKOHUB_TEST_DB=sqlite node --test --test-concurrency=2 $api_tests || status=1

echo "== API tests on PostgreSQL"
pg_dir=$(mktemp -d /tmp/nekohub-pg.XXXXXX)
pg_port=$((20000 + RANDOM % 20000))
if scripts/pg-temp.sh start "$pg_dir" "$pg_port"; then
  echo "== Database unit tests on PostgreSQL"
  psql -h "$pg_dir" -p "$pg_port" -U postgres -d postgres -q -c "CREATE DATABASE nh_unit" || status=1
  ASAN_OPTIONS="detect_leaks=1" LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
    NEKOHUB_TEST_PG_CONNINFO="host=$pg_dir port=$pg_port dbname=nh_unit user=postgres" \
    build/test/unit/test_db || status=1
  NEKOHUB_TEST_DB=postgres NEKOHUB_TEST_PG_HOST="$pg_dir" NEKOHUB_TEST_PG_PORT="$pg_port" \
    node --test --test-concurrency=2 $api_tests || status=1
  scripts/pg-temp.sh stop "$pg_dir"
else
  echo "could not start PostgreSQL" >&2
  status=1
fi

echo "== API tests under ThreadSanitizer"
scripts/run-tsan-tests.sh || status=1

e2e_tests=$(find tests/e2e -maxdepth 1 -name '*.test.js' 2>/dev/null | sort)
if [ -n "$e2e_tests" ]; then
  echo "== Browser tests"
  node --test --test-concurrency=1 $e2e_tests || status=1
fi
exit $status
