// The daemon file's keys (sluice.yaml).
#include <algorithm>
#include <cctype>
#include <charconv>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/postgres/keys.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/naming.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::config {
namespace {

std::string check_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  const std::string_view host = colon == std::string_view::npos ? "" : text.substr(0, colon);
  const std::string_view port = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  int n = -1;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  const bool port_ok = !port.empty() && ec == std::errc() && ptr == port.data() + port.size() &&
                       n >= 0 && n <= 65535;
  const bool v6 = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (host.empty() || !port_ok || (!v6 && host.find(':') != std::string_view::npos)) {
    return "expected HOST:PORT, e.g. 127.0.0.1:8470 or [::1]:8470";
  }
  return {};
}

const KeyTable& stage_keys() {
  static const KeyTable t{
      "stage",
      "The local directory a window's rows pass through between source and target.",
      {
          {.name = "root",
           .type = KeyType::path,
           .description = "Directory of the staged files; relative to the daemon file when "
                          "relative. Needs room for the largest windows in flight.",
           .default_value = "/var/lib/sluice/stage"},
          {.name = "format",
           .type = KeyType::choice,
           .description = "Staged file format: `copy` (PostgreSQL COPY text, the fast path), `csv` "
                          "or `jsonl`; targets are always fed COPY text.",
           .default_value = "copy",
           .choices = {"copy", "csv", "jsonl"}},
          {.name = "compression",
           .type = KeyType::choice,
           .description = "Compression of staged files.",
           .default_value = "none",
           .choices = {"none", "zstd"}},
          {.name = "keep_failed",
           .type = KeyType::duration,
           .description = "How long a FAILED window keeps its staged files for a look at "
                          "them; the stale-lock cleanup (and `sluicectl run-once`) then removes "
                          "them, as it removes those of SUCCESS and SKIPPED windows left behind.",
           .default_value = "7d",
           .calendar = true},
      }};
  return t;
}

std::string check_token_name(std::string_view text) {
  const bool ok =
      !text.empty() && text.size() <= 63 && std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
               c == '@';
      });
  return ok ? std::string() : "1 to 63 letters, digits, '_', '-', '.' or '@'";
}

const KeyTable& http_token_keys() {
  static const KeyTable t{
      "http.tokens[]",
      "An API token: who holds it (the audit log's actor) and what it may do.",
      {
          {.name = "name",
           .type = KeyType::string,
           .description = "The holder's name, written to the audit log as the actor.",
           .required = true,
           .check = check_token_name},
          {.name = "role",
           .type = KeyType::choice,
           .description = "`viewer`: the API's reads; `operator`: viewer + pause, rerun, "
                          "clear, release; `admin`: everything.",
           .required = true,
           .choices = {"viewer", "operator", "admin"}},
          {.name = "token",
           .type = KeyType::string,
           .description = "The bearer token (`${credential:api_ci}`, `${env:...}`); at least 16 "
                          "characters.",
           .required = true,
           .secret = Secrecy::opaque},
      }};
  return t;
}

const KeyTable& http_tls_keys() {
  static const KeyTable t{
      "http.tls",
      "Serve HTTPS instead of HTTP: both files are read at start and on SIGHUP.",
      {
          {.name = "cert",
           .type = KeyType::path,
           .description = "PEM certificate chain (with `key`)."},
          {.name = "key", .type = KeyType::path, .description = "PEM private key (with `cert`)."},
      }};
  return t;
}

const KeyTable& http_keys() {
  static const KeyTable t{
      "http",
      "The JSON API, the health endpoints and Prometheus metrics, served by every sluiced.",
      {
          {.name = "enabled",
           .type = KeyType::boolean,
           .description = "Serve HTTP at all.",
           .default_value = "true"},
          {.name = "listen",
           .type = KeyType::string,
           .description = "Address to listen on; port 0 takes a free one (logged).",
           .default_value = "127.0.0.1:8470",
           .check = check_listen},
          {.name = "public_url",
           .type = KeyType::string,
           .description = "The console's address as people reach it (`https://sluice.example`); "
                          "notifications link to the window's record there. Unset: no link.",
           .check = adapters::check_http_url},
          {.name = "tokens",
           .type = KeyType::section_list,
           .description = "The API's bearer tokens; with none, only /healthz, /readyz and "
                          "/metrics answer.",
           .default_value = "[]",
           .section = &http_token_keys()},
          {.name = "metrics_token",
           .type = KeyType::string,
           .description = "When set, /metrics needs `Authorization: Bearer` with this token.",
           .secret = Secrecy::opaque},
          {.name = "tls",
           .type = KeyType::section,
           .description = "Certificate and key for HTTPS.",
           .section = &http_tls_keys()},
          {.name = "max_body_bytes",
           .type = KeyType::integer,
           .description = "Largest request body; a larger one is answered 413.",
           .default_value = "1048576",
           .min = 1024,
           .max = 67108864},
          {.name = "max_header_bytes",
           .type = KeyType::integer,
           .description = "Largest request line and headers together; larger is answered 431.",
           .default_value = "16384",
           .min = 1024,
           .max = 1048576},
          {.name = "read_timeout",
           .type = KeyType::duration,
           .description = "Time a client has to send a whole request once it started; a "
                          "slower one is cut off.",
           .default_value = "10s"},
          {.name = "idle_timeout",
           .type = KeyType::duration,
           .description = "How long a kept-alive connection may wait for its next request.",
           .default_value = "60s"},
          {.name = "session_ttl",
           .type = KeyType::duration,
           .description = "How long a web console sign-in lasts; then the console asks for "
                          "the token again.",
           .default_value = "12h"},
          {.name = "max_connections",
           .type = KeyType::integer,
           .description = "Open connections at most; one more is closed at once.",
           .default_value = "2048",
           .min = 1,
           .max = 100000},
          {.name = "database_connections",
           .type = KeyType::integer,
           .description = "Threads, each with its own database connection, that answer API "
                          "requests; claims and heartbeats never wait for them.",
           .default_value = "2",
           .min = 1,
           .max = 64},
          {.name = "max_queued",
           .type = KeyType::integer,
           .description = "Requests that may wait for those threads; one more is answered 503.",
           .default_value = "256",
           .min = 1,
           .max = 100000},
      }};
  return t;
}

const KeyTable& log_keys() {
  static const KeyTable t{
      "log",
      "Logs go to stderr (journald under systemd).",
      {
          {.name = "level",
           .type = KeyType::choice,
           .description = "Least severe level written.",
           .default_value = "info",
           .choices = {"trace", "debug", "info", "warn", "error", "critical", "off"}},
          {.name = "format",
           .type = KeyType::choice,
           .description = "`text` lines or JSON lines.",
           .default_value = "text",
           .choices = {"text", "json"}},
      }};
  return t;
}

const KeyTable& scheduler_keys() {
  static const KeyTable t{
      "scheduler",
      "The daemon's timers.",
      {
          {.name = "poll_interval",
           .type = KeyType::duration,
           .description = "How often to look for work when notifications (LISTEN/NOTIFY) are "
                          "down; with them, work is seen at once.",
           .default_value = "10s"},
          {.name = "heartbeat_interval",
           .type = KeyType::duration,
           .description = "How often a running window renews its lease; must be shorter than "
                          "every pipeline's `stale_threshold`.",
           .default_value = "30s"},
          {.name = "stale_check_interval",
           .type = KeyType::duration,
           .description = "How often expired leases are looked for and released.",
           .default_value = "1m"},
          {.name = "max_windows_per_tick",
           .type = KeyType::integer,
           .description = "Most new records one cron tick creates per pipeline (a long catchup "
                          "is created in batches).",
           .default_value = "1000",
           .min = 1,
           .max = 1000000},
          {.name = "backfill_max_windows",
           .type = KeyType::integer,
           .description = "Most windows one backfill request's range may hold; a larger "
                          "request is refused (`sluicectl backfill` exits 2, one raised by SQL "
                          "ends FAILED), naming the count. Requests are planned 1000 windows "
                          "per transaction.",
           .default_value = "1000000",
           .min = 1,
           .max = 100000000},
          {.name = "backfill_max_active_windows",
           .type = KeyType::integer,
           .description = "Backfill windows running at once per pipeline, on top of "
                          "`max_active_windows`, so live windows are not starved.",
           .default_value = "2",
           .min = 1,
           .max = 1000},
      }};
  return t;
}

const KeyTable& retention_keys() {
  static const KeyTable t{
      "retention",
      "Pruning of finished records and events; unset keeps them forever.",
      {
          {.name = "records",
           .type = KeyType::duration,
           .description = "Delete SUCCESS and SKIPPED records (and their events) whose window "
                          "ended longer ago than this. Unset: keep.",
           .calendar = true},
          {.name = "events",
           .type = KeyType::duration,
           .description = "Delete `pipeline_events` rows older than this. Unset: keep.",
           .calendar = true},
          {.name = "interval",
           .type = KeyType::duration,
           .description = "How often pruning runs.",
           .default_value = "1h"},
          {.name = "batch_size",
           .type = KeyType::integer,
           .description = "Rows deleted per statement, to keep locks short.",
           .default_value = "1000",
           .min = 1,
           .max = 1000000},
      }};
  return t;
}

const KeyTable& naming_keys() {
  const auto pattern = [](std::string_view name, std::string_view description) {
    return KeySpec{.name = name,
                   .type = KeyType::string,
                   .description = description,
                   .check = check_naming_pattern};
  };
  static const KeyTable t{
      "naming",
      "Naming conventions per layer: a regular expression (RE2 syntax, searched in the target "
      "table's name without its schema) per layer. A pipeline's `layer` says which its target "
      "table must match; a pipeline without one takes the one layer whose pattern its table "
      "matches (`sluicectl graph` shows it). Matching takes linear time and never backtracks: "
      "back-references are refused, as are repeats over 1000 and patterns whose automaton "
      "needs more than 1 MiB.",
      {
          pattern("source", "Raw copies of source tables, e.g. `'^src_'`."),
          pattern("intermediate", "Cleaned and joined tables, e.g. `'^int_'`."),
          pattern("fact", "Facts, e.g. `'_fct_'`."),
          pattern("dimension", "Dimensions, e.g. `'_dim_'`."),
          pattern("view", "Materialized views and aggregates, e.g. `'_mv_'`."),
          {.name = "level",
           .type = KeyType::choice,
           .description = "`warn`: a target table that does not match its layer's pattern is a "
                          "warning (`validate`, the daemon's log). `error`: an error, so the "
                          "pipeline's file is quarantined (failure isolation).",
           .default_value = "warn",
           .choices = {"warn", "error"}},
      }};
  return t;
}

}  // namespace

const KeyTable& daemon_keys() {
  static const KeyTable t{
      "daemon file",
      "`/etc/sluice/sluice.yaml` (or `--config PATH`, `$SLUICE_CONFIG`).",
      {
          {.name = "database",
           .type = KeyType::section,
           .description = "The records database (PostgreSQL). `--database-url` and "
                          "`$SLUICE_DATABASE_URL` override it; the section may be left out "
                          "when one of them is always given.",
           .section = &adapters::postgres_connection_keys()},
          {.name = "stage",
           .type = KeyType::section,
           .description = "The stage directory.",
           .section = &stage_keys()},
          {.name = "workers",
           .type = KeyType::integer,
           .description = "Windows processed at once by this daemon (the worker pool).",
           .default_value = "4",
           .min = 1,
           .max = 1024},
          {.name = "http",
           .type = KeyType::section,
           .description = "The HTTP API, health endpoints and metrics.",
           .section = &http_keys()},
          {.name = "log",
           .type = KeyType::section,
           .description = "Logging.",
           .section = &log_keys()},
          {.name = "timezone",
           .type = KeyType::zone,
           .description = "Default time zone of pipelines (IANA name).",
           .default_value = "UTC"},
          {.name = "pipelines_dir",
           .type = KeyType::path,
           .description = "Directory of pipeline files (`*.yaml`, one pipeline each, read in "
                          "name order); relative to the daemon file. A missing directory is "
                          "an error only when set explicitly.",
           .default_value = "pipelines.d"},
          {.name = "stale_threshold",
           .type = KeyType::duration,
           .description = "Default lease of a running window: a window whose heartbeat is "
                          "older is taken back (the seed's `stale_threshold_hours`).",
           .default_value = "2h"},
          {.name = "drain_timeout",
           .type = KeyType::duration,
           .description = "On SIGTERM, how long running windows may finish before their "
                          "locks are released for another host.",
           .default_value = "5m"},
          {.name = "scheduler",
           .type = KeyType::section,
           .description = "Timers.",
           .section = &scheduler_keys()},
          {.name = "retention",
           .type = KeyType::section,
           .description = "Pruning.",
           .section = &retention_keys()},
          {.name = "notifications",
           .type = KeyType::section,
           .description = "E-mail and webhook delivery.",
           .section = &daemon_notifications_keys()},
          {.name = "naming",
           .type = KeyType::section,
           .description = "Naming conventions of target tables per layer (README, Lineage and "
                          "naming conventions).",
           .section = &naming_keys()},
          {.name = "pools",
           .type = KeyType::integer_map,
           .description = "Shared pools: `NAME: SIZE` (`{warehouse: 4, api: 1}`). The windows of "
                          "a pool's pipelines (`pool`), on every daemon together, live and "
                          "backfill alike, hold at most SIZE slots at once; the claim enforces "
                          "it (README, Pools and priorities). Names are letters, digits and "
                          "`_`, not starting with a digit.",
           .default_value = "{}",
           .min = 1,
           .max = 100000,
           .check = check_pool_name},
          {.name = "connections",
           .type = KeyType::connection_map,
           .description = "Named connections: `NAME: {kind: KIND, ...}`, the keys of each kind "
                          "below. Names are letters, digits, `_` and `-`.",
           .default_value = "{}"},
      }};
  return t;
}

}  // namespace sluice::config
