#!/usr/bin/env bash
# The operator queries before and after migration 0018, side by side in one session of one
# database: README's sql/queries, pipeline_summary, `records list --trigger` (and the API's
# ?trigger=) and `status` (GET /api/v1/pipelines and the metrics refresh run the same
# statement; for it 0018's statement against today's, which reads the newest scheduled window
# kept with the counts). Prints the median of each and the ratio before / after.
#
#   tests/bench/operator_queries_bench.sh [DATABASE_URL] [RUNS]
#
# Without DATABASE_URL: builds the scale benchmark's seeder (Release, build/bench), starts the
# private PostgreSQL (var/bench-pg) and fills a database with SLUICE_OPS_RECORDS (1000000)
# records of SLUICE_OPS_PIPELINES (10000) pipelines (tests/bench/scale/seed.hpp), migrated by
# the product. With it: a database filled that way already, e.g. 10 M records on a server of
# your own (minutes, 4.5 GB):
#   SLUICE_SCALE_SEED_ONLY=1 SLUICE_SCALE_DATABASE=ops_10m \
#     SLUICE_BENCH_DATABASE_URL=postgresql://USER@HOST/postgres \
#     build/bench/tests/bench_scale /tmp/ops-10m 10000000 10000 18480
# "Before" is the definitions of tests/bench/scale/before_0018.sql (made in the schema
# before_0018, left there), and the plans without 0018's indexes (dropped in a transaction
# that is rolled back). Nothing else is changed. RUNS: runs of each (3), alternating.
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${1:-}
runs=${2:-3}
if [ -z "$url" ]; then
  # shellcheck source=tests/bench/bench_lib.sh
  source tests/bench/bench_lib.sh
  bench_build bench_scale
  bench_pg ops_queries_server
  bench_work_dir
  SLUICE_SCALE_SEED_ONLY=1 SLUICE_SCALE_DATABASE=ops_queries \
    SLUICE_BENCH_DATABASE_URL=$SLUICE_DATABASE_URL "$build/tests/bench_scale" \
    "$SLUICE_BENCH_WORK_DIR" "${SLUICE_OPS_RECORDS:-1000000}" "${SLUICE_OPS_PIPELINES:-10000}" \
    18481 | grep -v '^FIG '
  rm -rf "$SLUICE_BENCH_WORK_DIR"  # the fleet's files: the seed is in the database
  url="postgresql://sluice@127.0.0.1:$PGPORT/ops_queries"
fi
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d "$url" "$@"; }

psql -f tests/bench/scale/before_0018.sql
ids=$(psql -Atc "SELECT array_agg(pipeline_id ORDER BY pipeline_id) FROM pipelines")
waits=$(psql -Atc "SELECT coalesce(array_agg(DISTINCT pipeline_id), '{}') FROM pipeline_dependencies")
probe=$(psql -Atc "SELECT pipeline_id FROM pipelines ORDER BY pipeline_id OFFSET 4 LIMIT 1")
echo "== $(psql -Atc "SELECT count(*) FROM pipeline_records") records," \
     "$(psql -Atc "SELECT count(*) FROM pipelines") pipelines; PostgreSQL" \
     "$(psql -Atc "SHOW server_version"), jit $(psql -Atc "SHOW jit"), load average" \
     "$(cut -d' ' -f1-3 /proc/loadavg)"

# The statement of `records list` (store::Operator::list) with --trigger backfill.
list_trigger() {
  cat <<EOF
SELECT r.id, r.pipeline_id, extract(epoch FROM r.window_start_time)::bigint,
       extract(epoch FROM r.window_end_time)::bigint, r.pipeline_status, r.trigger,
       r.dag_run_id, r.phase_completed, r.locked_by, r.error_message, r.retry_attempt,
       r.source_count, r.target_count,
       CASE WHEN r.pipeline_status = 'IN_PROGRESS'
            THEN extract(epoch FROM now() - coalesce(r.heartbeat_at, r.pipeline_locked_at))::bigint END,
       extract(epoch FROM r.pipeline_end_time - r.pipeline_start_time)::float8, r.audit_result,
       CASE WHEN r.pipeline_status = 'PENDING'
            THEN sluice_waiting_on(r.pipeline_id, r.window_start_time, r.window_end_time) END
  FROM pipeline_records r WHERE TRUE AND r.trigger = 'backfill'
 ORDER BY r.pipeline_id $1, r.window_start_time $1 LIMIT 101
EOF
}

# The statement of `status` (store::Operator::counts) from 0018 to 0019, for every pipeline: a
# probe of the window index per pipeline for its newest scheduled window, each part filtered
# by `= ANY` of the ids.
counts_0018() {
  cat <<'EOF'
WITH ids AS MATERIALIZED (SELECT unnest(:'ids'::text[]) AS id)
SELECT p.id, coalesce(s.pending, 0), coalesce(s.running, 0), coalesce(s.failed, 0),
  coalesce(s.succeeded, 0), coalesce(s.skipped, 0),
  extract(epoch FROM CASE WHEN s.registered THEN s.newest_done_end
    ELSE (SELECT d.window_end_time FROM pipeline_records d WHERE d.pipeline_id = p.id
           AND d.pipeline_status IN ('SUCCESS', 'SKIPPED')
         ORDER BY d.window_start_time DESC LIMIT 1) END)::bigint,
  extract(epoch FROM (SELECT g.window_end_time FROM pipeline_records g
    WHERE g.pipeline_id = p.id AND g.trigger <> 'backfill'
    ORDER BY g.window_start_time DESC LIMIT 1))::bigint,
  coalesce(s.paused, false),
  CASE WHEN s.pending > 0 THEN (SELECT coalesce(sluice_waiting_on(q.pipeline_id,
    q.window_start_time, q.window_end_time), CASE WHEN (SELECT e.outcome FROM
    pipeline_events e WHERE e.record_id = q.id ORDER BY e.id DESC LIMIT 1) = 'WAITING'
    THEN q.error_message END)
     FROM pipeline_records q WHERE q.pipeline_id = p.id
      AND q.pipeline_status = 'PENDING' ORDER BY q.window_start_time LIMIT 1) END
FROM ids p LEFT JOIN (
  SELECT u.pipeline_id, bool_or(u.registered) AS registered, bool_or(u.paused) AS paused,
         max(u.newest_done_end) AS newest_done_end, sum(u.pending) AS pending,
         sum(u.running) AS running, sum(u.succeeded)::bigint AS succeeded,
         sum(u.skipped)::bigint AS skipped, sum(u.failed)::bigint AS failed
    FROM (SELECT pipeline_id, true AS registered, paused, newest_done_end, 0 AS pending,
                 0 AS running, 0::bigint AS succeeded, 0::bigint AS skipped,
                 0::bigint AS failed
            FROM pipelines WHERE pipeline_id = ANY(:'ids'::text[])
          UNION ALL
          SELECT pipeline_id, false, NULL, NULL, 0, 0, succeeded, skipped, failed
            FROM pipeline_counts WHERE pipeline_id = ANY(:'ids'::text[])
          UNION ALL
          SELECT pipeline_id, false, NULL, NULL, 0, 0, succeeded, skipped, failed
            FROM pipeline_count_deltas WHERE pipeline_id = ANY(:'ids'::text[])
          UNION ALL
          SELECT pipeline_id, false, NULL, NULL, 1, 0, 0, 0, 0 FROM pipeline_records
           WHERE pipeline_status = 'PENDING' AND pipeline_id = ANY(:'ids'::text[])
          UNION ALL
          SELECT pipeline_id, false, NULL, NULL, 0, 1, 0, 0, 0 FROM pipeline_records
           WHERE pipeline_status = 'IN_PROGRESS'
             AND pipeline_id = ANY(:'ids'::text[])) u
   GROUP BY u.pipeline_id) s ON s.pipeline_id = p.id
ORDER BY p.id
EOF
}

# The statement of `status` now, for every pipeline (more than 64 ids: each part read whole,
# the ids kept at the join): the newest scheduled window kept with the counts, probed only
# after a delete or a change since the last fold; each part joined by pipeline id; what holds
# the oldest PENDING window asked only for the pipelines that may wait (those with
# dependencies here: status passes those with `depends_on` or `run_if`).
counts_now() {
  cat <<'EOF'
WITH ids AS MATERIALIZED (SELECT unnest(:'ids'::text[]) AS id),
  waits AS MATERIALIZED (SELECT DISTINCT unnest(:'waits'::text[]) AS id)
SELECT p.id, coalesce(l.pending, 0), coalesce(l.running, 0),
  coalesce(k.failed, 0) + coalesce(d.failed, 0), coalesce(k.succeeded, 0) + coalesce(d.succeeded, 0),
  coalesce(k.skipped, 0) + coalesce(d.skipped, 0),
  extract(epoch FROM CASE WHEN r.pipeline_id IS NOT NULL THEN r.newest_done_end ELSE (SELECT
  x.window_end_time FROM pipeline_records x WHERE x.pipeline_id = p.id AND x.pipeline_status IN
  ('SUCCESS', 'SKIPPED') ORDER BY x.window_start_time DESC LIMIT 1) END)::bigint,
  extract(epoch FROM CASE WHEN d.rescan THEN (SELECT g.window_end_time FROM pipeline_records g
  WHERE g.pipeline_id = p.id AND g.trigger <> 'backfill' ORDER BY g.window_start_time DESC LIMIT
  1) ELSE (greatest(k.newest_scheduled, d.newest_scheduled))[2] END)::bigint,
  coalesce(r.paused, false),
  CASE WHEN l.pending > 0 AND w.id IS NOT NULL THEN (SELECT coalesce(CASE WHEN EXISTS (SELECT 1
  FROM pipeline_dependencies dep WHERE dep.pipeline_id = q.pipeline_id) THEN
  sluice_waiting_on(q.pipeline_id, q.window_start_time, q.window_end_time) END, CASE WHEN (SELECT
  e.outcome FROM pipeline_events e WHERE e.record_id = q.id ORDER BY e.id DESC LIMIT 1) =
  'WAITING' THEN q.error_message END) FROM pipeline_records q WHERE q.pipeline_id = p.id AND
  q.pipeline_status = 'PENDING' ORDER BY q.window_start_time LIMIT 1) END
FROM ids p
LEFT JOIN waits w ON w.id = p.id
LEFT JOIN pipelines r ON r.pipeline_id = p.id
LEFT JOIN pipeline_counts k ON k.pipeline_id = p.id
LEFT JOIN (SELECT pipeline_id, sum(succeeded) AS succeeded, sum(skipped) AS skipped,
  sum(failed) AS failed, max(newest_scheduled) AS newest_scheduled, bool_or(rescan) AS rescan
  FROM pipeline_count_deltas GROUP BY pipeline_id) d ON d.pipeline_id = p.id
LEFT JOIN (SELECT pipeline_id, sum(pending) AS pending, sum(running) AS running FROM (SELECT
  pipeline_id, 1 AS pending, 0 AS running FROM pipeline_records WHERE pipeline_status = 'PENDING'
  UNION ALL SELECT pipeline_id, 0, 1 FROM pipeline_records WHERE pipeline_status =
  'IN_PROGRESS') u GROUP BY pipeline_id) l ON l.pipeline_id = p.id
ORDER BY p.id
EOF
}

# timed SETUP QUERY TEARDOWN: the time of QUERY alone (ms), every row fetched, in a session
# that ran SETUP first.
timed() {
  local query
  query=$(printf '%s\n' "$2" | sed 's/;[[:space:]]*$//')  # \g sends it: a `;` would run it twice
  {
    printf '%s\n\\timing on\n' "$1"
    printf '%s\n\\g /dev/null\n' "$query"
    printf '\\timing off\n%s\n' "$3"
  } | psql -At -v ids="$ids" -v waits="$waits" | awk '/^Time: / {print $2}'
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# compare NAME BEFORE_SETUP BEFORE_QUERY AFTER_QUERY [BEFORE_TEARDOWN] [AFTER_SETUP]
compare() {
  local name=$1 setup=$2 before=$3 after=$4 teardown=${5:-} after_setup=${6:-} b=() a=() i mb ma
  for ((i = 0; i < runs; i++)); do
    b+=("$(timed "$setup" "$before" "$teardown")")
    a+=("$(timed "$after_setup" "$after" "")")
  done
  mb=$(median "${b[@]}")
  ma=$(median "${a[@]}")
  printf '%-46s %10.1f %10.1f %8.1fx   before [%s] after [%s]\n' "$name" "$mb" "$ma" \
    "$(awk -v b="$mb" -v a="$ma" 'BEGIN {print b / a}')" "${b[*]}" "${a[*]}"
}

old_path="SET search_path = before_0018, public;"
without() { echo "BEGIN; DROP INDEX $*;"; }
strip() { grep -v '^--' "$1"; }

printf '%-46s %10s %10s %9s\n' "query (median ms)" before after ratio
compare "sql/queries/backlog.sql" "$old_path" "$(strip sql/queries/backlog.sql)" \
  "$(strip sql/queries/backlog.sql)"
compare "SELECT * FROM pipeline_summary" "$old_path" "SELECT * FROM pipeline_summary;" \
  "SELECT * FROM pipeline_summary;"
compare "pipeline_summary, one pipeline" "$old_path" \
  "SELECT * FROM pipeline_summary WHERE pipeline_id = '$probe';" \
  "SELECT * FROM pipeline_summary WHERE pipeline_id = '$probe';"
compare "sql/queries/failed_recently.sql" "$(without pipeline_records_failed_at_idx)" \
  "$(strip sql/queries/failed_recently.sql)" "$(strip sql/queries/failed_recently.sql)" ROLLBACK
compare "records list --trigger backfill" "$(without pipeline_records_trigger_idx)" \
  "$(list_trigger ASC);" "$(list_trigger ASC);" ROLLBACK
compare "  newest first" "$(without pipeline_records_trigger_idx)" "$(list_trigger DESC);" \
  "$(list_trigger DESC);" ROLLBACK
# Operator::counts runs it with jit off.
compare "status (every pipeline), GET /api/v1/pipelines" "" \
  "SELECT * FROM before_0018.counts(:'ids'::text[]);" "$(counts_now);" "" "SET jit = off;"
compare "  0018's statement -> 0019's" "SET jit = off;" "$(counts_0018);" "$(counts_now);" "" \
  "SET jit = off;"
compare "sql/queries/latency.sql (0022; before: _exact)" "" \
  "$(strip sql/queries/latency_exact.sql)" "$(strip sql/queries/latency.sql)"
