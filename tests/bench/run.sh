#!/usr/bin/env bash
# Runs every benchmark: each tests/bench/*_bench.sh (which builds its Release binary under
# build/bench and starts the private servers it measures against), then each benchmark no
# script runs (pure code, no server). Figures are printed, never asserted: compare them with
# the targets they print. One failing benchmark does not stop the others; the exit status
# says whether any failed.
#
# Usage: tests/bench/run.sh [NAME...]   NAME: a script's (f3, f4_clickhouse...) or a bench
# source's (time_bench); default: all.
set -uo pipefail
cd "$(dirname "$0")/../.."

wanted=("$@")
selected() {
  [ ${#wanted[@]} -eq 0 ] && return 0
  local w
  for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
  return 1
}

status=0
ran=0
failed=()
scripted=" "
for script in tests/bench/*_bench.sh; do
  name=$(basename "$script" _bench.sh)
  scripted+="$(grep -o 'bench_[a-z0-9_]*' "$script" | sort -u | tr '\n' ' ')"
  selected "$name" || continue
  echo "######## $name ($script)"
  ran=$((ran + 1))
  if ! bash "$script"; then status=1; failed+=("$name"); fi
done

plain=()
for src in tests/bench/*.cpp; do
  name=$(basename "$src" .cpp)
  case "$scripted" in *" bench_$name "*) continue ;; esac
  selected "$name" && plain+=("bench_$name")
done
if [ ${#plain[@]} -gt 0 ]; then
  # shellcheck source=tests/bench/bench_lib.sh
  source tests/bench/bench_lib.sh
  bench_build "${plain[@]}" || exit 1
  for name in "${plain[@]}"; do
    echo "######## ${name#bench_}"
    ran=$((ran + 1))
    if ! "$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)"; then
      status=1
      failed+=("${name#bench_}")
    fi
  done
fi
if [ $ran -eq 0 ]; then
  echo "run.sh: no benchmark named ${wanted[*]}" >&2
  exit 2
fi
[ $status -eq 0 ] || echo "benchmarks that failed: ${failed[*]}"
exit $status
