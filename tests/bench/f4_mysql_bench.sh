#!/usr/bin/env bash
# The F4 MariaDB benchmark on private servers: one large window MariaDB -> stage ->
# PostgreSQL by sluice against `mariadb --quick --batch -e "SELECT ..." | psql \copy`, rows/s,
# MB/s, their ratio and sluice's peak RSS. Starts PostgreSQL under var/bench-pg and MariaDB
# under var/bench-mariadb, builds Release under build/bench, prints, stops the servers.
# Printed, never asserted.
#
# Knobs (environment): SLUICE_BENCH_ROWS (2000000), SLUICE_BENCH_REPEATS (3), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_f4_mysql

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
# shellcheck source=deploy/lib/mariadb.sh
source deploy/lib/mariadb.sh
cluster="$root/var/bench-pg"
maria="$root/var/bench-mariadb"
pg_stop "$cluster"
mariadb_stop "$maria"
trap 'pg_stop "$cluster"; mariadb_stop "$maria"' EXIT
SLUICE_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c max_wal_size=8GB -c checkpoint_timeout=1h" \
  pg_start "$cluster" sluice_bench
mariadb_start "$maria" sluice_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, MariaDB" \
     "$(mariadb --no-defaults --socket="$SLUICE_MARIADB_SOCKET" -uroot -N -e 'SELECT VERSION()') on port" \
     "$SLUICE_MARIADB_PORT_IN_USE; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

export SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL
export SLUICE_BENCH_MYSQL_URL=$SLUICE_TEST_MYSQL_URL
bench_work_dir
status=0
echo "== f4_mysql"
t0=$SECONDS
"$build/tests/bench_f4_mysql" || status=$?
echo "   ($((SECONDS - t0)) s)"
rm -rf "$SLUICE_BENCH_WORK_DIR"
echo "== done in $((SECONDS - started)) s"
exit $status
