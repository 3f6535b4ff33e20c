#!/usr/bin/env bash
# The web console's browser suite (ctest, label browser): a database of its own on the test
# PostgreSQL (SLUICE_TEST_DATABASE_URL), seeded with pipelines in known states, a real
# sluiced serving the console, and Debian's Chromium driven by playwright-core
# (tests/browser/console.test.mjs). A second sluiced on the same database signs sessions out
# after 3 s, for the expiry test. Screenshots of every page at 1280x800 and 390x844 go to
# ARTIFACT_DIR.
#   tests/browser/run.sh BIN_DIR ARTIFACT_DIR    (BIN_DIR holds sluiced and sluicectl)
# npm ci in tests/browser first (deploy/test.sh does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$1" && pwd)
mkdir -p "$2"
artifacts=$(cd "$2" && pwd)
: "${SLUICE_TEST_DATABASE_URL:?the test PostgreSQL (deploy/test.sh starts one)}"
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "browser: playwright-core is not installed: (cd tests/browser && npm ci)" >&2
  exit 1
fi
chromium=${SLUICE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "browser: no Chromium at $chromium (deploy/install-deps.sh)" >&2; exit 1; }

work=$(mktemp -d)
db="sluice_browser_$$"
url="${SLUICE_TEST_DATABASE_URL%/*}/$db"
cleanup() {
  # Every daemon started, from its pid file: one that never came up is stopped too.
  for f in "$work"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null || true; done
  for f in "$work"/*.pid; do
    [ -f "$f" ] || continue
    for _ in $(seq 1 300); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$(cat "$f")" 2>/dev/null || true
  done
  psql -q "$SLUICE_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -q -v ON_ERROR_STOP=1 "$SLUICE_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null

mkdir -p "$work/pipelines" "$work/stage"
daemon_file() {  # SESSION_TTL
  cat <<YAML
stage:
  root: stage
workers: 2
log:
  level: info
  format: text
timezone: UTC
pipelines_dir: pipelines
http:
  listen: 127.0.0.1:0
  session_ttl: $1
  tokens:
    - {name: anna, role: viewer, token: browser-viewer-token-0001}
    - {name: olaf, role: operator, token: browser-operator-token-0001}
    - {name: root, role: admin, token: browser-admin-token-0001}
connections:
  demo:
    kind: postgres
    description: the browser suite's own database
    url: $url
YAML
}
daemon_file 12h >"$work/sluice.yaml"
daemon_file 3s >"$work/short.yaml"

pipeline() {  # ID ZONE FROM TO TARGET PAUSED DESCRIPTION
  cat >"$work/pipelines/$1.yaml" <<YAML
id: $1
description: '$7'
tags: [browser, $2]
source:
  connection: demo
  table: demo.events
  time_column: event_time
target:
  connection: demo
  table: $5
schedule:
  cron: "* * * * *"
  timezone: $2
window:
  granularity: 1h
  start_date: "$3"
  end_date: "$4"
paused: $6
YAML
}
pipeline orders_hourly UTC 2026-11-01 2026-11-02 demo.events_copy false "orders, hour by hour"
pipeline zurich_hourly Europe/Zurich 2026-10-24 2026-10-27 demo.zurich_copy true \
  "Zurich local hours over the October DST change"
pipeline xss_probe UTC 2026-11-01 2026-11-02 demo.xss_copy true \
  '<script>window.__xss = 1</script>"><img src=x onerror="window.__xss = 2">'
# A day of orders_hourly's copy: its window waits on the FAILED hour (the graph page's edge).
cat >"$work/pipelines/orders_daily.yaml" <<YAML
id: orders_daily
description: 'orders per day, once their hours are in'
tags: [browser, UTC]
source:
  connection: demo
  table: demo.events_copy
  time_column: event_time
target:
  connection: demo
  table: demo.orders_daily
schedule:
  cron: "* * * * *"
  timezone: UTC
window:
  granularity: 1d
  start_date: "2026-11-01"
  end_date: "2026-11-02"
depends_on: [orders_hourly]
paused: true
YAML

"$bin/sluicectl" --config "$work/sluice.yaml" --database-url "$url" db migrate >/dev/null
psql -q -v ON_ERROR_STOP=1 "$url" -f "$here/seed.sql" >/dev/null

start_daemon() {  # CONFIG LOG: starts it, prints its HTTP port; its pid goes to LOG.pid
  "$bin/sluiced" --config "$1" --database-url "$url" >"$2" 2>&1 &
  local pid=$!
  echo "$pid" >"$2.pid"
  for _ in $(seq 1 300); do
    local port
    port=$(sed -n 's/.*serving HTTP on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$2" | head -n 1)
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "browser: sluiced did not start; its log:" >&2
  tail -n 30 "$2" >&2
  return 1
}
# Each runs in a subshell ($(...)): the pids come back through their files.
port=$(start_daemon "$work/sluice.yaml" "$work/sluiced.log")
short_port=$(start_daemon "$work/short.yaml" "$work/short.log")

status=0
(cd "$here" && SLUICE_CONSOLE_URL="http://127.0.0.1:$port" \
  SLUICE_SHORT_CONSOLE_URL="http://127.0.0.1:$short_port" SLUICE_BROWSER_DB_URL="$url" \
  SLUICE_CHROMIUM="$chromium" SLUICE_ARTIFACTS="$artifacts" \
  SLUICE_BROWSER_PIPELINES="$work/pipelines" SLUICE_BROWSER_DAEMON_PID="$(cat "$work/sluiced.log.pid")" \
  node --test --test-reporter=spec console.test.mjs) || status=$?
if [ $status -ne 0 ]; then
  echo "browser: FAILED; the daemon's log ends:" >&2
  tail -n 40 "$work/sluiced.log" >&2
fi
# Neither daemon may have logged a token or a session.
if grep -E "browser-(viewer|operator|admin)-token|sluice_session=" "$work"/*.log; then
  echo "browser: a secret reached the daemon's log" >&2
  status=1
fi
exit $status
