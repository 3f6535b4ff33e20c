#!/usr/bin/env bash
# The G6 MariaDB target benchmark on a private server: a 2 M-row window's stage file loaded by
# sluice's MariaDB target against `mariadb -e "LOAD DATA LOCAL INFILE ..."` of the same file,
# rows/s, their ratio and each side's peak RSS. Starts MariaDB under var/bench-mariadb, builds
# Release under build/bench, prints, stops the server. Printed, never asserted.
#
# Knobs (environment): SLUICE_BENCH_ROWS (2000000), SLUICE_BENCH_REPEATS (3), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g6_mysql_target

# shellcheck source=deploy/lib/mariadb.sh
source deploy/lib/mariadb.sh
maria="$root/var/bench-mariadb"
mariadb_stop "$maria"
trap 'mariadb_stop "$maria"' EXIT
mariadb_start "$maria" sluice_bench
echo "== MariaDB $(mariadb --no-defaults --socket="$SLUICE_MARIADB_SOCKET" -uroot -N -e 'SELECT VERSION()')" \
     "on port $SLUICE_MARIADB_PORT_IN_USE; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

export SLUICE_BENCH_MYSQL_URL=$SLUICE_TEST_MYSQL_URL
bench_work_dir
status=0
echo "== g6_mysql_target"
t0=$SECONDS
"$build/tests/bench_g6_mysql_target" || status=$?
echo "   ($((SECONDS - t0)) s)"
rm -rf "$SLUICE_BENCH_WORK_DIR"
echo "== done in $((SECONDS - started)) s"
exit $status
