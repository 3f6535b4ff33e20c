#!/usr/bin/env bash
# The G6 pools benchmark on a private PostgreSQL: the claim with 50 shared pools against the
# same workload without pools (tests/bench/g6_pools.cpp). Builds Release under build/bench,
# prints the figures and ratios, stops the cluster. Printed, never asserted.
# Knobs: SLUICE_BENCH_CLAIMS (2000), SLUICE_BENCH_IN_FLIGHT (80), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g6_pools
bench_pg g6_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL "$build/tests/bench_g6_pools"
