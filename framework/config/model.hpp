#pragma once
// The validated configuration: the daemon file, its named connections and the pipelines of
// pipelines.d. Every value is typed and every default filled in; `fields` keeps each file's
// validated tree (for adapters' own keys and for `config show`).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/registry.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/config/checks.hpp"
#include "framework/config/run_if.hpp"
#include "framework/core/ids.hpp"
#include "framework/observe/log.hpp"
#include "framework/schema/fields.hpp"
#include "framework/schema/secret.hpp"
#include "framework/time/cron.hpp"
#include "framework/time/duration.hpp"
#include "framework/time/window_generator.hpp"
#include "framework/time/zone.hpp"

namespace sluice::config {

struct DatabaseConfig {
  // `url` as written, or a libpq string built from host/port/dbname/user/password/sslmode;
  // none when the file has no database (the URL then comes from the flag or the environment).
  std::optional<Secret> url;
  Location where;  // of the `database` section, for messages
};

struct StageConfig {
  std::filesystem::path root;
  std::string format;       // copy | csv | jsonl
  std::string compression;  // none | zstd
  time::Duration keep_failed{0, Seconds{7 * 86400}};
};

struct SchedulerConfig {
  time::Duration poll_interval;
  time::Duration heartbeat_interval;
  time::Duration stale_check_interval;
  std::size_t max_windows_per_tick = 1000;
  std::int64_t backfill_max_windows = 1'000'000;  // windows one backfill request may hold
  int backfill_max_active_windows = 2;
};

struct RetentionConfig {
  std::optional<time::Duration> records;  // none: keep forever
  std::optional<time::Duration> events;
  time::Duration interval;
  int batch_size = 1000;
};

using adapters::ConnectionConfig;
using adapters::EndpointConfig;

struct HttpToken {
  std::string name;
  std::string role;  // viewer | operator | admin
  Secret token;
};

struct HttpConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:8470";
  std::string public_url;  // how people reach the console; links in notifications
  std::vector<HttpToken> tokens;
  Secret metrics_token;                     // empty: /metrics needs no token
  std::filesystem::path tls_cert, tls_key;  // both empty: plain HTTP
  std::int64_t max_body_bytes = 1048576;
  std::int64_t max_header_bytes = 16384;
  std::chrono::seconds read_timeout{10}, idle_timeout{60};
  std::chrono::seconds session_ttl{12 * 3600};
  int max_connections = 2048;
  int database_connections = 2;
  int max_queued = 256;
};

// A channel's events (the `events` choices; `failure` covers audit mismatches too).
struct Webhook {
  std::string name{};  // the channel is `webhook:NAME`
  Secret url{};
  std::vector<std::string> events{};
  bool slack = false;  // format: slack
  Secret secret{};     // HMAC-SHA256 key of X-Sluice-Signature; empty: unsigned
  std::chrono::milliseconds timeout{10'000};
};

struct Notifications {
  std::vector<std::string> email_list;
  bool email_on_failure = true;
  bool email_on_retry = false;
  std::vector<Webhook> webhooks;
};

struct SmtpConfig {
  std::string url{};  // smtp://host[:port] or smtps://host[:port]
  std::string from{};
  std::string username{};
  Secret password{};
  enum class StartTls { required, try_, off } starttls = StartTls::required;
  std::chrono::milliseconds timeout{30'000};
};

// The daemon file's `notifications`: how messages go out, and the fleet's own channels.
struct NotificationSettings {
  std::optional<SmtpConfig> smtp;
  std::chrono::seconds digest_interval{300};
  int max_attempts = 10;
  std::chrono::seconds retry_delay{10}, max_retry_delay{600};
  std::chrono::seconds db_down_after{120};
  std::vector<std::string> email_list;
  std::vector<Webhook> webhooks;
};

// A pipeline's place in the warehouse's layers (`layer`, and the daemon file's `naming`).
enum class Layer { source, intermediate, fact, dimension, view };
inline constexpr Layer kLayers[] = {Layer::source, Layer::intermediate, Layer::fact,
                                    Layer::dimension, Layer::view};
std::string_view to_string(Layer layer);
std::optional<Layer> layer_named(std::string_view name);

// The daemon file's `naming`: a regular expression per layer (RE2 syntax, searched in the
// target table's name without its schema).
struct NamingConfig {
  std::map<Layer, std::string> patterns;
  bool error = false;  // `level: error`: a violation quarantines the pipeline's file
};

// A pool of the daemon file's `pools`: windows of its pipelines, on every daemon together,
// hold at most `size` slots at once (README, Pools and priorities).
struct PoolConfig {
  std::string name;
  int size = 1;
};

struct DaemonConfig {
  std::filesystem::path file;
  DatabaseConfig database;
  StageConfig stage;
  int workers = 4;
  HttpConfig http;
  observe::LogSettings log;
  time::Zone timezone = nullptr;
  std::filesystem::path pipelines_dir;
  time::Duration stale_threshold;
  time::Duration drain_timeout;
  SchedulerConfig scheduler;
  RetentionConfig retention;
  NotificationSettings notifications;
  NamingConfig naming;
  std::vector<ConnectionConfig> connections;  // in file order
  std::vector<PoolConfig> pools;              // in file order
  Fields fields;

  const ConnectionConfig* find_connection(std::string_view name) const;
  const PoolConfig* find_pool(std::string_view name) const;
};

struct RetryPolicy {
  int max = 3;  // retries after the first attempt
  time::Duration base_delay;
  time::Duration max_delay;
};

// `depends_on`: a window waits for its upstream's windows (DESIGN: the claim decides).
struct Dependency {
  // `windows`: every upstream window overlapping this window (on UTC instants) is SUCCESS or
  // SKIPPED, and all of them exist. `latest`: the upstream's newest successful window ends
  // at or after this window's end.
  enum class Mode { windows, latest };
  PipelineId upstream;
  Mode mode = Mode::windows;
  Location where{};  // of the upstream's name: graph errors point there

  auto operator<=>(const Dependency&) const = default;
};
std::string_view to_string(Dependency::Mode mode);

struct PipelineConfig {
  PipelineId id;
  std::filesystem::path file;
  std::string description;
  // `kind: copy` moves rows from the source through the stage to the target; `kind: sql` runs
  // `sql` on the target's server and has no source (its `source` is empty) and no stage.
  enum class Kind { copy, sql };
  Kind kind = Kind::copy;
  EndpointConfig source;
  EndpointConfig target;
  std::optional<adapters::SqlStatements> sql;  // kind sql
  std::optional<std::string> ddl;              // the target's CREATE TABLE, as written
  time::Cron cron;
  time::Zone zone = nullptr;  // of the cron, the window boundaries and labels
  time::WindowSpec window;    // granularity, zone, start, end, catchup, x_time_back
  double max_difference_pct = 0;
  // `audit.target_count: loaded`: the audit takes the rows the load's server reported instead
  // of counting the target's window again.
  bool audit_loaded_count = false;
  RetryPolicy retries;
  time::Duration stale_threshold;
  // `timeout`: the whole window, from its claim to the end of the audit; `tasks.<task>.timeout`
  // by the task's name (pre_validation, source_to_stage, stage_to_target, audit).
  time::Duration timeout;
  std::map<std::string, time::Duration, std::less<>> task_timeouts;
  std::optional<Seconds> sla;             // lateness allowed (metrics and alerts)
  std::optional<RunIfConfig> run_if;      // `run_if`; none when the file has none
  NamedTemplates business_fields;         // in file order
  std::vector<std::string> check_fields;  // each one a business field
  int max_active_windows = 1;
  // `pool` (empty: none) and the slots each of its windows takes there; `priority` orders
  // the claim, higher first.
  std::string pool;
  int pool_slots = 1;
  int priority = 0;
  Notifications notifications;
  std::vector<Dependency> depends_on;  // in file order
  std::vector<CheckSpec> checks;       // `checks:`, in file order
  // `layer`, or the one layer whose `naming` pattern the target table matches when unset.
  std::optional<Layer> layer;
  bool layer_inferred = false;
  std::vector<std::string> tags;
  bool paused = false;
  // The checked tree of the whole file. A load that does not keep it (LoadOptions::
  // keep_fields: the daemon, where 10,000 pipelines' trees held hundreds of MiB) empties it
  // once the file is checked and keeps apart what is read of it later: `shown`, the
  // definition as `config show` prints it (pipeline_config_json, as JSON text), and
  // `transform_fields`, the section the runtime builds its transform from.
  Fields fields;
  std::string shown;
  std::optional<Fields> transform_fields;
  // Where the definition came from: a catalog pipeline's `file` is `catalog:ID` and
  // catalog_version its version; `text` is the YAML as read, for the version a file
  // pipeline's windows record (pipeline_definitions).
  std::optional<int> catalog_version;
  std::string text;
  // Set by the daemon from pipeline_definitions: the version its windows record (0: unknown,
  // the database was out of reach when it loaded).
  int config_version = 0;

  bool from_catalog() const { return catalog_version.has_value(); }
  // The `transform` section, kept or not (none when the file has none).
  const Fields* transform() const;
};

// A pipeline file with errors, under failure isolation (load_config_isolating): not loaded,
// not scheduled, its records untouched, shown as `config error` until its file is fixed.
struct Quarantined {
  PipelineId pipeline;  // its id; the file's stem when the file has no readable id
  std::filesystem::path file;
  Diagnostic error;                // the first of its errors, by place
  std::vector<Diagnostic> errors;  // all of them, sorted
  // Set by the daemon on reload: the pipeline was loaded before its file broke, and runs
  // the definition it had (`pipelines` holds that one) until the file is fixed.
  bool kept_previous = false;
};

struct Config {
  DaemonConfig daemon;
  std::vector<PipelineConfig> pipelines;  // in file name order
  std::vector<Diagnostic> warnings;       // keys set that have no effect (planned ones)
  std::vector<Quarantined> quarantined;   // in file name order

  const PipelineConfig* find_pipeline(std::string_view id) const;
  // The first quarantined file of that id (its pipeline may still be loaded: kept_previous,
  // or a duplicate id).
  const Quarantined* find_quarantined(std::string_view id) const;
};

// The pipelines by id (the first of an id, as find_pipeline), for many lookups:
// find_pipeline is linear, and one per pipeline grows with the square of the fleet.
using PipelineIndex = std::unordered_map<std::string_view, const PipelineConfig*>;
PipelineIndex index_pipelines(const Config& config);

}  // namespace sluice::config
