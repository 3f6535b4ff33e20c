#!/usr/bin/env bash
# G3: a failing window's commit -> its webhook received (p50/p99 over 200 failures), with the
# outbox's NOTIFY and, as the baseline, with its trigger silenced. Builds Release under
# build/bench, starts a private PostgreSQL, prints the figures, stops the cluster. Printed,
# never asserted.
# Knobs: SLUICE_BENCH_FAILURES (200), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g3_notify_bench sluiced
bench_pg sluice_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
export SLUICE_BENCH_SLUICED="$root/$build/daemon/sluiced"
bench_work_dir
"$build/tests/bench_g3_notify_bench"
