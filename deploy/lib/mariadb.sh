# shellcheck shell=bash
# Private MariaDB servers for the tests and benchmarks: mariadb-install-db + mariadbd under a
# directory of ours (datadir, socket, pid file, log), a free port on 127.0.0.1, and none of
# the system's option files. mariadbd refuses to run as root, so as root the server belongs
# to the `mysql` system user that the Debian package creates.
#
#   source deploy/lib/mariadb.sh
#   mariadb_start var/test-mariadb sluice_test   # exports SLUICE_TEST_MYSQL_URL, SLUICE_MARIADB_SOCKET
#   mariadb_stop var/test-mariadb
#
# SLUICE_MARIADB_OPTIONS adds server options (after ours, so they win).
#
# The server has a user `sluice` (password `sluice`, all privileges, so tests may create a
# database each) and the database named by the second argument.

# shellcheck source=deploy/lib/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"  # pg_free_port

mariadb_owner() { if [ "$(id -u)" -eq 0 ]; then echo mysql; else id -un; fi; }

mariadb_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u mysql -- "$@"; else "$@"; fi
}


# The directory the server lives in; like pg_resolve_dir, a directory under /tmp when the
# owner cannot write the requested one (or its socket path would be too long).
mariadb_resolve_dir() {
  local want owner alt
  want=$(realpath -m "$1")
  owner=$(mariadb_owner)
  mkdir -p "$want"
  chown "$owner" "$want" 2>/dev/null || true
  if [ ${#want} -lt 80 ] && mariadb_as_owner test -w "$want" 2>/dev/null; then echo "$want"; return 0; fi
  alt="/tmp/sluice-mariadb-$(echo -n "$want" | md5sum | cut -c1-12)"
  mkdir -p "$alt" && chown "$owner" "$alt"
  echo "$alt"
}

mariadb_alive() { mariadb-admin --no-defaults --socket="$1/run/mysqld.sock" -uroot ping >/dev/null 2>&1; }

# mariadb_start DIR [DBNAME]: start (or reuse) the server in DIR, create DBNAME and the user.
mariadb_start() {
  local dir db owner port i
  dir=$(mariadb_resolve_dir "$1")
  db=${2:-sluice_test}
  owner=$(mariadb_owner)
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ||
    { echo "mariadb: no MariaDB server installed (run deploy/install-deps.sh)" >&2; return 1; }
  mkdir -p "$dir/run" && chown "$owner" "$dir/run"
  if [ ! -d "$dir/data/mysql" ]; then
    mkdir -p "$dir/data" && chown "$owner" "$dir/data"
    mariadb_as_owner mariadb-install-db --no-defaults --datadir="$dir/data" --skip-test-db \
      --auth-root-authentication-method=normal >"$dir/install.log" 2>&1 ||
      { cat "$dir/install.log" >&2; return 1; }
  fi
  if mariadb_alive "$dir"; then
    port=$(cat "$dir/port")
  else
    port=$(pg_free_port "${SLUICE_MARIADB_PORT:-33060}") || { echo "mariadb: no free port" >&2; return 1; }
    echo "$port" >"$dir/port"
    # Durability is traded for speed: these servers hold throw-away test data.
    mariadb_as_owner /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" \
      --socket="$dir/run/mysqld.sock" --pid-file="$dir/run/mysqld.pid" --port="$port" \
      --bind-address=127.0.0.1 --log-error="$dir/server.log" --skip-log-bin \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 --max-connections=200 \
      ${SLUICE_MARIADB_OPTIONS:-} >/dev/null 2>&1 </dev/null &
    for i in $(seq 1 120); do
      mariadb_alive "$dir" && break
      sleep 0.5
    done
    mariadb_alive "$dir" || { echo "mariadb: server did not start" >&2; tail -n 20 "$dir/server.log" >&2; return 1; }
  fi
  mariadb --no-defaults --socket="$dir/run/mysqld.sock" -uroot -e "
    CREATE USER IF NOT EXISTS 'sluice'@'%' IDENTIFIED BY 'sluice';
    CREATE USER IF NOT EXISTS 'sluice'@'localhost' IDENTIFIED BY 'sluice';
    GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'%';
    GRANT ALL PRIVILEGES ON *.* TO 'sluice'@'localhost';
    CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4;" ||
    { echo "mariadb: could not create user and database" >&2; return 1; }
  export SLUICE_TEST_MYSQL_URL="mysql://sluice:sluice@127.0.0.1:$port/$db"
  export SLUICE_MARIADB_SOCKET="$dir/run/mysqld.sock" SLUICE_MARIADB_PORT_IN_USE=$port
}

mariadb_stop() {
  local dir pid i
  dir=$(mariadb_resolve_dir "$1")
  [ -f "$dir/run/mysqld.pid" ] || return 0
  pid=$(cat "$dir/run/mysqld.pid")
  mariadb-admin --no-defaults --socket="$dir/run/mysqld.sock" -uroot shutdown >/dev/null 2>&1 ||
    kill "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  return 0
}
