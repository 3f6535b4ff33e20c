#!/usr/bin/env bash
# The F4 HTTP benchmark on a private PostgreSQL: one large window served as pages of JSON by a
# local API -> stage -> PostgreSQL through the runner, against `curl` fetching the same rows
# as CSV pages piped into `psql -c "\copy dst from stdin csv"`, in the same script; rows/s,
# MB/s of JSON, the ratio and sluice's peak RSS, at two window sizes. Starts its cluster under
# var/bench-pg, builds Release under build/bench, stops the cluster. Printed, never asserted.
#
# Knobs (environment): SLUICE_BENCH_HTTP_ROWS (1000000), SLUICE_BENCH_HTTP_SMALL_ROWS
# (100000), SLUICE_BENCH_REPEATS (3), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f4_http_bench

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
cluster="$root/var/bench-pg"
pg_stop "$cluster"
trap 'pg_stop "$cluster"' EXIT
SLUICE_PG_OPTIONS="-c max_wal_size=8GB -c checkpoint_timeout=1h" pg_start "$cluster" sluice_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(curl --version | head -n 1 | cut -d' ' -f1-2)"

export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
bench_work_dir
status=0
echo "== f4_http"
t0=$SECONDS
"$build/tests/bench_f4_http_bench" || status=$?
echo "   ($((SECONDS - t0)) s)"
rm -rf "$SLUICE_BENCH_WORK_DIR"
echo "== done in $((SECONDS - started)) s"
exit $status
