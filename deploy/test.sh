#!/usr/bin/env bash
# README command 2: install what is needed, build with warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer, start throw-away servers, run every test;
# beside the build and the server-bound suite, at the lowest priority, build the fuzz targets
# and the ThreadSanitizer tests and run clang-tidy; then run the TSan tests and the fuzzers.
# Exits non-zero when any of them failed; the servers are stopped whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

began=$SECONDS
./deploy/install-deps.sh
echo "test: the packages took $((SECONDS - began)) s"

# The OpenAPI linter's and the browser suite's npm packages (pinned by their
# package-lock.json) come down while the build compiles.
mkdir -p var
(
  cd tests/lint/openapi && npm ci --no-audit --no-fund --ignore-scripts &&
    cd ../../browser && npm ci --no-audit --no-fund --ignore-scripts
) >var/npm-ci.log 2>&1 &
npm_pid=$!

build=${SLUICE_TEST_BUILD_DIR:-build/test}
jobs=$(nproc)
tsan_build=${SLUICE_TSAN_BUILD_DIR:-build/tsan}
# -g1 (line tables) is all the sanitizers' reports need, at two thirds of -g's compile time.
# Like every build, these compile the product in unity batches (CMakeLists.txt).
common=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" -DSLUICE_WERROR=ON
  -DSLUICE_BENCH=OFF)

# shellcheck source=deploy/lib/fuzz.sh
source deploy/lib/fuzz.sh
# shellcheck source=deploy/lib/tidy.sh
source deploy/lib/tidy.sh

# What needs only CPU and no server starts at once, at nice 19: it takes whatever the ASan
# build (its links, its last batch) and the suite (which mostly waits on servers and timers)
# leave idle. Each step's log, status and time land in var/side/.
side="$root/var/side"
rm -rf "$side" && mkdir -p "$side"
side_step() {  # NAME COMMAND...: runs it, logging, and records its status and time
  local name=$1 rc=0 began=$SECONDS
  shift
  "$@" >"$side/$name.log" 2>&1 || rc=$?
  echo $rc >"$side/$name.status"
  echo "test: $name took $((SECONDS - began)) s (at nice 19, beside the rest)" >"$side/$name.time"
}
tsan_build_tests() {
  cmake -S . -B "$tsan_build" "${common[@]}" -DSLUICE_TSAN=ON >/dev/null &&
    cmake --build "$tsan_build" -j "$jobs" --target sluice_tsan_tests
}
(
  renice -n 19 $BASHPID >/dev/null
  side_step fuzz-build fuzz_build
  side_step tsan-build tsan_build_tests
  side_step tidy tidy_all
) &
side_pid=$!

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
  # A failed build leaves the side steps running: they go with the script.
  kill -- -$side_pid 2>/dev/null || pkill -P $side_pid 2>/dev/null || true
  pg_stop "$pg_dir"
  mariadb_stop "$mariadb_dir"
  mariadb_stop "$hostile_mariadb_dir"
  ch_stop "$ch_dir"
}
trap cleanup EXIT

began=$SECONDS
cmake -S . -B "$build" "${common[@]}" -DSLUICE_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$jobs"
echo "test: the ASan build took $((SECONDS - began)) s"
if ! wait $npm_pid; then
  echo "test: npm ci in tests/lint/openapi or tests/browser failed:" >&2
  tail -n 20 var/npm-ci.log >&2
  exit 1
fi

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
started=$SECONDS
# One more test than cores: most of them wait on servers, timers and child processes.
ctest --test-dir "$build" --output-on-failure -j "$((jobs + 1))" --timeout 600 || status=$?
echo "test: the suite took $((SECONDS - started)) s"
wait $side_pid
echo "test: the side steps ended $((SECONDS - started)) s after the suite began"

side_ok() {  # NAME: prints its log's tail on failure
  if [ "$(cat "$side/$1.status" 2>/dev/null)" != 0 ]; then
    echo "test: $1 FAILED; log $side/$1.log" >&2
    tail -n 60 "$side/$1.log" >&2
    return 1
  fi
  tail -n 1 "$side/$1.log"
  cat "$side/$1.time"
}
side_ok tidy || status=1
began=$SECONDS
if side_ok tsan-build; then
  ctest --test-dir "$tsan_build" --output-on-failure -j "$jobs" --timeout 600 || status=$?
else
  status=1
fi
echo "test: the TSan tests took $((SECONDS - began)) s"
# After the rest, on idle cores: libFuzzer's -timeout is wall time, and a seed that takes 5 s
# alone took over 10 s at nice 19 beside the suite.
began=$SECONDS
if side_ok fuzz-build; then
  fuzz_run_all "${SLUICE_FUZZ_SECONDS:-20}" || status=1
else
  status=1
fi
echo "test: the fuzzers took $((SECONDS - began)) s; the whole run $SECONDS s"
exit $status
