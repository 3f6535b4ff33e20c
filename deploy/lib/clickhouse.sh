# shellcheck shell=bash
# A private ClickHouse server for the tests and benchmarks: our own config.xml and users.xml
# generated under DIR, our own data directory, free HTTP and TCP ports on 127.0.0.1. Runs as
# whoever calls it (root included: the Debian 12 server, 18.16, does not refuse root).
# The `default` user has no password; the user `sluice` has the password `sluice` (what the
# wrong-password tests need to be wrong about).
#
#   source deploy/lib/clickhouse.sh
#   ch_start var/test-ch      # exports SLUICE_TEST_CLICKHOUSE_URL, SLUICE_CH_HTTP_PORT
#   ch_stop var/test-ch

ch_server_bin() {
  local b
  for b in /usr/sbin/clickhouse-server /usr/bin/clickhouse-server /usr/bin/clickhouse; do
    if [ -x "$b" ]; then echo "$b"; return 0; fi
  done
  echo "clickhouse: no clickhouse-server installed (run deploy/install-deps.sh)" >&2
  return 1
}

ch_free_port() {
  local port
  for port in $(seq "$1" 65000); do
    if ! ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then echo "$port"; return 0; fi
  done
  return 1
}

ch_write_config() {
  local dir=$1 http=$2 tcp=$3
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/server.log</log>
    <errorlog>$dir/log/error.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <keep_alive_timeout>30</keep_alive_timeout>
  <mlock_executable>false</mlock_executable>
</yandex>
EOF
  local hash
  hash=$(printf '%s' sluice | sha256sum | cut -d' ' -f1)
  cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>2000000000</max_memory_usage>
      <log_queries>0</log_queries>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <sluice>
      <password_sha256_hex>$hash</password_sha256_hex>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </sluice>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
EOF
}

ch_query() {  # ch_query SQL: through the HTTP interface of the started server
  curl -sS --fail-with-body "http://127.0.0.1:${SLUICE_CH_HTTP_PORT}/" --data-binary "$1"
}

# ch_start DIR: start (or reuse) the server in DIR; exports the URL once `SELECT 1` answers.
ch_start() {
  local dir bin http tcp i
  dir=$(realpath -m "$1")
  bin=$(ch_server_bin) || return 1
  mkdir -p "$dir"/{data,tmp,log,user_files,format_schemas}
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    http=$(cat "$dir/http_port")
  else
    http=$(ch_free_port "${SLUICE_CH_PORT:-18123}") || { echo "clickhouse: no free port" >&2; return 1; }
    tcp=$(ch_free_port $((http + 1000))) || { echo "clickhouse: no free port" >&2; return 1; }
    echo "$http" >"$dir/http_port"
    ch_write_config "$dir" "$http" "$tcp"
    rm -f "$dir/pid"
    "$bin" --config-file="$dir/config.xml" --pid-file="$dir/pid" --daemon \
      >"$dir/log/stdout.log" 2>&1 || { tail -n 20 "$dir/log/error.log" "$dir/log/stdout.log" >&2; return 1; }
  fi
  export SLUICE_CH_HTTP_PORT=$http
  for i in $(seq 1 300); do
    if [ "$(curl -s "http://127.0.0.1:$http/?query=SELECT%201" 2>/dev/null)" = "1" ]; then
      export SLUICE_TEST_CLICKHOUSE_URL="http://127.0.0.1:$http"
      export SLUICE_CH_DIR=$dir
      return 0
    fi
    sleep 0.1
  done
  echo "clickhouse: server in $dir did not answer SELECT 1 on port $http" >&2
  tail -n 20 "$dir/log/error.log" >&2 2>/dev/null || true
  return 1
}

ch_stop() {
  local dir pid i
  dir=$(realpath -m "$1")
  [ -f "$dir/pid" ] || return 0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
}
