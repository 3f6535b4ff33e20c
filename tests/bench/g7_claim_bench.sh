#!/usr/bin/env bash
# The claim at 10,000 pipelines, before and after the stored claim limits (migration 0017), in
# one run on one server: for each number of records, a database with the migrations up to
# 0016 is seeded (10,000 hourly pipelines; a quarter with a backlog of 3 PENDING windows, a
# twentieth of those waiting for a retry, 2% with 5 PENDING backfill windows, 1% running; the
# rest history), then pgbench replays
#   before  0016's claim: sluice_claim with the eight arrays of every pipeline's limits (read
#           from a table on the server, so the 200 kB the daemon sent per claim are not even
#           counted)
#   after   0017's claim: sluice_claim_windows(holder, fingerprint, 1) over the stored limits
# each claim in a transaction rolled back (the live part stays the same), with 1 and 8
# clients. Prints claims/s and p50/p99 latency, the ratio after/before, and the spread of
# claims/s across the numbers of records. Printed, never asserted.
# Knobs: SLUICE_BENCH_DATABASE_URL (a server to use instead of a private cluster),
# SLUICE_BENCH_WINDOWS ("1 20 100": windows per pipeline, 10 k, 200 k and 1 M records),
# SLUICE_BENCH_SECONDS (10 per run).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
if [ -n "${SLUICE_BENCH_DATABASE_URL:-}" ]; then
  server=$SLUICE_BENCH_DATABASE_URL
else
  bench_pg g7_claim_bench
  server=$SLUICE_DATABASE_URL
fi
db_url() { echo "${server%/*}/$1"; }
seconds=${SLUICE_BENCH_SECONDS:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "== $(psql -Atqc 'SELECT version()' "$server" | cut -d' ' -f1-2), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

seed() {  # URL WINDOWS
  psql -q -v ON_ERROR_STOP=1 -v n="$2" "$1" <<'SQL'
SET session_replication_role = replica;
INSERT INTO pipelines (pipeline_id) SELECT 'p_' || lpad(p::text, 5, '0') FROM generate_series(0, 9999) p;
INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
       time_interval, pipeline_status, trigger, dag_run_id, pipeline_locked_at, locked_by,
       heartbeat_at, next_attempt_at, pipeline_start_time, pipeline_end_time)
SELECT 'p_' || lpad(p::text, 5, '0'), (timestamptz '2024-01-01' + k * interval '1 hour')::date,
       timestamptz '2024-01-01' + k * interval '1 hour',
       timestamptz '2024-01-01' + (k + 1) * interval '1 hour', '1h', s,
       CASE WHEN g = 'backfill' THEN 'backfill' ELSE 'scheduled' END,
       CASE WHEN s <> 'PENDING' OR retry THEN 'scheduled__x' END,
       CASE WHEN s = 'IN_PROGRESS' OR retry THEN now() END,
       CASE WHEN s = 'IN_PROGRESS' OR retry THEN 'other:1' END,
       CASE WHEN s = 'IN_PROGRESS' THEN now() END,
       CASE WHEN retry THEN now() + interval '2 hours' END,
       CASE WHEN s <> 'PENDING' THEN now() END,
       CASE WHEN s IN ('SUCCESS', 'SKIPPED', 'FAILED') THEN now() END
  FROM generate_series(0, 9999) p,
       generate_series(-greatest(:n, 8) + 1, 0) k,
       LATERAL (SELECT CASE WHEN p % 100 = 2 AND k = 0 THEN 'running'
                            WHEN p % 4 = 0 AND k > -3 THEN 'backlog'
                            WHEN p % 50 = 1 AND k < -greatest(:n, 8) + 6 THEN 'backfill'
                            ELSE 'history' END AS g) a,
       LATERAL (SELECT CASE g WHEN 'running' THEN 'IN_PROGRESS' WHEN 'history' THEN
                       CASE WHEN (p + k) % 100 = 7 THEN 'FAILED'
                            WHEN (p + k) % 20 = 3 THEN 'SKIPPED' ELSE 'SUCCESS' END
                       ELSE 'PENDING' END AS s,
                       g = 'backlog' AND p % 20 = 0 AND k = -2 AS retry) b
 -- n < 8: only the newest n windows of each pipeline, live ones first.
 WHERE k > -:n OR g <> 'history';
SET session_replication_role = origin;
UPDATE pipelines p SET newest_done_end = d.e
  FROM (SELECT pipeline_id, max(window_end_time) e FROM pipeline_records
         WHERE pipeline_status IN ('SUCCESS', 'SKIPPED') GROUP BY 1) d
 WHERE d.pipeline_id = p.pipeline_id;
CREATE TABLE bench_limits AS
SELECT array_agg(pipeline_id ORDER BY pipeline_id) ids, array_agg(1) live, array_agg(1) bf,
       array_agg(0) ver, array_agg(''::text) pools, array_agg(1) slots, array_agg(0) sizes,
       array_agg(0) prio
  FROM pipelines;
VACUUM ANALYZE;
SQL
}

# run URL NAME CLIENTS SQL: "claims/s p50_ms p99_ms"
run() {
  local dir="$work/$2-$3"
  mkdir -p "$dir"
  printf 'BEGIN;\n%s;\nROLLBACK;\n' "$4" >"$dir/script.sql"
  (cd "$dir" && pgbench -n -M prepared -c "$3" -j "$3" -T "$seconds" -l -f script.sql "$1" \
    >"$dir/out" 2>&1) || { cat "$dir/out" >&2; echo "0 0 0"; return; }
  local tps
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$dir/out" | head -1)
  cat "$dir"/pgbench_log.* | awk '{print $3 / 1000}' | sort -n |
    awk -v tps="$tps" '{v[NR] = $1} END {
      p50 = v[int(NR * 0.5) + 1]; p99 = v[int(NR * 0.99) + 1];
      printf "%.0f %.1f %.1f\n", tps, p50, p99}'
}

before_sql="SELECT id FROM bench_limits, sluice_claim(ids, live, bf, ver, pools, slots, sizes, prio, 'bench:1')"
after_sql="SELECT id FROM sluice_claim_windows('bench:1', 42, 1)"
printf '%-10s %-8s %-7s %10s %9s %9s %10s %9s %9s %8s\n' records claimers '' \
  'before/s' p50_ms p99_ms 'after/s' p50_ms p99_ms 'after/x'
declare -A rates
for n in ${SLUICE_BENCH_WINDOWS:-1 20 100}; do
  db="g7_claim_bench_$n"
  psql -q "$server" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null
  url=$(db_url "$db")
  for f in "$root"/sql/migrations/00*.sql; do
    [ "$(basename "$f")" \< "0017" ] || continue
    psql -q -v ON_ERROR_STOP=1 "$url" -f "$f" >/dev/null
  done
  seed "$url" "$n"
  records=$(psql -Atq "$url" -c "SELECT count(*) FROM pipeline_records")
  declare -A before
  for c in 1 8; do before[$c]=$(run "$url" before "$c" "$before_sql"); done
  psql -q -v ON_ERROR_STOP=1 "$url" -f "$root/sql/migrations/0017_claim_windows.sql" >/dev/null
  psql -q "$url" -c "SELECT sluice_store_claim_limits('bench:1', 42, ids, live, bf, ver, pools, slots, sizes, prio) FROM bench_limits" -c "ANALYZE" >/dev/null
  for c in 1 8; do
    read -r b50 b50p b99 <<<"${before[$c]}"
    read -r a50 a50p a99 <<<"$(run "$url" after "$c" "$after_sql")"
    rates[$c]+="$a50 "
    printf '%-10s %-8s %-7s %10s %9s %9s %10s %9s %9s %8s\n' "$records" "$c" '' "$b50" "$b50p" \
      "$b99" "$a50" "$a50p" "$a99" "$(awk -v a="$a50" -v b="$b50" 'BEGIN {printf "%.1f", b ? a / b : 0}')"
  done
  psql -q "$server" -c "DROP DATABASE $db" 2>/dev/null
done
for c in 1 8; do
  echo "after, $c claimer(s): claims/s from the fewest to the most records $(echo "${rates[$c]}" |
    awk '{printf "%s -> %s (%.2fx; target within 20%%)", $1, $NF, $1 ? $NF / $1 : 0}')"
done
