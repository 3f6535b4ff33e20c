#!/usr/bin/env bash
# Builds the benchmarks in Release (no sanitizers) under build/bench and runs every one.
# Figures are printed, never asserted: compare them with the targets they print.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BENCH=ON -DSLUICE_SANITIZE=OFF \
  -DSLUICE_WERROR=OFF -DSLUICE_TESTS=ON >/dev/null
mapfile -t benches < <(cd tests/bench && ls ./*.cpp | sed 's|^\./||; s|\.cpp$||; s|^|bench_|')
cmake --build "$build" -j "${SLUICE_JOBS:-2}" --target "${benches[@]}"

status=0
for name in "${benches[@]}"; do
  exe=$(find "$build" -type f -name "$name" -perm -u+x | head -n 1)
  echo "== $name"
  "$exe" || status=$?
done
exit $status
