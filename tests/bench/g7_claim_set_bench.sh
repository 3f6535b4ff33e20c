#!/usr/bin/env bash
# The claimer's work per claim at 10,000 pipelines, before and after the claim limits were made
# once per load (tests/bench/g7_claim_set.cpp), on a private PostgreSQL for the whole claim.
# Builds Release under build/bench, prints the figures and ratios, stops the cluster. Printed,
# never asserted. Knobs: SLUICE_BENCH_PIPELINES (10000), SLUICE_BENCH_CLAIMS (2000),
# SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_g7_claim_set
bench_pg g7_claim_set_server
SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL "$build/tests/bench_g7_claim_set"
