#!/usr/bin/env bash
# README command 2: install what is needed, build with warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer, start throw-away servers, run every test.
# Exits with ctest's status; the servers are stopped whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./deploy/install-deps.sh

build=${SLUICE_TEST_BUILD_DIR:-build/test}
jobs=$(nproc)
# -g1 (line tables) is all the sanitizers' reports need, at two thirds of -g's compile time.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
  -DSLUICE_WERROR=ON -DSLUICE_SANITIZE=ON -DSLUICE_BENCH=OFF >/dev/null
cmake --build "$build" -j "$jobs"

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
# shellcheck source=deploy/lib/mariadb.sh
source deploy/lib/mariadb.sh
# shellcheck source=deploy/lib/clickhouse.sh
source deploy/lib/clickhouse.sh
pg_dir="$root/var/test-pg"
mariadb_dir="$root/var/test-mariadb"
hostile_mariadb_dir="$root/var/test-mariadb-hostile"
hostile_mariadb_options="--default-time-zone=+05:45 --character-set-server=latin1
  --collation-server=latin1_swedish_ci --skip-character-set-client-handshake
  --sql-mode=PAD_CHAR_TO_FULL_LENGTH,ANSI_QUOTES,NO_BACKSLASH_ESCAPES,EMPTY_STRING_IS_NULL"
ch_dir="$root/var/test-ch"
cleanup() {
  pg_stop "$pg_dir"
  mariadb_stop "$mariadb_dir"
  mariadb_stop "$hostile_mariadb_dir"
  ch_stop "$ch_dir"
}
trap cleanup EXIT
SLUICE_PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  pg_start "$pg_dir" sluice_test
export SLUICE_TEST_DATABASE_URL=$SLUICE_DATABASE_URL
# A server whose defaults all differ from what sluice relies on (session settings tests).
SLUICE_MARIADB_OPTIONS="$hostile_mariadb_options" mariadb_start "$hostile_mariadb_dir" sluice_test
export SLUICE_TEST_MYSQL_HOSTILE_URL=$SLUICE_TEST_MYSQL_URL
mariadb_start "$mariadb_dir" sluice_test # exports SLUICE_TEST_MYSQL_URL
ch_start "$ch_dir"  # exports SLUICE_TEST_CLICKHOUSE_URL

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# shellcheck source=deploy/lib/fuzz.sh
source deploy/lib/fuzz.sh
fuzz_all "${SLUICE_FUZZ_SECONDS:-20}" || status=$?
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600 || status=$?
exit $status
