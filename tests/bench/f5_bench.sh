#!/usr/bin/env bash
# The F5 daemon benchmarks on a private PostgreSQL: scheduling latency (notifications against
# polling), a sequential chain of 40 empty windows, a backfill of a year of hourly windows
# (with its phases and statements per window), an idle daemon's CPU and RSS. Builds
# Release under build/bench, prints the figures, stops the cluster. Printed, never asserted.
# Knobs: SLUICE_BENCH_DUE (100 windows), SLUICE_BENCH_IDLE_SECONDS (30), SLUICE_JOBS (2),
# SLUICE_BENCH_PARTS (a comma list of due, chain, backfill, idle).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f5_daemon sluiced

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
cluster="$root/var/bench-pg"
pg_stop "$cluster"  # a cluster left running may lack the options below
trap 'pg_stop "$cluster"' EXIT
# pg_stat_statements counts the backfill's statements per window.
SLUICE_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" pg_start "$cluster" sluice_bench
psql -Atqc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
export SLUICE_BENCH_SLUICED="$root/$build/daemon/sluiced"
bench_work_dir
"$build/tests/bench_f5_daemon"
