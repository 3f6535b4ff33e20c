#!/usr/bin/env bash
# README command 1: from a fresh Debian 12 machine to a running sluiced.
# Installs dependencies, builds Release, starts a private PostgreSQL under var/pg, migrates,
# loads a demo source table and runs sluiced in the foreground (Ctrl-C stops it).
# Running it again reuses the cluster and the data.
#   deploy/quickstart.sh --no-daemon   stop after the first pass and the summary
#   deploy/quickstart.sh --stop        stop the cluster
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
if [ "${1:-}" = "--stop" ]; then
  pg_stop "$root/var/pg"
  echo "quickstart: PostgreSQL stopped"
  exit 0
fi

./deploy/install-deps.sh

build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"

pg_start "$root/var/pg" sluice
echo "quickstart: PostgreSQL at $SLUICE_DATABASE_URL (data in $SLUICE_PG_DIR)"

# The example config, copied to var/quickstart with the demo's start date three days back,
# so the windows of the last days are due now.
start_day=$(date -u -d '3 days ago' +%Y-%m-%d)
rm -rf var/quickstart
mkdir -p var/quickstart var/stage
cp -r config/examples/quickstart.yaml config/examples/quickstart.d var/quickstart/
sed -i "s/^\(\s*start_date:\).*/\1 \"$start_day\"/" var/quickstart/quickstart.d/*.yaml
config=var/quickstart/quickstart.yaml

psql -q -v ON_ERROR_STOP=1 -v start_day="$start_day" -f deploy/quickstart/demo.sql
"$build/daemon/sluicectl" --config "$config" db migrate
"$build/daemon/sluicectl" --config "$config" validate

summary() {
  psql -q -P pager=off -c "
    SELECT pipeline_id, pipeline_status, count(*) AS windows,
           min(window_start_time) AS first_window, max(window_end_time) AS last_window_end,
           sum(source_count) AS source_rows, sum(target_count) AS target_rows
      FROM pipeline_records GROUP BY 1, 2 ORDER BY 1, 2;" \
    -c "SELECT count(*) AS rows_in_demo_events_copy FROM demo.events_copy;"
}

echo "quickstart: first pass: every due window of the last three days (sluicectl run-once)"
"$build/daemon/sluicectl" --config "$config" run-once 2>var/quickstart/run-once.log || {
  tail -n 20 var/quickstart/run-once.log
  exit 1
}
summary

if [ "${1:-}" = "--no-daemon" ]; then exit 0; fi

echo "quickstart: starting sluiced on $config (Ctrl-C to stop)"
status=0
"$build/daemon/sluiced" --config "$config" || status=$?
summary
cat <<MSG

quickstart: sluiced exited with status $status. PostgreSQL keeps running:
  psql "$SLUICE_DATABASE_URL" -c 'select * from pipeline_summary'
  deploy/quickstart.sh --stop     # stop the cluster
MSG
exit $status
