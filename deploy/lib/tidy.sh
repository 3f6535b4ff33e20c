#!/usr/bin/env bash
# clang-tidy over the product's sources (framework/, tasks/, daemon/) with the checked-in
# .clang-tidy, whose findings are all errors. Source this file, then:
#   tidy_all            the unity batches every build compiles (16 sources each); fails on
#                       any finding
#   tidy_all FILE...    only these sources, each on its own
# A batch parses the heavy headers (Boost, libpqxx, spdlog) once for 16 sources, and the
# checks' matchers walk those headers once: a tenth of the cost of one run per source.
# The compile database comes from a configure-only clang build directory: nothing is compiled.

tidy_dir=${SLUICE_TIDY_BUILD_DIR:-build/tidy}

tidy_all() {
  local tidy=${SLUICE_CLANG_TIDY:-clang-tidy-14} jobs=${SLUICE_TIDY_JOBS:-$(nproc)}
  cmake -S . -B "$tidy_dir" -DCMAKE_CXX_COMPILER="${SLUICE_TIDY_CXX:-clang++-14}" \
    -DCMAKE_BUILD_TYPE=Debug -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF >/dev/null || return 1
  local files=("$@") what
  if [ ${#files[@]} -eq 0 ]; then
    # The batches include .cpp files, which is what bugprone-suspicious-include is about;
    # the product's own sources are held to it by the grep below instead.
    local own
    own=$(grep -rnE '^#include ["<][^">]*\.(cpp|cc|cxx)[">]' framework tasks daemon)
    if [ -n "$own" ]; then
      echo "tidy: a source includes another source:" >&2
      echo "$own" >&2
      return 1
    fi
    mapfile -t files < <(python3 -c '
import json, sys
for entry in json.load(open(sys.argv[1])):
    print(entry["file"])' "$tidy_dir/compile_commands.json" | sort)
    what="${#files[@]} unity batches and the generated sources"
  else
    what="${#files[@]} files"
  fi
  local log="$tidy_dir/tidy.log" status=0
  # --config-file: a batch lives in the build tree, where no .clang-tidy is found upwards.
  printf '%s\n' "${files[@]}" |
    xargs -P "$jobs" -n 1 "$tidy" -p "$tidy_dir" --config-file=.clang-tidy \
      --checks=-bugprone-suspicious-include --quiet >"$log" 2>&1 || status=$?
  local findings
  findings=$(grep -cE '(warning|error): ' "$log")
  if [ $status -ne 0 ] || [ "$findings" -ne 0 ]; then
    echo "tidy: $findings finding(s) in $what; log $log" >&2
    grep -E '(warning|error): ' "$log" | sort -u | head -n 60 >&2
    return 1
  fi
  echo "tidy: $what, no finding"
}
