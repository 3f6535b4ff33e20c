#!/usr/bin/env bash
# The G1 benchmark of the HTTP API on a private PostgreSQL: 200 pipelines, 100,000 records,
# and sluiced running windows all along (a feeder makes due windows at a steady rate, as F5
# does). Four phases of SLUICE_BENCH_SECONDS each, the feeder running in every one:
#   idle     nothing else: the claim latency's baseline
#   pgbench  the SELECT of GET /api/v1/records?limit=100, pgbench at 16 connections: the
#            requests/s baseline (what the database alone serves)
#   records  wrk at 16 connections on GET /api/v1/records?limit=100: requests/s against
#            pgbench's, p50/p99
#   metrics  wrk on GET /metrics: p99
# Claim latency (due -> claimed) of the windows that became due in each phase, from the claim
# events; sluiced's peak RSS over the phases. Builds Release under build/bench, prints the
# figures and a summary against the targets, stops the cluster. Printed, never asserted: it
# fails only when something broke (the daemon died, wrk saw socket errors or non-2xx answers,
# pgbench failed, a fed window FAILED or was never claimed).
#
# Knobs (environment): SLUICE_BENCH_SECONDS (10, per phase), SLUICE_BENCH_PIPELINES (200),
# SLUICE_BENCH_RECORDS (100000), SLUICE_BENCH_FEED_RATE (10 due windows/s),
# SLUICE_BENCH_CONNECTIONS (16), SLUICE_BENCH_METRICS_CONNECTIONS (2),
# SLUICE_BENCH_API_THREADS (http.database_connections; unset: the daemon's default),
# SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS
secs=${SLUICE_BENCH_SECONDS:-10}
pipelines=${SLUICE_BENCH_PIPELINES:-200}
records=${SLUICE_BENCH_RECORDS:-100000}
rate=${SLUICE_BENCH_FEED_RATE:-10}
conns=${SLUICE_BENCH_CONNECTIONS:-16}
metrics_conns=${SLUICE_BENCH_METRICS_CONNECTIONS:-2}
api_threads=${SLUICE_BENCH_API_THREADS:+  database_connections: $SLUICE_BENCH_API_THREADS}
hours=$((records / pipelines)) # seeded windows per pipeline
lag='0 seconds'                # every pipeline's x_time_back (the config writes 0s)

for tool in wrk pgbench curl; do
  command -v "$tool" >/dev/null || { echo "g1: no $tool (run deploy/install-deps.sh)" >&2; exit 1; }
done

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build sluiced sluicectl

# Room for what sluiced holds at 200 pipelines: each pipeline's source and target adapter
# keeps a pool of its own (one idle connection each once it ran a window), ~2 per pipeline
# besides the daemon's own, then pgbench's 16 and the feeder. A database of its own, fresh
# each run: the figures depend on the table's size.
SLUICE_PG_OPTIONS="-c max_connections=$((2 * pipelines + 100))" bench_pg sluice_g1
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg), $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)," \
     "$(pgbench --version)"

bench_work_dir
work=$SLUICE_BENCH_WORK_DIR
port=$(pg_free_port 18470)
export SLUICE_G1_TOKEN=g1-bench-viewer-token-0123456789 SLUICE_G1_METRICS_TOKEN=g1-bench-metrics-token-0123
end_date=$(date -u -d "@$((1704067200 + hours * 3600))" +%FT%TZ) # 2024-01-01 + hours

# The daemon file and its pipelines: postgres -> postgres over two small tables, 1h windows.
# Their range ends where the seeded records end, so the schedule itself creates nothing: every
# window the daemon runs is one the feeder made due (2020 on), which keeps the claims steady
# instead of 200 at once at each boundary.
mkdir -p "$work/pipelines.d"
cat >"$work/sluice.yaml" <<EOF
database:
  url: \${env:SLUICE_DATABASE_URL}
stage:
  root: stage
log:
  level: warn
drain_timeout: 5s
scheduler:
  poll_interval: 1s
http:
  listen: 127.0.0.1:$port
  tokens:
    - name: bench
      role: viewer
      token: \${env:SLUICE_G1_TOKEN}
  metrics_token: \${env:SLUICE_G1_METRICS_TOKEN}
$api_threads
connections:
  db:
    kind: postgres
    url: \${env:SLUICE_DATABASE_URL}
EOF
for ((p = 0; p < pipelines; p++)); do
  id=$(printf 'p%03d' "$p")
  cat >"$work/pipelines.d/$id.yaml" <<EOF
id: $id
source: {connection: db, table: g1_src, time_column: event_time}
target: {connection: db, table: g1_dst}
window: {granularity: 1h, x_time_back: 0s, start_date: "2020-01-01", end_date: "$end_date"}
EOF
done

sluiced="$build/daemon/sluiced"
"$build/daemon/sluicectl" -c "$work/sluice.yaml" db migrate >/dev/null
t0=$SECONDS
# Source rows: three an hour over the fed range (2020-2023); the target starts empty. The
# records: `hours` finished windows per pipeline from 2024-01-01, mostly SUCCESS, some
# SKIPPED and FAILED, with the columns a finished run leaves.
psql -q -v ON_ERROR_STOP=1 <<EOF
CREATE TABLE g1_src (id bigserial, event_time timestamptz NOT NULL, note text);
INSERT INTO g1_src (event_time, note)
  SELECT t, 'row at ' || t FROM generate_series(timestamptz '2020-01-01 00:00+00',
                                                 timestamptz '2023-12-31 23:40+00', '20 minutes') t;
CREATE INDEX ON g1_src (event_time);
CREATE TABLE g1_dst (LIKE g1_src);
CREATE INDEX ON g1_dst (event_time);
CREATE SEQUENCE g1_feed;
INSERT INTO pipeline_records (pipeline_id, source_name, target_name, target_day,
    window_start_time, window_end_time, time_interval, dag_run_id, pipeline_status,
    phase_completed, source_count, target_count, count_difference, pipeline_start_time,
    pipeline_end_time, error_message, record_first_created_time)
SELECT format('p%s', lpad(p::text, 3, '0')), 'db', 'db', (w AT TIME ZONE 'UTC')::date,
       w, w + interval '1 hour', '1h',
       'scheduled__' || to_char((w + interval '1 hour') AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS".000000+00:00"'),
       s, CASE s WHEN 'SUCCESS' THEN 'AUDIT' WHEN 'SKIPPED' THEN 'PRE_VALIDATION' END,
       3, CASE s WHEN 'FAILED' THEN NULL ELSE 3 END, CASE s WHEN 'FAILED' THEN NULL ELSE 0 END,
       w + interval '1 hour', w + interval '1 hour 2 seconds',
       CASE s WHEN 'FAILED' THEN 'retryable: source unreachable (connection refused)' END,
       w + interval '1 hour'
  FROM generate_series(0, $pipelines - 1) p, generate_series(0, $hours - 1) i,
       LATERAL (SELECT timestamptz '2024-01-01 00:00+00' + i * interval '1 hour' AS w,
                       CASE WHEN i % 100 = 7 THEN 'FAILED' WHEN i % 20 = 3 THEN 'SKIPPED'
                            ELSE 'SUCCESS' END AS s) x;
VACUUM ANALYZE;
EOF
echo "== seeded $(psql -Atqc 'SELECT count(*) FROM pipeline_records') records of $pipelines" \
     "pipelines, $(psql -Atqc 'SELECT count(*) FROM g1_src') source rows ($((SECONDS - t0)) s)"

# The feeder: one due window per transaction (pgbench -R: Poisson arrivals at `rate`/s), of
# pipeline k % pipelines and hour k from 2020-01-01, so no two windows share an hour of the
# shared target table.
cat >"$work/feed.sql" <<'EOF'
INSERT INTO pipeline_records (pipeline_id, source_name, target_name, target_day,
                              window_start_time, window_end_time, time_interval)
SELECT format('p%s', lpad((k % :pipelines)::text, 3, '0')), 'db', 'db',
       (w AT TIME ZONE 'UTC')::date, w, w + interval '1 hour', '1h'
  FROM (SELECT k, timestamptz '2020-01-01 00:00+00' + k * interval '1 hour' AS w
          FROM (SELECT nextval('g1_feed') - 1 AS k) n) s;
EOF
# The API's own statement (framework/store/operator_queries.cpp, Operator::list with an empty
# selection; the route asks for limit + 1 rows to know whether there is a next page), sent
# the way libpqxx's exec_params sends it: extended protocol, the limit a bound parameter.
cat >"$work/records.sql" <<'EOF'
\set lim 101
SELECT r.id, r.pipeline_id, extract(epoch FROM r.window_start_time)::bigint,
       extract(epoch FROM r.window_end_time)::bigint, r.pipeline_status, r.trigger, r.dag_run_id,
       r.phase_completed, r.locked_by, r.error_message, r.retry_attempt, r.source_count,
       r.target_count,
       CASE WHEN r.pipeline_status = 'IN_PROGRESS'
            THEN extract(epoch FROM now() - coalesce(r.heartbeat_at, r.pipeline_locked_at))::bigint END
  FROM pipeline_records r WHERE TRUE ORDER BY r.pipeline_id, r.window_start_time LIMIT :lim::bigint;
EOF

"$sluiced" -c "$work/sluice.yaml" >"$work/sluiced.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
records_url="$base/api/v1/records?limit=100"
auth="Authorization: Bearer $SLUICE_G1_TOKEN"
metrics_auth="Authorization: Bearer $SLUICE_G1_METRICS_TOKEN"

broke() {
  echo "g1: $*" >&2
  echo "--- sluiced log (last 20 lines)" >&2
  tail -n 20 "$work/sluiced.log" >&2
  exit 1
}
alive() { kill -0 "$pid" 2>/dev/null || broke "sluiced exited"; }

for _ in $(seq 150); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
  alive
  sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || broke "/readyz is not 200"
# A real answer before timing it: 100 records and a next page.
answer=$(curl -s -H "$auth" "$records_url")
[ "$(grep -o '"pipeline":' <<<"$answer" | wc -l)" = 100 ] ||
  broke "GET /api/v1/records?limit=100 did not answer 100 records: ${answer:0:300}"
grep -q '"next_cursor":"' <<<"$answer" || broke "no next_cursor in: ${answer:0:300}"

# wait_fed TICKS: waits (TICKS x 0.2 s at most) until no fed window is PENDING or running.
fed="window_start_time < '2024-01-01'"
wait_fed() {
  local left
  for _ in $(seq "$1"); do
    left=$(psql -Atqc "SELECT count(*) FROM pipeline_records WHERE $fed AND
                         pipeline_status NOT IN ('SUCCESS', 'SKIPPED', 'FAILED')")
    [ "$left" = 0 ] && return
    alive
    sleep 0.2
  done
  broke "$left fed windows still waiting or running after $(($1 / 5)) s"
}

# The peak VmRSS seen while the phases run (0.2 s samples), written as it grows.
sample_rss() {
  local peak=0 kib
  while kill -0 "$pid" 2>/dev/null && [ ! -e "$work/rss.stop" ]; do
    kib=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    if [ "${kib:-0}" -gt "$peak" ]; then peak=$kib; echo "$peak" >"$work/rss.peak"; fi
    sleep 0.2
  done
}

# phase NAME COMMAND...: runs COMMAND (SLUICE_BENCH_SECONDS long) with the feeder beside it;
# keeps the phase's span (epoch seconds) to find the windows that became due in it.
declare -A span
phase() {
  local name=$1 from feeder
  shift
  from=$(date +%s.%N)
  pgbench -n -c 1 -R "$rate" -T "$secs" -D "pipelines=$pipelines" -f "$work/feed.sql" \
    >"$work/feed_$name.log" 2>&1 &
  feeder=$!
  "$@" || broke "phase $name: $* failed (see $work)"
  wait "$feeder" || broke "phase $name: the feeder failed: $(tail -n 5 "$work/feed_$name.log")"
  span[$name]="$from $(date +%s.%N)"
  alive
}

run_pgbench() {
  (cd "$work" && pgbench -n -M extended -c "$conns" -j 2 -T "$secs" -l --log-prefix=pgbench_log \
    -f records.sql >pgbench.out 2>&1)
}
# run_wrk URL OUT CONNECTIONS HEADER: wrk on 2 threads, --latency for p50/p99.
run_wrk() {
  wrk -c "$3" -t 2 -d "${secs}s" --latency -H "$4" "$1" >"$work/$2" 2>&1
}

# cpu_ticks: sluiced's user + system CPU so far, in clock ticks (fields 14 and 15 of stat,
# counted after the command name, which could hold spaces).
cpu_ticks() { sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'; }

# Warm-up: one window per pipeline, so every phase finds the adapters' connection pools
# open (a pipeline's first window connects its source and target) and measures steady state.
t0=$SECONDS
psql -q -v ON_ERROR_STOP=1 -c "INSERT INTO pipeline_records (pipeline_id, source_name,
  target_name, target_day, window_start_time, window_end_time, time_interval)
  SELECT format('p%s', lpad((k % $pipelines)::text, 3, '0')), 'db', 'db', (w AT TIME ZONE 'UTC')::date,
         w, w + interval '1 hour', '1h'
    FROM (SELECT k, timestamptz '2020-01-01 00:00+00' + k * interval '1 hour' AS w
            FROM (SELECT nextval('g1_feed') - 1 AS k FROM generate_series(1, $pipelines)) n) s"
wait_fed 600
echo "== warm-up: $pipelines windows, one per pipeline, ran in $((SECONDS - t0)) s"

echo "== phases of $secs s, the feeder making $rate due windows/s in each"
sample_rss &
sampler=$!
phase idle sleep "$secs"
phase pgbench run_pgbench
scrape_before=$(curl -s -H "$metrics_auth" "$base/metrics")
cpu_before=$(cpu_ticks)
phase records run_wrk "$records_url" wrk_records.out "$conns" "$auth"
cpu_records=$(($(cpu_ticks) - cpu_before))
scrape_after=$(curl -s -H "$metrics_auth" "$base/metrics")
phase metrics run_wrk "$base/metrics" wrk_metrics.out "$metrics_conns" "$metrics_auth"
touch "$work/rss.stop"
wait "$sampler"
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")

# Every fed window claimed and ended before its latency is read.
wait_fed 300
outcomes=$(psql -Atqc "SELECT string_agg(pipeline_status || ' ' || n, ', ') FROM (SELECT
  pipeline_status, count(*) n FROM pipeline_records WHERE $fed GROUP BY 1 ORDER BY 1) s")
echo "   fed windows: $outcomes"
failed=$(psql -Atqc "SELECT count(*) FROM pipeline_records WHERE $fed AND pipeline_status = 'FAILED'")
[ "$failed" = 0 ] || broke "$failed fed windows FAILED: $(psql -Atqc "SELECT error_message
  FROM pipeline_records WHERE $fed AND pipeline_status = 'FAILED' LIMIT 1")"
case "$outcomes" in *PENDING* | *IN_PROGRESS*) broke "fed windows left unfinished: $outcomes" ;; esac

# ms MS_TEXT: a wrk duration (980.00us, 1.23ms, 2.01s, 1.00m) in milliseconds.
ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) x = v / 1000; else if (v ~ /ms$/) x = v + 0
    else if (v ~ /s$/) x = v * 1000; else if (v ~ /m$/) x = v * 60000
    printf "%.2f", x }'
}
# wrk_figures OUT: "RPS P50_MS P99_MS"; breaks on socket errors or non-2xx answers.
wrk_figures() {
  local out="$work/$1"
  grep -q 'Socket errors' "$out" && broke "wrk $1: $(grep 'Socket errors' "$out")"
  grep -q 'Non-2xx' "$out" && broke "wrk $1: $(grep 'Non-2xx' "$out")"
  grep -q '^Requests/sec' "$out" || broke "wrk $1 printed no figures: $(cat "$out")"
  echo "$(awk '/^Requests\/sec/ {print $2}' "$out")" \
       "$(ms "$(awk '$1 == "50%" {print $2}' "$out")")" \
       "$(ms "$(awk '$1 == "99%" {print $2}' "$out")")"
}
read -r api_rps api_p50 api_p99 <<<"$(wrk_figures wrk_records.out)"
read -r met_rps met_p50 met_p99 <<<"$(wrk_figures wrk_metrics.out)"

grep -q '^tps' "$work/pgbench.out" || broke "pgbench printed no figures: $(cat "$work/pgbench.out")"
if grep -Eq 'failed transactions: [1-9]|aborted' "$work/pgbench.out"; then
  broke "pgbench: $(grep -E 'failed|aborted' "$work/pgbench.out")"
fi
pg_tps=$(awk '/^tps/ {print $3; exit}' "$work/pgbench.out")
# Latency percentiles from the per-transaction log (third field: microseconds).
read -r pg_p50 pg_p99 <<<"$(cat "$work"/pgbench_log.* | awk '{print $3}' | sort -n | awk '
  {v[NR] = $1} END {printf "%.2f %.2f", v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000}')"

# claims NAME: "N P50 P99 MAX RUN_P50 RUN_P99" (ms) of the windows that became due during
# phase NAME. Due is when the window became claimable: its end + x_time_back, or the record's
# creation when later (always, here); claimed is its first claim event's instant (the claim
# transaction's). RUN is claim -> end: with every worker busy a window waits for one, so the
# claim latency follows it.
claims() {
  local from to
  read -r from to <<<"${span[$1]}"
  psql -Atq -F ' ' -c "
    WITH c AS (
      SELECT DISTINCT ON (r.id) extract(epoch FROM e.started_at - d.due) * 1000 AS ms,
             extract(epoch FROM r.pipeline_end_time - e.started_at) * 1000 AS run
        FROM pipeline_records r
        JOIN pipeline_events e ON e.record_id = r.id AND e.task = 'claim'
        CROSS JOIN LATERAL (SELECT greatest(r.window_end_time + interval '$lag',
                                            r.record_first_created_time) AS due) d
       WHERE d.due >= to_timestamp($from) AND d.due < to_timestamp($to)
       ORDER BY r.id, e.id)
    SELECT count(*), round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
           round(percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
           round(max(ms)::numeric, 1),
           round(percentile_disc(0.5) WITHIN GROUP (ORDER BY run)::numeric, 1),
           round(percentile_disc(0.99) WITHIN GROUP (ORDER BY run)::numeric, 1) FROM c"
}

# histogram_quantiles BEFORE AFTER NAME: "N P50 P99" (ms) of the histogram NAME's observations
# between two scrapes (all label sets summed; linear inside a bucket, as histogram_quantile
# does); empty when the daemon does not expose NAME.
histogram_quantiles() {
  awk -v name="$3" '
    FNR == 1 { file++ }
    index($0, name "_bucket{") == 1 {
      le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
      le = sprintf("%.9g", le == "+Inf" ? 1e300 : le + 0)
      if (!(le in n)) bound[++k] = le + 0
      n[le] += (file == 1 ? -$NF : $NF)
    }
    END {
      if (k == 0) exit
      for (i = 2; i <= k; i++)  # insertion sort: mawk has no asort
        for (j = i; j > 1 && bound[j - 1] > bound[j]; j--) { t = bound[j]; bound[j] = bound[j - 1]; bound[j - 1] = t }
      for (i = 1; i <= k; i++) c[i] = n[sprintf("%.9g", bound[i])]
      total = c[k]
      if (total <= 0) { print 0, "-", "-"; exit }
      printf "%d", total
      split("0.5 0.99", qs, " ")
      for (j = 1; j <= 2; j++) {
        want = qs[j] * total; lo = 0; below = 0
        for (i = 1; i < k && c[i] < want; i++) { lo = bound[i]; below = c[i] }
        hi = bound[i]
        printf " %.1f", (hi >= 1e300 ? lo : lo + (hi - lo) * (want - below) / (c[i] - below)) * 1000
      }
      print ""
    }' <(printf '%s\n' "$1") <(printf '%s\n' "$2")
}

echo
echo "== figures"
printf '  GET /api/v1/records?limit=100, wrk -c %s -t 2: %.0f req/s, p50 %s ms, p99 %s ms\n' \
  "$conns" "$api_rps" "$api_p50" "$api_p99"
printf '  the same SELECT, pgbench -M extended -c %s -j 2: %.0f tps, p50 %s ms, p99 %s ms\n' \
  "$conns" "$pg_tps" "$pg_p50" "$pg_p99"
ratio=$(awk -v a="$api_rps" -v b="$pg_tps" 'BEGIN {printf "%.2f", a / b}')
echo "  ratio API / pgbench: $ratio"
# Where the API's time goes: the daemon's CPU over the records phase, per request answered.
awk -v t="$cpu_records" -v hz="$(getconf CLK_TCK)" -v s="$secs" -v r="$api_rps" 'BEGIN {
  printf "  sluiced CPU over the records phase (its windows too): %.1f s of %d s (%.0f%% of a core), %.2f ms per request\n",
    t / hz, s, 100 * t / hz / s, 1000 * t / hz / (r * s) }'
printf '  GET /metrics, wrk -c %s -t 2: %.0f req/s, p50 %s ms, p99 %s ms (%s bytes)\n' \
  "$metrics_conns" "$met_rps" "$met_p50" "$met_p99" "$(wc -c <<<"$scrape_after")"
echo "    $(grep -vc '^#' <<<"$scrape_after") series; the most: $(grep -v '^#' <<<"$scrape_after" |
  sed 's/[{ ].*//' | sort | uniq -c | sort -rn | head -n 3 | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2}')"
echo "  claim latency, due -> claimed (ms), windows that became due in each phase:"
for name in idle pgbench records metrics; do
  read -r n p50 p99 max run50 run99 <<<"$(claims "$name")"
  printf '    %-8s n=%-4s p50 %-7s p99 %-7s max %-7s (window run, claim -> end: p50 %s p99 %s)\n' \
    "$name" "$n" "$p50" "$p99" "$max" "$run50" "$run99"
  if [ "$name" = records ]; then claim_n=$n claim_p99=$p99; fi
done
[ "${claim_n:-0}" -gt 0 ] || broke "no window became due and was claimed while wrk ran"
hist=$(histogram_quantiles "$scrape_before" "$scrape_after" sluice_claim_latency_seconds)
if [ -n "$hist" ]; then
  read -r hn hp50 hp99 <<<"$hist"
  echo "    sluice_claim_latency_seconds over the records phase: n=$hn p50 $hp50 p99 $hp99 (bucket-interpolated)"
else
  echo "    (sluice_claim_latency_seconds not exposed by this sluiced)"
fi
rss_mib=$(awk -v k="$(cat "$work/rss.peak" 2>/dev/null || echo 0)" 'BEGIN {printf "%.1f", k / 1024}')
hwm_mib=$(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}')
echo "  database connections sluiced holds now: $(psql -Atqc "SELECT string_agg(n || ' ' || a, ', ')
  FROM (SELECT application_name a, count(*) n FROM pg_stat_activity WHERE datname = 'sluice_g1'
        AND application_name LIKE 'sluice%' GROUP BY 1 ORDER BY 1) s")"
echo "  sluiced RSS: peak $rss_mib MiB sampled over the phases, VmHWM $hwm_mib MiB since start"

# verdict VALUE OP TARGET: the words the summary prints (OP: <= or >=).
verdict() {
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    ok = (op == "<=") ? (v + 0 <= t + 0) : (v + 0 >= t + 0)
    print ok ? "within target" : (op == "<=" ? "over target" : "under target") }'
}
echo
echo "== summary (G1 targets; printed, not asserted)"
printf '  %-34s %-12s %-14s %s\n' \
  "records req/s, API / pgbench" "$ratio" ">= 0.5" "$(verdict "$ratio" '>=' 0.5)" \
  "records p99 (ms)" "$api_p99" "<= 50" "$(verdict "$api_p99" '<=' 50)" \
  "/metrics p99 (ms)" "$met_p99" "<= 20" "$(verdict "$met_p99" '<=' 20)" \
  "claim p99 under API load (ms)" "$claim_p99" "<= 100" "$(verdict "$claim_p99" '<=' 100)" \
  "sluiced peak RSS, phases (MiB)" "$rss_mib" "<= 64" "$(verdict "$rss_mib" '<=' 64)"

kill "$pid"
wait "$pid" || broke "sluiced did not stop cleanly"
pid=""
rm -rf "$work"
echo "== done in $((SECONDS - started)) s"
