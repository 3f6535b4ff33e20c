#!/usr/bin/env bash
# The F5 daemon benchmarks on a private PostgreSQL: scheduling latency (notifications against
# polling), a sequential chain of 40 empty windows, an idle daemon's CPU and RSS. Builds
# Release under build/bench, prints the figures, stops the cluster. Printed, never asserted.
# Knobs: SLUICE_BENCH_DUE (100 windows), SLUICE_BENCH_IDLE_SECONDS (30), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f5_daemon sluiced

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
cluster="$root/var/bench-pg"
trap 'pg_stop "$cluster"' EXIT
pg_start "$cluster" sluice_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
export SLUICE_BENCH_SLUICED="$root/$build/daemon/sluiced"
bench_work_dir
"$build/tests/bench_f5_daemon"
