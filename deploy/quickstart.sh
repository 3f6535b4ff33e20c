#!/usr/bin/env bash
# README command 1: from a fresh Debian 12 machine to a running sluiced.
# Installs dependencies, builds Release, starts a private PostgreSQL under var/pg, migrates,
# loads a demo source table and runs sluiced in the foreground (Ctrl-C stops it).
# Running it again reuses the cluster and the data. `deploy/quickstart.sh --stop` stops
# the cluster.
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
"$build/sluicectl" --config "$config" db migrate
"$build/sluicectl" --config "$config" validate

echo "quickstart: starting sluiced on $config (Ctrl-C to stop)"
status=0
"$build/sluiced" --config "$config" || status=$?
cat <<MSG

quickstart: sluiced exited with status $status. PostgreSQL keeps running:
  psql "$SLUICE_DATABASE_URL" -c 'select * from pipeline_status'
  deploy/quickstart.sh --stop     # stop the cluster
MSG
exit $status
