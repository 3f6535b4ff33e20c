#!/usr/bin/env bash
# README command 2: install what is needed, build with clang, warnings as errors and
# AddressSanitizer + UndefinedBehaviorSanitizer (the product also carries libFuzzer's coverage,
# so the same build holds the fuzz targets), start throw-away servers, run every test; beside
# the build and the server-bound suite, at the lowest priority, build the ThreadSanitizer tests
# and run clang-tidy; then run the TSan tests and the fuzzers (beside tidy if it still runs).
# Exits non-zero when any of them failed; the servers are stopped whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

began=$SECONDS
./deploy/install-deps.sh
echo "test: the packages took $((SECONDS - began)) s"

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
# clang and lld, as the ASan build: the TSan tests built in 5 min (465 s of CPU) on a quiet
# 2-core machine, where GCC's build took 31 min at nice 19 beside the suite and was the run's
# last step to end; the tests' larger precompiled header (tests/CMakeLists.txt) is clang's.
tsan_build_tests() {
  cmake -S . -B "$tsan_build" "${common[@]}" -DCMAKE_CXX_COMPILER="${SLUICE_FUZZ_CXX:-clang++-14}" \
    -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DSLUICE_TSAN=ON >/dev/null &&
    cmake --build "$tsan_build" -j "$jobs" --target sluice_tsan_tests
}
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
start_servers() {  # starts each server, or finds it up, and exports the URLs the tests read
  SLUICE_PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    pg_start "$pg_dir" sluice_test
  export SLUICE_TEST_DATABASE_URL=$SLUICE_DATABASE_URL
  # A server whose defaults all differ from what sluice relies on (session settings tests).
  SLUICE_MARIADB_OPTIONS="$hostile_mariadb_options" mariadb_start "$hostile_mariadb_dir" sluice_test
  export SLUICE_TEST_MYSQL_HOSTILE_URL=$SLUICE_TEST_MYSQL_URL
  mariadb_start "$mariadb_dir" sluice_test # exports SLUICE_TEST_MYSQL_URL
  ch_start "$ch_dir"                       # exports SLUICE_TEST_CLICKHOUSE_URL
}
npm_pid='' side_pid='' servers_pid=''
cleanup() {
  # Every step runs, whatever failed before: under errexit a failing command here would end
  # the script with the servers after it still up.
  set +e
  # The background steps are process groups of their own, ended whole (a failed build leaves
  # the side steps compiling). A group's ID is cleared once waited for: a PID that has gone
  # is soon another process's, on a machine that forks this much.
  for group in $npm_pid $side_pid $servers_pid; do kill -- "-$group" 2>/dev/null; done
  # Interrupted, the script leaves its foreground step (the build, ctest) running.
  pkill -P $$ 2>/dev/null
  pg_stop "$pg_dir"
  mariadb_stop "$mariadb_dir"
  mariadb_stop "$hostile_mariadb_dir"
  ch_stop "$ch_dir"
}
trap cleanup EXIT

# The OpenAPI linter's and the browser suite's npm packages (pinned by their
# package-lock.json) come down while the build compiles. Job control (set -m) puts each
# background step in a process group of its own, which cleanup can end whole (and which
# reads nothing from a terminal: a background group that did would be stopped).
mkdir -p var
set -m
(
  cd tests/lint/openapi && npm ci --no-audit --no-fund --ignore-scripts &&
    cd ../../browser && npm ci --no-audit --no-fund --ignore-scripts
) </dev/null >var/npm-ci.log 2>&1 &
npm_pid=$!
(
  renice -n 19 $BASHPID >/dev/null
  side_step tsan-build tsan_build_tests
  side_step tidy tidy_all
) </dev/null &
side_pid=$!
# The servers start while the build compiles (initdb and the rest wait on the disk more than
# they compute); the suite begins as soon as the build is done.
(
  began=$SECONDS
  start_servers
  echo "test: the servers took $((SECONDS - began)) s to start (beside the build)"
) </dev/null >var/servers.log 2>&1 &
servers_pid=$!
set +m

began=$SECONDS
# clang: one build for the suite and the fuzz targets, where GCC's ASan build and clang's fuzz
# build compiled the product twice; clang's -O1 with ASan and the fuzzer's coverage takes 73 s
# of CPU for a batch that took GCC's ASan 101 s and the -O0 fuzz build 31 s more.
# lld links a test executable in a fifth of the CPU time of ld.bfd (1.7 s against 7.9 s), and
# the links are the build's last, serial steps before the suite.
cmake -S . -B "$build" "${common[@]}" -DCMAKE_CXX_COMPILER="${SLUICE_FUZZ_CXX:-clang++-14}" \
  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DSLUICE_SANITIZE=ON -DSLUICE_FUZZ=ON >/dev/null
cmake --build "$build" -j "$jobs"
echo "test: the ASan build took $((SECONDS - began)) s"
npm_status=0
wait $npm_pid || npm_status=$?
npm_pid=''
if [ $npm_status -ne 0 ]; then
  echo "test: npm ci in tests/lint/openapi or tests/browser failed:" >&2
  tail -n 20 var/npm-ci.log >&2
  exit 1
fi

servers_status=0
wait $servers_pid || servers_status=$?
servers_pid=''
if [ $servers_status -ne 0 ]; then
  echo "test: the servers did not start:" >&2
  tail -n 20 var/servers.log >&2
  exit 1
fi
cat var/servers.log
start_servers # up already: exports their URLs in this shell

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
started=$SECONDS
# One more test than cores: most of them wait on servers, timers and child processes.
ctest --test-dir "$build" --output-on-failure -j "$((jobs + 1))" --timeout 600 || status=$?
echo "test: the suite took $((SECONDS - started)) s"

side_ok() {  # NAME: prints its log's tail on failure
  if [ "$(cat "$side/$1.status" 2>/dev/null)" != 0 ]; then
    echo "test: $1 FAILED; log $side/$1.log" >&2
    tail -n 60 "$side/$1.log" >&2
    return 1
  fi
  tail -n 1 "$side/$1.log"
  cat "$side/$1.time"
}
# The TSan tests and the fuzzers start once the TSan build is done, while clang-tidy (at
# nice 19) still runs: the tests spend much of their time waiting on servers and timers,
# time tidy takes instead of running alone after them.
while [ ! -f "$side/tsan-build.status" ] && kill -0 "$side_pid" 2>/dev/null; do sleep 2; done
echo "test: the TSan build ended $((SECONDS - started)) s after the suite began"
began=$SECONDS
if side_ok tsan-build; then
  ctest --test-dir "$tsan_build" --output-on-failure -j "$jobs" --timeout 600 || status=$?
else
  status=1
fi
echo "test: the TSan tests took $((SECONDS - began)) s"
# After the suite, on cores only tidy shares at nice 19: libFuzzer's -timeout is wall time,
# and a seed that takes 5 s alone took over 10 s at nice 19 beside the suite.
began=$SECONDS
fuzz_dir=$build
fuzz_run_all "${SLUICE_FUZZ_SECONDS:-20}" || status=1
echo "test: the fuzzers took $((SECONDS - began)) s"
wait $side_pid || true
side_pid=''
side_ok tidy || status=1
echo "test: the whole run took $SECONDS s"
exit $status
