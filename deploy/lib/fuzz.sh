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

# The date-tz library's own definitions (as CMake's imported target passes them): without
# them its tzdb types have another layout here than in the library.
fuzz_flags=(-std=c++20 -O1 -g -I. -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  -DUSE_OS_TZDB=1 -DHAS_STRING_VIEW=1 -DONLY_C_LOCALE=1)

# fuzz_own_sources TARGET: the sources its `// fuzz-sources:` lines name, on one line.
fuzz_own_sources() {
  sed -n 's|^// fuzz-sources: ||p' "tests/fuzz/$1.cpp" | tr '\n' ' '
}

# fuzz_own_libs TARGET / fuzz_own_options TARGET: what its `// fuzz-libs:` line adds to the
# link (e.g. -lyaml-cpp), and its `// fuzz-options:` line to the run (e.g. -max_len=8192).
fuzz_own_libs() { sed -n 's|^// fuzz-libs: ||p' "tests/fuzz/$1.cpp"; }
fuzz_own_options() { sed -n 's|^// fuzz-options: ||p' "tests/fuzz/$1.cpp"; }

# fuzz_compile SOURCE...: compiles each source into build/fuzz/obj/, $(nproc) at a time
# (every target links the same time and CSV objects; compiling them per target was most of
# the fuzz step's time). With fuzz_reuse=1 (set by fuzz_all, which starts from an empty
# obj/), an object already there is taken as it is.
fuzz_compile() {
  local cxx=${SLUICE_FUZZ_CXX:-clang++-14}
  printf '%s\n' "$@" | sort -u | xargs -P "$(nproc)" -I{} sh -c '
    cxx=$1 src=$2 reuse=$3; shift 3
    obj="build/fuzz/obj/${src%.cpp}.o"
    [ "$reuse" = 1 ] && [ -f "$obj" ] && exit 0
    mkdir -p "$(dirname "$obj")" && "$cxx" "$@" -c "$src" -o "$obj"' \
    _ "$cxx" {} "${fuzz_reuse:-0}" "${fuzz_flags[@]}"
}

# fuzz_object SOURCE: where fuzz_compile put it.
fuzz_object() { echo "build/fuzz/obj/${1%.cpp}.o"; }

# fuzz_build TARGET: compiles tests/fuzz/TARGET.cpp with the common sources and those its
# `// fuzz-sources:` line names, and links build/fuzz/TARGET/TARGET (with its `// fuzz-libs:`).
fuzz_build() {
  local target=$1 out="build/fuzz/$1"
  local cxx=${SLUICE_FUZZ_CXX:-clang++-14}
  local own libs objects=() src
  read -r -a own <<<"$(fuzz_own_sources "$target")"
  read -r -a libs <<<"$(fuzz_own_libs "$target")"
  fuzz_compile "tests/fuzz/$target.cpp" "${fuzz_sources[@]}" "${own[@]}" || return 1
  for src in "tests/fuzz/$target.cpp" "${fuzz_sources[@]}" "${own[@]}"; do
    objects+=("$(fuzz_object "$src")")
  done
  mkdir -p "$out"
  "$cxx" "${fuzz_flags[@]}" "${objects[@]}" "${libs[@]}" -ldate-tz -lfmt -o "$out/$target"
}

# fuzz_run TARGET SECONDS: runs a built target on a copy of its seed corpus.
fuzz_run() {
  local target=$1 seconds=$2 out="build/fuzz/$1" options
  read -r -a options <<<"$(fuzz_own_options "$target")"
  mkdir -p "$out/corpus"
  cp -n tests/fuzz/corpus/"$target"/* "$out/corpus/" 2>/dev/null || true
  # libFuzzer writes crash-*/timeout-*/leak-* reproducers into the working directory.
  (cd "$out" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=256 -print_final_stats=1 "${options[@]}" corpus >"run.log" 2>&1)
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
  local seconds=${1:-20} target failed=0 all=() own
  # Every object first, both cores busy; a source that fails shows in its target's build.
  rm -rf build/fuzz/obj
  for src in tests/fuzz/*.cpp; do
    read -r -a own <<<"$(fuzz_own_sources "$(basename "$src" .cpp)")"
    all+=("$src" "${own[@]}")
  done
  fuzz_compile "${fuzz_sources[@]}" "${all[@]}" || true
  local fuzz_reuse=1
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
