#include <algorithm>
#include <cctype>

#include "framework/adapters/postgres/conninfo.hpp"
#include "framework/adapters/postgres/keys.hpp"
#include "framework/config/build.hpp"
#include "framework/config/database_url.hpp"
#include "framework/config/keys.hpp"
#include "framework/config/naming.hpp"

namespace sluice::config {
namespace {

bool valid_connection_name(std::string_view name) {
  return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::optional<time::Duration> optional_duration(const Fields& f, std::string_view key) {
  if (const auto* d = f.get<time::Duration>(key)) return *d;
  return std::nullopt;
}

spdlog::level::level_enum log_level(const std::string& name) {
  return spdlog::level::from_str(name);  // the table's choices are spdlog's names
}

ConnectionConfig check_connection(const std::string& name, const YAML::Node& key,
                                  const YAML::Node& value, const CheckContext& ctx) {
  ConnectionConfig out;
  out.name = name;
  const std::string path = "connections." + name;
  const YAML::Node kind = value_node(value, "kind");
  if (kind.IsScalar()) out.adapter = adapters::find_adapter(kind.Scalar());
  std::vector<const KeyTable*> tables = {&connection_common_keys()};
  if (out.adapter) {
    tables.insert(tables.end(), out.adapter->connection_keys.begin(),
                  out.adapter->connection_keys.end());
  }
  // Without a known kind its keys cannot be judged: only `kind` is reported.
  out.params = check_section(value, tables, path, ctx.at(key.Mark()), ctx, out.adapter == nullptr);
  if (out.adapter && out.adapter->check_connection) {
    out.adapter->check_connection(out.params, *ctx.diags);
  }
  return out;
}

std::vector<ConnectionConfig> check_connections(const YAML::Node& root, const CheckContext& ctx) {
  std::vector<ConnectionConfig> out;
  const YAML::Node map = value_node(root, "connections");
  if (!map.IsDefined() || map.IsNull()) return out;
  if (!map.IsMap()) {
    ctx.error(ctx.at(map.Mark()), "connections",
              "expected a mapping of name to connection, got " + describe_node(map));
    return out;
  }
  for (const auto& kv : map) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    const std::string path = "connections." + name;
    if (!valid_connection_name(name)) {
      ctx.error(ctx.at(kv.first.Mark()), path,
                "a connection name is 1 to 63 letters, digits, '_' or '-'");
      continue;
    }
    const auto twin = std::find_if(out.begin(), out.end(),
                                   [&](const ConnectionConfig& c) { return c.name == name; });
    // Reported with both places when the file was loaded (check_document).
    if (twin != out.end()) continue;
    out.push_back(check_connection(name, kv.first, kv.second, ctx));
  }
  return out;
}

HttpConfig build_http(const Fields& f, const CheckContext& ctx) {
  HttpConfig h;
  h.enabled = f.value_or<bool>("enabled", true);
  h.listen = f.string_or("listen", h.listen);
  h.public_url = f.string_or("public_url");
  while (h.public_url.ends_with('/')) h.public_url.pop_back();
  for (const auto& t : f.list("tokens")) {
    HttpToken token{.name = t.string_or("name"),
                    .role = t.string_or("role"),
                    .token = t.value_or<Secret>("token", {})};
    // Short tokens can be guessed; an unresolved one (validate --skip-secrets) is not judged.
    if (token.token.is_resolved() && token.token.reveal().size() < 16)
      t.error(*ctx.diags, "token", "a token needs at least 16 characters");
    const auto twin = std::find_if(h.tokens.begin(), h.tokens.end(),
                                   [&](const HttpToken& o) { return o.name == token.name; });
    if (twin != h.tokens.end())
      t.error(*ctx.diags, "name", "the token name '" + token.name + "' is given twice");
    h.tokens.push_back(std::move(token));
  }
  h.metrics_token = f.value_or<Secret>("metrics_token", {});
  if (const Fields* tls = f.section("tls")) {
    h.tls_cert = tls->string_or("cert");
    h.tls_key = tls->string_or("key");
    if (h.tls_cert.empty() != h.tls_key.empty())
      tls->error(*ctx.diags, h.tls_cert.empty() ? "cert" : "key", "HTTPS needs both cert and key");
  }
  h.max_body_bytes = f.value_or<std::int64_t>("max_body_bytes", h.max_body_bytes);
  h.max_header_bytes = f.value_or<std::int64_t>("max_header_bytes", h.max_header_bytes);
  h.read_timeout = duration_of(f, "read_timeout").fixed;
  h.idle_timeout = duration_of(f, "idle_timeout").fixed;
  h.session_ttl = duration_of(f, "session_ttl").fixed;
  h.max_connections = static_cast<int>(f.value_or<std::int64_t>("max_connections", 2048));
  h.database_connections = static_cast<int>(f.value_or<std::int64_t>("database_connections", 2));
  h.max_queued = static_cast<int>(f.value_or<std::int64_t>("max_queued", 256));
  return h;
}

}  // namespace

DaemonConfig build_daemon(const YAML::Node& root, const CheckContext& ctx) {
  DaemonConfig d;
  const Location top = root.IsMap() ? ctx.at(root.Mark()) : Location{ctx.file, 1, 1};
  d.fields = check_section(root, {&daemon_keys()}, "", top, ctx);
  d.connections = check_connections(root, ctx);
  d.pools = build_pools(d.fields);
  const Fields& f = d.fields;

  if (const Fields* db = f.section("database")) {
    adapters::check_postgres_connection(*db, *ctx.diags, false);
    d.database.url = adapters::postgres::postgres_conninfo(*db);
    d.database.where = db->where();
  }
  if (const Fields* stage = f.section("stage")) {
    d.stage.root = stage->string_or("root");
    d.stage.format = stage->string_or("format");
    d.stage.compression = stage->string_or("compression");
    d.stage.keep_failed = duration_of(*stage, "keep_failed");
  }
  d.workers = static_cast<int>(f.value_or<std::int64_t>("workers", 4));
  if (const Fields* http = f.section("http")) d.http = build_http(*http, ctx);
  if (const Fields* n = f.section("notifications"))
    d.notifications = build_notification_settings(*n, ctx);
  if (const Fields* naming = f.section("naming")) {
    for (const Layer layer : kLayers) {
      const std::string key(to_string(layer));
      const auto* pattern = naming->get<std::string>(key);
      if (pattern && check_naming_pattern(*pattern).empty()) d.naming.patterns[layer] = *pattern;
    }
    d.naming.error = naming->string_or("level", "warn") == "error";
  }
  if (const Fields* log = f.section("log")) {
    d.log.level = log_level(log->string_or("level", "info"));
    d.log.format =
        log->string_or("format") == "json" ? observe::LogFormat::json : observe::LogFormat::text;
  }
  d.timezone = f.value_or<time::Zone>("timezone", nullptr);
  d.pipelines_dir = f.string_or("pipelines_dir");
  d.stale_threshold = duration_of(f, "stale_threshold");
  d.drain_timeout = duration_of(f, "drain_timeout");
  if (const Fields* s = f.section("scheduler")) {
    d.scheduler.poll_interval = duration_of(*s, "poll_interval");
    d.scheduler.heartbeat_interval = duration_of(*s, "heartbeat_interval");
    d.scheduler.stale_check_interval = duration_of(*s, "stale_check_interval");
    d.scheduler.max_windows_per_tick =
        static_cast<std::size_t>(s->value_or<std::int64_t>("max_windows_per_tick", 1000));
    d.scheduler.backfill_max_windows = s->value_or<std::int64_t>("backfill_max_windows", 1000000);
    d.scheduler.backfill_max_active_windows =
        static_cast<int>(s->value_or<std::int64_t>("backfill_max_active_windows", 2));
  }
  if (const Fields* r = f.section("retention")) {
    d.retention.records = optional_duration(*r, "records");
    d.retention.events = optional_duration(*r, "events");
    d.retention.interval = duration_of(*r, "interval");
    d.retention.batch_size = static_cast<int>(r->value_or<std::int64_t>("batch_size", 1000));
  }
  // A lease shorter than its heartbeat expires under a live worker.
  const Fields* s = f.section("scheduler");
  if (s && f.get<time::Duration>("stale_threshold") &&
      s->get<time::Duration>("heartbeat_interval") &&
      d.stale_threshold.fixed <= d.scheduler.heartbeat_interval.fixed) {
    f.error(*ctx.diags, "stale_threshold",
            "must be longer than scheduler.heartbeat_interval (" +
                time::to_string(d.scheduler.heartbeat_interval) + ")");
  }
  return d;
}

}  // namespace sluice::config
