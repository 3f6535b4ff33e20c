#!/usr/bin/env bash
# The F4 ClickHouse benchmark: one large window PostgreSQL -> stage -> ClickHouse through the
# runner, against curl posting the same COPY text file into ClickHouse, in the same process
# and on the same private servers (var/bench-f4-pg, var/bench-ch). Builds Release under
# build/bench, prints rows/s, MB/s, the ratios and peak RSS, stops the servers. Printed,
# never asserted.
#
# Knobs (environment): SLUICE_BENCH_ROWS (2000000), SLUICE_BENCH_REPEATS (3), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f4_clickhouse

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
# shellcheck source=deploy/lib/clickhouse.sh
source deploy/lib/clickhouse.sh
pg_dir="$root/var/bench-f4-pg"
ch_dir="$root/var/bench-ch"
trap 'pg_stop "$pg_dir"; ch_stop "$ch_dir"' EXIT
SLUICE_PG_OPTIONS="-c max_wal_size=8GB -c checkpoint_timeout=1h" pg_start "$pg_dir" sluice_bench
ch_start "$ch_dir"
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, ClickHouse $(ch_query 'SELECT version()')"\
     "on port $SLUICE_CH_HTTP_PORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
export SLUICE_BENCH_CLICKHOUSE_URL=$SLUICE_TEST_CLICKHOUSE_URL
bench_work_dir
status=0
echo "== f4_clickhouse"
"$build/tests/bench_f4_clickhouse" || status=$?
echo "== done in $((SECONDS - started)) s"
exit $status
