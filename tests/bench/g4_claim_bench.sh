#!/usr/bin/env bash
# The G4 claim benchmark on a private PostgreSQL: the claim with `depends_on` against the
# same workload without it (tests/bench/g4_claim.cpp). Builds Release under build/bench,
# prints the figures and ratios, stops the cluster. Printed, never asserted.
# Knobs: SLUICE_BENCH_CLAIMS (2000), SLUICE_BENCH_HOURS (960), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g4_claim
bench_pg g4_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL "$build/tests/bench_g4_claim"
