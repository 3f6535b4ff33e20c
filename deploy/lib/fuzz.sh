#!/usr/bin/env bash
# libFuzzer targets under tests/fuzz/ (clang, -fsanitize=fuzzer,address,undefined), built
# from only the sources they need. Source this file, then:
#   fuzz_all [SECONDS]        build and run every target for SECONDS each (default 20)
# A crash, a hang (one input over 10 s), a leak or a sanitizer report fails the call;
# the reproducer is left in build/fuzz/<target>/ and its path printed.

fuzz_sources=(
  framework/core/instant.cpp framework/core/suggest.cpp
  framework/time/cron.cpp framework/time/cron_search.cpp framework/time/duration.cpp
  framework/time/granularity.cpp framework/time/posix_tz.cpp framework/time/zone.cpp
  framework/adapters/formats/csv.cpp
)

# fuzz_build TARGET: compiles tests/fuzz/TARGET.cpp into build/fuzz/TARGET/TARGET, with the
# common sources and those its `// fuzz-sources:` line names.
fuzz_build() {
  local target=$1 out="build/fuzz/$1"
  local cxx=${SLUICE_FUZZ_CXX:-clang++-14}
  local own
  read -r -a own <<<"$(sed -n 's|^// fuzz-sources: ||p' "tests/fuzz/$target.cpp")"
  mkdir -p "$out"
  "$cxx" -std=c++20 -O1 -g -I. -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
    "tests/fuzz/$target.cpp" "${fuzz_sources[@]}" "${own[@]}" -ldate-tz -lfmt -o "$out/$target"
}

# fuzz_run TARGET SECONDS: runs a built target on a copy of its seed corpus.
fuzz_run() {
  local target=$1 seconds=$2 out="build/fuzz/$1"
  mkdir -p "$out/corpus"
  cp -n tests/fuzz/corpus/"$target"/* "$out/corpus/" 2>/dev/null || true
  # libFuzzer writes crash-*/timeout-*/leak-* reproducers into the working directory.
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=256 -print_final_stats=1 corpus >"run.log" 2>&1)
  local status=$?
  if [ $status -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); log build/fuzz/$target/run.log" >&2
    tail -n 40 "$out/run.log" >&2
    ls "$out"/crash-* "$out"/timeout-* "$out"/leak-* 2>/dev/null >&2
    return 1
  fi
  echo "fuzz: $target ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/run.log" |
    grep -o '[0-9]*$') inputs in ${seconds}s"
}

fuzz_all() {
  local seconds=${1:-20} target failed=0
  for src in tests/fuzz/*.cpp; do
    target=$(basename "$src" .cpp)
    if ! fuzz_build "$target"; then
      echo "fuzz: $target does not build" >&2
      failed=1
      continue
    fi
    fuzz_run "$target" "$seconds" || failed=1
  done
  return $failed
}
