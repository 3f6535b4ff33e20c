#!/usr/bin/env bash
# The G7 generation benchmarks on a private PostgreSQL: one cron tick with a due window for each
# of 100, 1,000 and 10,000 pipelines, batched against the one-pipeline-at-a-time baseline
# (tests/bench/g7_generate.cpp); then an idle sluiced with 1 and with 10,000 pipeline files
# (the idle part of tests/bench/f5_daemon.cpp). Builds Release under build/bench, prints the
# figures, stops the cluster. Printed, never asserted.
# Knobs: SLUICE_BENCH_PIPELINES (100,1000,10000), SLUICE_BENCH_HISTORY (48),
# SLUICE_BENCH_TICKS (3), SLUICE_BENCH_IDLE_PIPELINES (10000), SLUICE_BENCH_IDLE_SECONDS (30),
# SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g7_generate bench_f5_daemon sluiced
bench_pg g7_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
"$build/tests/bench_g7_generate"
bench_work_dir
export SLUICE_BENCH_SLUICED="$root/$build/daemon/sluiced"
idle=${SLUICE_BENCH_IDLE_PIPELINES:-10000}
for n in 1 "$idle"; do
  SLUICE_BENCH_PARTS=idle SLUICE_BENCH_IDLE_PIPELINES=$n "$build/tests/bench_f5_daemon"
done
rm -rf "$SLUICE_BENCH_WORK_DIR"
