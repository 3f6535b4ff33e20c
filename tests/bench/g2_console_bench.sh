#!/usr/bin/env bash
# The G2 benchmark of the web console in headless Chromium (Debian's, driven by
# playwright-core from tests/browser), on a private PostgreSQL and a Release sluiced:
#   pipelines  time to a rendered pipelines page of 500 pipelines (24 recent windows each),
#              against the baseline of the same page fetching the same JSON without rendering
#   grid       time to a rendered window grid of 2,000 windows, against its two JSON pages
#   transfer   bytes of the whole console as served gzip-compressed (every embedded file),
#              against the files' plain size
# Each time is the median of SLUICE_BENCH_RUNS (7) page loads in a fresh page. Targets: 1 s
# per page, 150 KB compressed. Printed, never asserted: it fails only when something broke.
# Knobs: SLUICE_BENCH_PIPELINES (500), SLUICE_BENCH_WINDOWS (2000), SLUICE_BENCH_RUNS (7).
set -euo pipefail
cd "$(dirname "$0")/../.."
pipelines=${SLUICE_BENCH_PIPELINES:-500}
windows=${SLUICE_BENCH_WINDOWS:-2000}
[ -d tests/browser/node_modules/playwright-core ] ||
  (cd tests/browser && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build sluiced sluicectl
bench_pg sluice_g2
bench_work_dir
work=$SLUICE_BENCH_WORK_DIR
port=$(pg_free_port 18471)
export SLUICE_G2_TOKEN=g2-bench-viewer-token-0123456789

mkdir -p "$work/pipelines.d"
cat >"$work/sluice.yaml" <<YAML
database:
  url: \${env:SLUICE_DATABASE_URL}
stage:
  root: stage
log:
  level: warn
pipelines_dir: pipelines.d
http:
  listen: 127.0.0.1:$port
  tokens:
    - name: bench
      role: viewer
      token: \${env:SLUICE_G2_TOKEN}
connections:
  db:
    kind: postgres
    url: \${env:SLUICE_DATABASE_URL}
YAML
# Paused pipelines over a range that ends where the seeded records end: the daemon runs
# nothing while the pages are measured.
pipeline() {  # ID DESCRIPTION TAGS END
  cat >"$work/pipelines.d/$1.yaml" <<YAML
id: $1
description: $2
tags: [$3]
source: {connection: db, table: g2_src, time_column: event_time}
target: {connection: db, table: g2_dst}
schedule: {timezone: Europe/Zurich}
window: {granularity: 1h, start_date: "2026-01-01", end_date: "$4"}
paused: true
YAML
}
for ((p = 0; p < pipelines; p++)); do
  pipeline "$(printf 'p%03d' "$p")" "pipeline $p of the console benchmark" "bench, group$((p % 7))" \
    2026-01-02
done
pipeline big "the benchmark's grid of $windows windows" bench \
  "$(date -u -d "2026-01-01 + $((windows / 24 + 1)) days" +%F)"

"$build/daemon/sluicectl" -c "$work/sluice.yaml" db migrate >/dev/null
psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE g2_src (event_time timestamptz NOT NULL);
CREATE TABLE g2_dst (LIKE g2_src);
INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
    time_interval, pipeline_status, source_count, target_count, pipeline_start_time,
    pipeline_end_time)
SELECT id, (w AT TIME ZONE 'Europe/Zurich')::date, w, w + interval '1 hour', '1h',
       CASE WHEN i % 50 = 7 THEN 'FAILED' WHEN i % 20 = 3 THEN 'SKIPPED' ELSE 'SUCCESS' END,
       100 + i % 13, 100 + i % 13, w + interval '1 hour', w + interval '1 hour 2.5 seconds'
  FROM (SELECT format('p%s', lpad(p::text, 3, '0')) AS id, 24 AS n
          FROM generate_series(0, $pipelines - 1) p
        UNION ALL SELECT 'big', $windows) s,
       generate_series(0, s.n - 1) i,
       LATERAL (SELECT timestamptz '2025-12-31 23:00+00' + i * interval '1 hour' AS w) x;
VACUUM ANALYZE;
SQL
echo "== seeded $(psql -Atqc 'SELECT count(*) FROM pipeline_records') records of" \
     "$((pipelines + 1)) pipelines; Chromium $(chromium --version 2>/dev/null | cut -d' ' -f2)"

"$build/daemon/sluiced" -c "$work/sluice.yaml" >"$work/sluiced.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "g2: sluiced did not start" >&2; tail -n 20 "$work/sluiced.log" >&2; exit 1; }
  sleep 0.2
done

# What the console weighs on the wire: every embedded file, as served.
plain=0 packed=0 files=0
while IFS= read -r file; do
  rel=${file#daemon/console/}
  path=/console/$rel
  [ "$rel" = index.html ] && path=/
  size=$(curl -sf -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' \
    "http://127.0.0.1:$port$path")
  packed=$((packed + size))
  plain=$((plain + $(stat -c %s "$file")))
  files=$((files + 1))
done < <(find daemon/console -type f \( -name '*.html' -o -name '*.css' -o -name '*.mjs' \
  -o -name '*.js' -o -name '*.svg' \))

SLUICE_CONSOLE_URL="http://127.0.0.1:$port" SLUICE_BENCH_PIPELINES=$pipelines \
  SLUICE_BENCH_WINDOWS=$windows node tests/bench/g2_console_bench.mjs
printf '%-10s %8d bytes gzip for %d files (%d bytes plain, ratio %.2f)   target <= 153600\n' \
  transfer "$packed" "$files" "$plain" "$(echo "$packed / $plain" | bc -l)"
kill -0 "$pid" || { echo "g2: sluiced died" >&2; tail -n 20 "$work/sluiced.log" >&2; exit 1; }
