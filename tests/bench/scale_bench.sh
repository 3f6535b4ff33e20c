#!/usr/bin/env bash
# The scale benchmark (G7) on a private PostgreSQL: how sluice's costs grow with the number
# of records, pipelines and daemons. At each scale point (RECORDS x PIPELINES) it writes the
# fleet's pipeline files, fills a fresh database by SQL (tests/bench/scale/seed.hpp: a
# realistic mix of SUCCESS, SKIPPED, FAILED, a PENDING backlog, running windows, backfill and
# manual triggers, 15m/1h/2h/1d windows in seven zones; the live part depends on the pipelines
# only), runs ANALYZE, then measures (each figure the median of SLUICE_SCALE_REPEATS runs):
#   - the claim with 1, 4 and 8 claimer processes on the database (the product's claim, each
#     window released at once): p50/p99 latency and claims/s
#   - the operator views: the README's sql/queries/*.sql and plain SELECTs, one pipeline's too
#   - one cron tick's record generation, every pipeline having one window due (the
#     scheduler's tasks::generate_all with a passed `now`)
#   - the size of pipeline_records and its indexes per million records
#   - `sluicectl validate` (loading the files alone), `status` (from its cache, and with
#     --no-cache), `records list` with each filter, `records show`
#   - sluiced with every pipeline loaded (paused in the database, so nothing is claimed):
#     its start, its idle CPU and RSS over SLUICE_SCALE_IDLE_SECONDS and the CPU of the
#     PostgreSQL server meanwhile, then the API's list routes and /metrics
# Then it prints one table of every figure by scale point, the growth from the smallest to
# the largest point (along each axis too), and the G7 targets beside them: printed, never
# asserted; the figures stay in var/bench-scale-figures.tsv. It fails only when something
# broke. Builds Release under build/bench, stops the cluster at the end.
#
# Default points (SLUICE_SCALE_POINTS, RECORDSxPIPELINES, k and M allowed): the records axis
# at 1,000 pipelines, the pipelines axis at 1 M records, and 10 M records x 10,000 pipelines
# where the targets are stated:
#   "10kx1000 1Mx100 1Mx1000 1Mx10000 10Mx1000 10Mx10000"   (1 h 50 min on 2 busy cores)
# A quick run: SLUICE_SCALE_POINTS="10kx100 100kx1000" SLUICE_SCALE_REPEATS=1 \
#              SLUICE_SCALE_SECONDS=2 SLUICE_SCALE_IDLE_SECONDS=5 tests/bench/scale_bench.sh
# Knobs: SLUICE_SCALE_REPEATS (3), SLUICE_SCALE_FIGURE_SECONDS (60: no further run of a
# figure once its runs took this long), SLUICE_SCALE_SECONDS (5: each claim run),
# SLUICE_SCALE_CLAIMERS ("1 4 8"), SLUICE_SCALE_IDLE_SECONDS (30), SLUICE_PG_OPTIONS (server
# options, added to the -c max_wal_size=4GB the seed needs), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$SECONDS
points=${SLUICE_SCALE_POINTS:-10kx1000 1Mx100 1Mx1000 1Mx10000 10Mx1000 10Mx10000}
export SLUICE_SCALE_REPEATS=${SLUICE_SCALE_REPEATS:-3}
repeats=$SLUICE_SCALE_REPEATS
idle_seconds=${SLUICE_SCALE_IDLE_SECONDS:-30}
export SLUICE_SCALE_FIGURE_SECONDS=${SLUICE_SCALE_FIGURE_SECONDS:-60}
figure_seconds=$SLUICE_SCALE_FIGURE_SECONDS
export SLUICE_SCALE_VIEWER_TOKEN=scale-bench-viewer-token-0123 SLUICE_SCALE_ADMIN_TOKEN=scale-bench-admin-token-0123

command -v curl >/dev/null || { echo "scale: no curl (run deploy/install-deps.sh)" >&2; exit 1; }

# count TEXT: 10k -> 10000, 1M -> 1000000.
count() {
  case "$1" in
    *k) echo $((${1%k} * 1000)) ;;
    *M) echo $((${1%M} * 1000000)) ;;
    *) echo "$1" ;;
  esac
}
for point in $points; do
  [[ $point =~ ^[0-9]+[kM]?x[0-9]+[kM]?$ ]] || { echo "scale: bad point '$point' (RECORDSxPIPELINES)" >&2; exit 2; }
done

# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
bench_build bench_scale sluiced sluicectl
SLUICE_PG_OPTIONS="-c max_wal_size=4GB ${SLUICE_PG_OPTIONS:-}" bench_pg scale_bench
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores," \
     "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)," \
     "shared_buffers $(psql -Atqc 'SHOW shared_buffers'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
server_url=$SLUICE_DATABASE_URL
url="postgresql://sluice@127.0.0.1:$PGPORT/sluice_scale"
bench_work_dir
work=$SLUICE_BENCH_WORK_DIR
figures="$work/figures.tsv"
: >"$figures"
sluicectl="$root/$build/daemon/sluicectl"
sluiced="$root/$build/daemon/sluiced"

broke() {
  echo "scale: $*" >&2
  [ -f "${dir:-/nonexistent}/sluiced.log" ] && tail -n 20 "$dir/sluiced.log" >&2
  exit 1
}
fig() { printf '%s\t%s\t%s\n' "$name" "$1" "$2" >>"$figures"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# median VALUES...: the middle one (the mean of the two middle ones).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# more_runs DONE FIRST: whether a figure gets another run: SLUICE_SCALE_REPEATS of them, fewer
# once they took SLUICE_SCALE_FIGURE_SECONDS in all (FIRST: $SECONDS at the first).
more_runs() { [ "$1" -lt "$repeats" ] && { [ "$1" = 0 ] || [ $((SECONDS - $2)) -lt "$figure_seconds" ]; }; }

# time_ctl KEY ARGS...: `sluicectl ARGS` (exit 0, or 1: it found a failed window), median ms.
time_ctl() {
  local key=$1 t0 rc first=$SECONDS runs=()
  shift
  while more_runs ${#runs[@]} "$first"; do
    t0=$(now_ms)
    rc=0
    "$sluicectl" -c "$dir/sluice.yaml" "$@" >"$dir/ctl.out" 2>"$dir/ctl.err" || rc=$?
    runs+=($(($(now_ms) - t0)))
    [ "$rc" -le 1 ] || broke "sluicectl $* exited $rc: $(head -c 300 "$dir/ctl.err")"
  done
  fig "$key" "$(median "${runs[@]}")"
  echo "   sluicectl $*: [${runs[*]}] ms, $(wc -l <"$dir/ctl.out") lines"
}

# time_api KEY PATH [TOKEN]: GET PATH on the daemon (200 expected), median ms.
time_api() {
  local key=$1 path=$2 token=${3:-$SLUICE_SCALE_VIEWER_TOKEN} out code secs first=$SECONDS runs=()
  while more_runs ${#runs[@]} "$first"; do
    out=$(curl -s -o "$dir/api.out" -w '%{http_code} %{time_total}' \
      -H "Authorization: Bearer $token" "$base$path")
    read -r code secs <<<"$out"
    [ "$code" = 200 ] || broke "GET $path answered $code: $(head -c 300 "$dir/api.out")"
    runs+=("$(awk -v s="$secs" 'BEGIN {printf "%.1f", s * 1000}')")
  done
  fig "$key" "$(median "${runs[@]}")"
  echo "   GET $path: [${runs[*]}] ms, $(wc -c <"$dir/api.out") bytes"
}

# ticks PID...: user + system CPU of the processes, in clock ticks (those gone count 0).
ticks() {
  local p total=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
postgres_pids() { ps -o pid= --ppid "$(head -n 1 "$SLUICE_PG_DIR/data/postmaster.pid")"; }
records_count() { psql -d sluice_scale -Atqc "SELECT count(*) FROM pipeline_records"; }

run_daemon() {
  # Nothing may be claimed while it idles: every pipeline paused, as `sluicectl pause` does.
  psql -d sluice_scale -q -v ON_ERROR_STOP=1 -c "UPDATE pipelines SET paused = true,
    paused_by = 'scale benchmark', paused_at = now()"
  local t0 ready_s ready=0 before after stable pg_pids pg0 pg1 cpu0 cpu1 rss hwm hz
  t0=$(now_ms)
  "$sluiced" -c "$dir/sluice.yaml" >"$dir/sluiced.log" 2>&1 &
  pid=$!
  for _ in $(seq 18000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ]; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || broke "sluiced exited"
    sleep 0.1
  done
  [ $ready = 1 ] || broke "sluiced not ready after 30 minutes"
  ready_s=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN {print ms / 1000}')
  fig daemon_ready_s "$ready_s"
  # Idle: nothing to claim, and no cron tick in the window (15-minute pipelines every quarter
  # hour, hourly ones at :05 and :35, which at 10,000 pipelines keep the daemon busy for
  # minutes): it starts once no record was made for 30 s, and is measured again (3 times at
  # most) when a tick made windows in it; those are counted beside the CPU.
  local attempt settled
  for attempt in 1 2 3; do
    settled=$SECONDS
    stable=$SECONDS
    before=-1
    while [ $((SECONDS - settled)) -lt 600 ]; do
      after=$(records_count)
      [ "$after" = "$before" ] && [ $((SECONDS - stable)) -ge 30 ] && break
      [ "$after" = "$before" ] || stable=$SECONDS
      before=$after
      sleep 5
    done
    read -ra pg_pids <<<"$(postgres_pids | tr '\n' ' ')"
    cpu0=$(ticks "$pid")
    pg0=$(ticks "${pg_pids[@]}")
    sleep "$idle_seconds"
    cpu1=$(ticks "$pid")
    pg1=$(ticks "${pg_pids[@]}")
    before=$after
    after=$(records_count)
    [ "$after" = "$before" ] && break
  done
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
  hz=$(getconf CLK_TCK)
  fig idle_cpu_pct "$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v s="$idle_seconds" 'BEGIN {print 100 * t / hz / s}')"
  fig idle_pg_cpu_pct "$(awk -v t=$((pg1 - pg0)) -v hz="$hz" -v s="$idle_seconds" 'BEGIN {print 100 * t / hz / s}')"
  fig idle_windows_made $((after - before))
  fig idle_rss_mib "$(awk -v k="$rss" 'BEGIN {print k / 1024}')"
  fig daemon_hwm_mib "$(awk -v k="$hwm" 'BEGIN {print k / 1024}')"
  echo "   sluiced: ready in $ready_s s, idle from $(awk -v ms=$(($(now_ms) - t0)) -v i="$idle_seconds" 'BEGIN {print ms / 1000 - i}') s after its start" \
       "(attempt $attempt); idle ${idle_seconds} s: $((cpu1 - cpu0)) ticks, PostgreSQL $((pg1 - pg0)) ticks, $((after - before)) windows made;" \
       "RSS $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB"

  time_api api_pipelines /api/v1/pipelines
  time_api api_records "/api/v1/records?limit=100"
  time_api api_records_pipeline "/api/v1/records?pipeline=$SCALE_PIPELINE&order=newest&limit=100"
  time_api api_records_status "/api/v1/records?status=FAILED&limit=100"
  time_api api_records_range "/api/v1/records?from=$SCALE_FROM&to=$SCALE_TO&limit=100"
  time_api api_records_trigger "/api/v1/records?trigger=backfill&limit=100"
  time_api api_locks /api/v1/locks
  time_api api_backfills /api/v1/backfills
  time_api api_audit_log /api/v1/audit-log "$SLUICE_SCALE_ADMIN_TOKEN"
  time_api api_metrics /metrics
  kill "$pid"
  wait "$pid" || broke "sluiced did not stop cleanly"
  pid=""
}

names=()
for point in $points; do
  records=$(count "${point%x*}")
  pipelines=$(count "${point#*x}")
  name=$point
  names+=("$name")
  dir="$work/$name"
  mkdir -p "$dir"
  t_point=$SECONDS
  echo
  echo "######## $records records, $pipelines pipelines (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  port=$(pg_free_port 18480)
  base="http://127.0.0.1:$port"
  if ! SLUICE_BENCH_DATABASE_URL=$server_url "$build/tests/bench_scale" "$dir" "$records" \
    "$pipelines" "$port" | tee "$dir/bench.out" | { grep --line-buffered -v '^FIG ' || true; }; then
    broke "bench_scale failed at $point"
  fi
  awk -v n="$name" '$1 == "FIG" {printf "%s\t%s\t%s\n", n, $2, $3}' "$dir/bench.out" >>"$figures"
  # shellcheck source=/dev/null
  source "$dir/point.env"
  export SLUICE_DATABASE_URL=$url SLUICE_CACHE_DIR="$dir/cache"
  # As a running daemon's metrics refresh does: the seed leaves each pipeline's newest
  # scheduled window to the first fold, which status would otherwise find out by itself.
  psql "$url" -qAtc "SELECT sluice_fold_counts()" >/dev/null
  time_ctl ctl_validate validate
  time_ctl ctl_status_files status --no-cache
  # The first run reads every file and writes status's cache entry; the others read the entry.
  time_ctl ctl_status status
  time_ctl ctl_list records list
  time_ctl ctl_list_pipeline records list -p "$SCALE_PIPELINE"
  time_ctl ctl_list_status records list --status failed
  time_ctl ctl_list_range records list --from "$SCALE_FROM" --to "$SCALE_TO"
  time_ctl ctl_list_trigger records list --trigger backfill
  time_ctl ctl_list_id records list --id "$SCALE_RECORD_ID"
  time_ctl ctl_list_tag records list --tag "$SCALE_TAG"
  time_ctl ctl_show records show "$SCALE_RECORD_ID"
  run_daemon
  fig load_average "$(cut -d' ' -f1 /proc/loadavg)"
  echo "   point done in $((SECONDS - t_point)) s"
done

echo
cp "$figures" var/bench-scale-figures.tsv
awk -f tests/bench/scale/report.awk -v points="${names[*]}" "$figures"
echo "   (the figures are kept in var/bench-scale-figures.tsv: awk -f tests/bench/scale/report.awk" \
     "-v points=\"${names[*]}\" var/bench-scale-figures.tsv prints this table again)"
rm -rf "$work"
echo "== done in $((SECONDS - started)) s"
