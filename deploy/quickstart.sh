#!/usr/bin/env bash
# README command 1: from a fresh Debian 12 machine to a running sluiced.
# Installs dependencies, builds Release, starts a private PostgreSQL under var/pg, migrates,
# loads a demo source table and leaves sluiced running in the background on the demo
# pipelines; it prints how to watch, backfill and query them. Running it again restarts the
# daemon and reuses the cluster and the data.
#   deploy/quickstart.sh --foreground  run sluiced in the foreground instead (Ctrl-C drains it)
#   deploy/quickstart.sh --no-daemon   stop after the first pass and the summary
#   deploy/quickstart.sh --stop        drain the daemon (SIGTERM) and stop the cluster
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# shellcheck source=deploy/lib/pg.sh
source deploy/lib/pg.sh
pidfile=var/quickstart/sluiced.pid
stop_daemon() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill -TERM "$(cat "$pidfile")"
    while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.2; done
    echo "quickstart: sluiced drained and stopped"
  fi
  rm -f "$pidfile"
}
if [ "${1:-}" = "--stop" ]; then
  stop_daemon
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
stop_daemon
rm -rf var/quickstart
mkdir -p var/quickstart var/stage
cp -r config/examples/quickstart.yaml config/examples/quickstart.d var/quickstart/
sed -i "s/^\(\s*start_date:\).*/\1 \"$start_day\"/" var/quickstart/quickstart.d/*.yaml
config=var/quickstart/quickstart.yaml
# The console's sign-in token: random, kept (mode 600) so a second run keeps the same one.
umask_was=$(umask)
umask 077
[ -s var/quickstart-token ] || openssl rand -hex 24 >var/quickstart-token
umask "$umask_was"
SLUICE_QUICKSTART_TOKEN=$(cat var/quickstart-token)
export SLUICE_QUICKSTART_TOKEN

psql -q -v ON_ERROR_STOP=1 -v start_day="$start_day" -f deploy/quickstart/demo.sql
"$build/daemon/sluicectl" --config "$config" db migrate
"$build/daemon/sluicectl" --config "$config" validate
# demo_daily's table, from its ddl (a second run finds it and checks its columns).
"$build/daemon/sluicectl" --config "$config" deploy demo_daily

summary() {
  psql -q -P pager=off -c "
    SELECT pipeline_id, pipeline_status, count(*) AS windows,
           min(window_start_time) AS first_window, max(window_end_time) AS last_window_end,
           sum(source_count) AS source_rows, sum(target_count) AS target_rows
      FROM pipeline_records GROUP BY 1, 2 ORDER BY 1, 2;" \
    -c "SELECT count(*) AS rows_in_demo_events_copy FROM demo.events_copy;" \
    -c "SELECT day, sum(events) AS events, sum(amount) AS amount
          FROM demo.events_daily GROUP BY day ORDER BY day;"
}

echo "quickstart: first pass: every due window of the last three days (sluicectl run-once)"
"$build/daemon/sluicectl" --config "$config" run-once 2>var/quickstart/run-once.log || {
  tail -n 20 var/quickstart/run-once.log
  exit 1
}
summary

if [ "${1:-}" = "--no-daemon" ]; then exit 0; fi

ctl="$build/daemon/sluicectl --config $config"
if [ "${1:-}" = "--foreground" ]; then
  echo "quickstart: starting sluiced on $config (Ctrl-C drains and stops it)"
  status=0
  "$build/daemon/sluiced" --config "$config" || status=$?
  summary
  exit $status
fi

# The daemon keeps running: each minute its cron tick creates the hour that became due,
# LISTEN/NOTIFY wakes it at once for new records and backfill requests.
nohup "$build/daemon/sluiced" --config "$config" >var/quickstart/sluiced.log 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 50); do
  grep -q "notifications on" var/quickstart/sluiced.log 2>/dev/null && break
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -n 20 var/quickstart/sluiced.log; exit 1; }
  sleep 0.2
done
echo "quickstart: sluiced runs in the background (pid $(cat "$pidfile")), log in var/quickstart/sluiced.log"
echo "quickstart: the web console: http://127.0.0.1:8470/"
echo "quickstart:   sign in with the token $SLUICE_QUICKSTART_TOKEN (kept in var/quickstart-token)"
# Windows before the pipeline's start_date are never made, so the example reprocesses the
# demo's first day, which exists.
from=$(date -u -d "$start_day" +%Y-%m-%dT00:00:00Z)
to=$(date -u -d "$start_day + 1 day" +%Y-%m-%dT00:00:00Z)
cat <<MSG

What next (the shell needs: export SLUICE_DATABASE_URL=$SLUICE_DATABASE_URL)
  Watch it:
    tail -f var/quickstart/sluiced.log
    $ctl status
  Reprocess the demo's first day as a backfill (the daemon picks the request up at once):
    $ctl backfill demo_events --from $from --to $to --reprocess all -y --wait
  or raise the trigger flag with plain SQL:
    psql "\$SLUICE_DATABASE_URL" -c "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, reprocess)
      VALUES ('demo_events', '$from', '$to', 'all')"
  Query the records:
    psql "\$SLUICE_DATABASE_URL" -c "SELECT window_start_time, pipeline_status, source_count, target_count
      FROM pipeline_records WHERE pipeline_id = 'demo_events' ORDER BY window_start_time DESC LIMIT 10"
    psql "\$SLUICE_DATABASE_URL" -c 'SELECT * FROM pipeline_summary'
    ls sql/queries/          # more operator queries: backlog, failed_recently, stuck_windows, ...
  Reload after editing var/quickstart/quickstart.d/*.yaml:  kill -HUP \$(cat $pidfile)
  Stop (drains running windows, then stops PostgreSQL):     deploy/quickstart.sh --stop
MSG
