#!/usr/bin/env bash
# The F4 files benchmark on a private PostgreSQL: one large .csv.zst window file -> stage ->
# PostgreSQL through the runner, against `zstd -dc file | psql -c "\copy dst from stdin csv"`
# in the same script; rows/s, MB/s, the ratio and sluice's peak RSS. Starts its cluster under
# var/bench-pg, builds Release under build/bench, stops the cluster. Printed, never asserted.
#
# Knobs (environment): SLUICE_BENCH_ROWS (5000000), SLUICE_BENCH_REPEATS (3), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f4_files

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
cluster="$root/var/bench-pg"
pg_stop "$cluster"
trap 'pg_stop "$cluster"' EXIT
SLUICE_PG_OPTIONS="-c max_wal_size=8GB -c checkpoint_timeout=1h" pg_start "$cluster" sluice_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(zstd --version)"

export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
bench_work_dir
status=0
"$build/tests/bench_f4_files" || status=$?
rm -rf "$SLUICE_BENCH_WORK_DIR"
echo "== done in $((SECONDS - started)) s"
exit $status
