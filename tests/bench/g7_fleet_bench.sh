#!/usr/bin/env bash
# The fleet of pipeline files (G7) on a private PostgreSQL: this tree's sluicectl and sluiced
# against a baseline's (another build's binaries), on one fleet and one database. It writes
# SLUICE_FLEET_PIPELINES pipeline files and seeds SLUICE_FLEET_RECORDS records as the scale
# benchmark does (tests/bench/scale.cpp with SLUICE_SCALE_SEED_ONLY=1), then for each build:
#   - `sluicectl validate`, `status`, `status ID`, `records list`, `records list -p ID`,
#     `records list --id RECORD`, `records show RECORD`, `pause ID` (median of
#     SLUICE_FLEET_REPEATS runs, ms)
#   - sluiced from its start to /readyz with no version of the files stored yet (each file's
#     text is stored), then its idle CPU and RSS over SLUICE_FLEET_IDLE_SECONDS (every
#     pipeline paused in the database, so nothing is claimed), then a restart to /readyz
#     (every text stored already)
# Printed with the ratio new / baseline, never asserted.
# Usage: tests/bench/g7_fleet_bench.sh [BASELINE_BUILD_DIR]: the baseline's binaries are its
#        daemon/sluiced and daemon/sluicectl; without it, the commit SLUICE_FLEET_BASELINE
#        (main) is extracted under var/bench-fleet-base and built Release there (ccache helps).
# Knobs: SLUICE_FLEET_PIPELINES (10000), SLUICE_FLEET_RECORDS (10000), SLUICE_FLEET_REPEATS
# (3), SLUICE_FLEET_IDLE_SECONDS (30), SLUICE_FLEET_BASELINE (main), SLUICE_JOBS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=tests/bench/bench_lib.sh
source tests/bench/bench_lib.sh
if [ $# = 0 ]; then
  base_src="$root/var/bench-fleet-base"
  rm -rf "$base_src"
  mkdir -p "$base_src"
  git archive "${SLUICE_FLEET_BASELINE:-main}" | tar -x -C "$base_src"
  echo "== baseline: ${SLUICE_FLEET_BASELINE:-main} in $base_src"
  (cd "$base_src" && bench_build sluiced sluicectl)
  set -- "$base_src/build/bench"
fi
if [ $# != 1 ] || [ ! -x "$1/daemon/sluiced" ] || [ ! -x "$1/daemon/sluicectl" ]; then
  echo "usage: $0 [BASELINE_BUILD_DIR] (holding daemon/sluiced and daemon/sluicectl)" >&2
  exit 2
fi
base_build=$(cd "$1" && pwd)
pipelines=${SLUICE_FLEET_PIPELINES:-10000}
records=${SLUICE_FLEET_RECORDS:-10000}
repeats=${SLUICE_FLEET_REPEATS:-3}
idle_seconds=${SLUICE_FLEET_IDLE_SECONDS:-30}
command -v curl >/dev/null || { echo "fleet: no curl (run deploy/install-deps.sh)" >&2; exit 1; }

bench_build bench_scale sluiced sluicectl
bench_pg fleet_bench
server_url=$SLUICE_DATABASE_URL
bench_work_dir
dir=$SLUICE_BENCH_WORK_DIR
port=$(pg_free_port 18490)
base="http://127.0.0.1:$port"
echo "== PostgreSQL $(psql -Atqc 'SHOW server_version') on port $PGPORT, $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $pipelines pipeline files, $records records"
SLUICE_SCALE_SEED_ONLY=1 SLUICE_SCALE_DATABASE=sluice_fleet SLUICE_BENCH_DATABASE_URL=$server_url \
  "$build/tests/bench_scale" "$dir" "$records" "$pipelines" "$port" >/dev/null
# shellcheck source=/dev/null
source "$dir/point.env"
export SLUICE_DATABASE_URL="postgresql://sluice@127.0.0.1:$PGPORT/sluice_fleet"
export SLUICE_SCALE_VIEWER_TOKEN=fleet-bench-viewer-token-0123 SLUICE_SCALE_ADMIN_TOKEN=fleet-bench-admin-token-0123

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ticks() { [ -r "/proc/$1/stat" ] && sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}' || echo 0; }
declare -A fig

# time_ctl SIDE KEY ARGS...: sluicectl ARGS (exit 0, or 1: a failed window was found), median ms.
time_ctl() {
  local side=$1 key=$2 t0 rc runs=() i
  shift 2
  for ((i = 0; i < repeats; i++)); do
    t0=$(now_ms)
    rc=0
    "${!side}/daemon/sluicectl" -c "$dir/sluice.yaml" "$@" >"$dir/ctl.out" 2>"$dir/ctl.err" || rc=$?
    runs+=($(($(now_ms) - t0)))
    [ "$rc" -le 1 ] || { echo "fleet: $side sluicectl $* exited $rc: $(head -c 300 "$dir/ctl.err")" >&2; exit 1; }
  done
  fig[$side.$key]=$(median "${runs[@]}")
  echo "   $side sluicectl $*: [${runs[*]}] ms"
}

# ready SIDE KEY: starts sluiced, the seconds to /readyz as figure KEY; its pid in `pid`.
ready() {
  local t0 i
  t0=$(now_ms)
  "${!1}/daemon/sluiced" -c "$dir/sluice.yaml" >>"$dir/sluiced.$1.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 18000; i++)); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
    kill -0 "$pid" 2>/dev/null || { echo "fleet: $1 sluiced exited" >&2; tail -n 20 "$dir/sluiced.$1.log" >&2; exit 1; }
    sleep 0.1
  done
  fig[$1.$2]=$(awk -v ms=$(($(now_ms) - t0)) 'BEGIN {print ms / 1000}')
}

stop() {
  kill "$pid"
  wait "$pid" || { echo "fleet: sluiced did not stop cleanly" >&2; exit 1; }
  pid=""
}

run_daemon() {
  local side=$1 cpu0 cpu1 made0 made1 hz
  psql -d sluice_fleet -q -v ON_ERROR_STOP=1 -c "UPDATE pipelines SET paused = true,
    paused_by = 'fleet benchmark', paused_at = now()" -c "TRUNCATE pipeline_definitions"
  ready "$side" ready_s
  sleep 10
  made0=$(psql -d sluice_fleet -Atqc "SELECT count(*) FROM pipeline_records")
  cpu0=$(ticks "$pid")
  sleep "$idle_seconds"
  cpu1=$(ticks "$pid")
  made1=$(psql -d sluice_fleet -Atqc "SELECT count(*) FROM pipeline_records")
  hz=$(getconf CLK_TCK)
  fig[$side.idle_cpu_pct]=$(awk -v t=$((cpu1 - cpu0)) -v hz="$hz" -v s="$idle_seconds" 'BEGIN {printf "%.2f", 100 * t / hz / s}')
  fig[$side.idle_rss_mib]=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  fig[$side.peak_rss_mib]=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  fig[$side.versions]=$(psql -d sluice_fleet -Atqc "SELECT count(*) FROM pipeline_definitions")
  echo "   $side sluiced: ready in ${fig[$side.ready_s]} s, idle ${idle_seconds} s: $((cpu1 - cpu0)) ticks," \
       "$((made1 - made0)) windows made; RSS ${fig[$side.idle_rss_mib]} MiB, peak ${fig[$side.peak_rss_mib]} MiB," \
       "${fig[$side.versions]} versions stored (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  stop
  ready "$side" restart_s
  stop
  echo "   $side sluiced restarted (every text stored): ready in ${fig[$side.restart_s]} s"
}

new_build="$root/$build"
keys=(validate status status_id list list_id list_record show pause ready_s restart_s idle_cpu_pct idle_rss_mib peak_rss_mib)
for side in base_build new_build; do
  echo "== ${side%_build}: ${!side} (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  time_ctl $side validate validate
  time_ctl $side status status
  time_ctl $side status_id status "$SCALE_PIPELINE"
  time_ctl $side list records list
  time_ctl $side list_id records list -p "$SCALE_PIPELINE"
  time_ctl $side list_record records list --id "$SCALE_RECORD_ID"
  time_ctl $side show records show "$SCALE_RECORD_ID"
  time_ctl $side pause pause "$SCALE_PIPELINE"
  run_daemon $side
done

echo
printf '%-16s %12s %12s %8s\n' figure baseline new new/base
for key in "${keys[@]}"; do
  b=${fig[base_build.$key]} n=${fig[new_build.$key]}
  printf '%-16s %12s %12s %8s\n' "$key" "$b" "$n" "$(awk -v b="$b" -v n="$n" 'BEGIN {if (b > 0) printf "%.3f", n / b; else print "-"}')"
done
echo "   (ms for the sluicectl calls; load average $(cut -d' ' -f1-3 /proc/loadavg))"
rm -rf "$dir"
