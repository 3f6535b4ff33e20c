#!/usr/bin/env bash
# libFuzzer targets under tests/fuzz/, built by CMake (tests/fuzz/CMakeLists.txt) with clang
# in build/fuzz, every library instrumented (-fsanitize=fuzzer-no-link,address,undefined).
# deploy/test.sh builds them in its own clang build (SLUICE_FUZZ=ON there) and sets fuzz_dir.
# Source this file, then:
#   fuzz_all [SECONDS]        build and run every target for SECONDS each (default 20)
#   fuzz_build; fuzz_run_all [SECONDS]   the same in two steps
# A crash, a hang (one input over 10 s), a leak or a sanitizer report fails the call;
# the reproducer is left in build/fuzz/run/<target>/ and its path printed.
# A target's `// fuzz-options:` line adds libFuzzer options to its run (e.g. -max_len=8192).

fuzz_dir=${SLUICE_FUZZ_BUILD_DIR:-build/fuzz}

fuzz_build() {
  local cxx=${SLUICE_FUZZ_CXX:-clang++-14}
  # -O0: half the compile time of -O1 (39 s against 20 s for a batch of 16 sources), the
  # largest part of deploy/test.sh's side steps; the runs are bounded by time, not inputs.
  cmake -S . -B "$fuzz_dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF \
    -DSLUICE_BENCH=OFF >/dev/null &&
    cmake --build "$fuzz_dir" -j "$(nproc)" --target sluice_fuzz
}

fuzz_own_options() { sed -n 's|^// fuzz-options: ||p' "tests/fuzz/$1.cpp"; }

# fuzz_run TARGET SECONDS: runs a built target on a copy of its seed corpus.
fuzz_run() {
  local target=$1 seconds=$2 out="$fuzz_dir/run/$1" options binary
  binary=$(realpath "$fuzz_dir/tests/fuzz/$target")
  read -r -a options <<<"$(fuzz_own_options "$target")"
  mkdir -p "$out/corpus"
  cp -n tests/fuzz/corpus/"$target"/* "$out/corpus/" 2>/dev/null || true
  # libFuzzer writes crash-*/timeout-*/leak-* reproducers into the working directory.
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$binary" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=256 -print_final_stats=1 "${options[@]}" corpus >"run.log" 2>&1)
  local status=$?
  if [ $status -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); log $out/run.log" >&2
    tail -n 40 "$out/run.log" >&2
    ls "$out"/crash-* "$out"/timeout-* "$out"/leak-* 2>/dev/null >&2
    return 1
  fi
  echo "fuzz: $target ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/run.log" |
    grep -o '[0-9]*$') inputs in ${seconds}s"
}

# Two targets at a time on a machine with two cores or more.
fuzz_run_all() {
  local seconds=${1:-20} target failed=0 pids=() parallel=1
  [ "$(nproc)" -ge 2 ] && parallel=2
  for src in tests/fuzz/*_fuzz.cpp; do
    target=$(basename "$src" .cpp)
    fuzz_run "$target" "$seconds" &
    pids+=($!)
    if [ ${#pids[@]} -ge $parallel ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

fuzz_all() {
  if ! fuzz_build; then
    echo "fuzz: the targets do not build" >&2
    return 1
  fi
  fuzz_run_all "${1:-20}"
}
