#!/usr/bin/env bash
# clang-tidy over the product's sources (framework/, tasks/, daemon/) with the checked-in
# .clang-tidy, whose findings are all errors. Source this file, then:
#   tidy_all [FILE...]    every product source (or only FILEs); fails on any finding
# Each file is checked on its own (not as part of a unity batch), so a source that does not
# include what it uses fails here even when the unity build hides it. The compile database
# comes from a configure-only clang build directory: nothing is compiled.

tidy_dir=${SLUICE_TIDY_BUILD_DIR:-build/tidy}

tidy_all() {
  local tidy=${SLUICE_CLANG_TIDY:-clang-tidy-14} jobs=${SLUICE_TIDY_JOBS:-$(nproc)}
  cmake -S . -B "$tidy_dir" -DCMAKE_CXX_COMPILER="${SLUICE_TIDY_CXX:-clang++-14}" \
    -DCMAKE_BUILD_TYPE=Debug -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF >/dev/null || return 1
  local files=("$@")
  if [ ${#files[@]} -eq 0 ]; then
    mapfile -t files < <(find framework tasks daemon -name '*.cpp' | sort)
  fi
  local log="$tidy_dir/tidy.log" status=0
  printf '%s\n' "${files[@]}" |
    xargs -P "$jobs" -n 4 "$tidy" -p "$tidy_dir" --quiet >"$log" 2>&1 || status=$?
  local findings
  findings=$(grep -cE '(warning|error): ' "$log")
  if [ $status -ne 0 ] || [ "$findings" -ne 0 ]; then
    echo "tidy: $findings finding(s) in ${#files[@]} files; log $log" >&2
    grep -E '(warning|error): ' "$log" | sort -u | head -n 60 >&2
    return 1
  fi
  echo "tidy: ${#files[@]} files, no finding"
}
