# shellcheck shell=bash
# Private PostgreSQL clusters for the quickstart and the tests: initdb + pg_ctl under a
# directory of ours, its own socket directory, a free port on 127.0.0.1. PostgreSQL refuses
# to run as root, so as root the cluster belongs to the `postgres` system user that the
# Debian package creates.
#
#   source deploy/lib/pg.sh
#   pg_start var/pg sluice     # exports SLUICE_DATABASE_URL, PGHOST, PGPORT, PGUSER
#   pg_stop var/pg

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { echo "pg: no PostgreSQL server installed (run deploy/install-deps.sh)" >&2; return 1; }
  echo "$d"
}

pg_owner() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  local port
  for port in $(seq "${1:-54320}" 65000); do
    if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return 0; fi
  done
  return 1
}

# The directory the cluster lives in. When the owner cannot reach the requested one (a
# checkout under /root, say), the cluster goes to a directory under /tmp named after it.
# `return 0`, not `return`: in an EXIT trap a bare return gives the status the script exits
# with, and a failed run's trap (pg_stop under errexit) would stop there.
pg_resolve_dir() {
  local want owner
  want=$(realpath -m "$1")
  owner=$(pg_owner)
  mkdir -p "$want"
  chown "$owner" "$want" 2>/dev/null || true
  if pg_as_owner test -w "$want" 2>/dev/null; then echo "$want"; return 0; fi
  local alt
  alt="/tmp/sluice-pg-$(echo -n "$want" | md5sum | cut -c1-12)"
  mkdir -p "$alt" && chown "$owner" "$alt"
  echo "$alt"
}

# pg_start DIR [DBNAME]: start (or reuse) the cluster in DIR, create DBNAME, export the URL.
pg_start() {
  local dir db bin owner port
  dir=$(pg_resolve_dir "$1")
  db=${2:-sluice}
  bin=$(pg_bindir) || return 1
  owner=$(pg_owner)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$bin/initdb" -D "$dir/data" -U sluice --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  mkdir -p "$dir/run" && chown "$owner" "$dir/run"
  if pg_as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    port=$(cat "$dir/port")
  else
    port=$(pg_free_port "${SLUICE_PG_PORT:-54320}") || { echo "pg: no free port" >&2; return 1; }
    echo "$port" >"$dir/port"
    pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir/run -c listen_addresses=127.0.0.1 -c max_connections=200 ${SLUICE_PG_OPTIONS:-}" \
      start >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
  fi
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=sluice
  if ! psql -d postgres -Atqc "select 1 from pg_database where datname = '$db'" | grep -q 1; then
    createdb "$db"
  fi
  export PGDATABASE=$db
  export SLUICE_DATABASE_URL="postgresql://sluice@127.0.0.1:$port/$db"
  export SLUICE_PG_DIR=$dir
}

pg_stop() {
  local dir bin
  dir=$(pg_resolve_dir "$1")
  bin=$(pg_bindir) || return 0
  [ -f "$dir/data/PG_VERSION" ] || return 0
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
