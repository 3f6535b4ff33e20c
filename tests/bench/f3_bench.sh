#!/usr/bin/env bash
# The F3 benchmarks on a private PostgreSQL: control plane (windows/s against pgbench running
# the chain's own statements) and data path (rows/s against a psql \copy pipe, peak RSS at
# two window sizes). Starts its cluster under var/bench-pg, builds Release under
# build/bench, prints the figures and ratios, stops the cluster. Printed, never asserted.
#
# Knobs (environment): SLUICE_BENCH_REPEATS (control 5, data 3), SLUICE_BENCH_WINDOWS (1200),
# SLUICE_BENCH_WORKERS (4), SLUICE_BENCH_ROWS (5000000), SLUICE_BENCH_SMALL_ROWS (1000000),
# SLUICE_JOBS (2), SLUICE_BENCH_ONLY (control|data).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f3_control bench_f3_data

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
cluster="$root/var/bench-pg"
pg_stop "$cluster"  # a cluster left running may lack the options below
trap 'pg_stop "$cluster"' EXIT
# pg_stat_statements counts the statements; a large max_wal_size keeps checkpoints out of
# the middle of a 5-million-row load (each run starts with a CHECKPOINT of its own).
SLUICE_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c max_wal_size=8GB -c checkpoint_timeout=1h" \
  pg_start "$cluster" sluice_bench
psql -Atqc "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT: shared_buffers $(psql -Atqc 'SHOW shared_buffers'),"\
     "synchronous_commit $(psql -Atqc 'SHOW synchronous_commit'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
bench_work_dir
status=0
for bench in control data; do
  [ -z "${SLUICE_BENCH_ONLY:-}" ] || [ "$SLUICE_BENCH_ONLY" = "$bench" ] || continue
  echo "== f3_$bench"
  t0=$SECONDS
  "$build/tests/bench_f3_$bench" || status=$?
  echo "   ($((SECONDS - t0)) s)"
done
rm -rf "$SLUICE_BENCH_WORK_DIR"
echo "== done in $((SECONDS - started)) s"
exit $status
