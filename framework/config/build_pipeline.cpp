#include "framework/config/build.hpp"
#include "framework/config/keys.hpp"
#include "framework/core/suggest.hpp"
#include "framework/transform/transform.hpp"

namespace sluice::config {

const ConnectionConfig* find_role_connection(const std::string& name, adapters::Role role,
                                             const YAML::Node& at, const std::string& path,
                                             const DaemonConfig& daemon, const CheckContext& ctx) {
  using adapters::Role;
  const ConnectionConfig* c = daemon.find_connection(name);
  if (!c) {
    std::vector<std::string_view> names;
    for (const auto& known : daemon.connections) names.push_back(known.name);
    const std::string message =
        "undefined connection '" + name + "'" +
        unknown_name_hint(name, names, "the daemon file defines no connections");
    ctx.error(ctx.at(at.Mark()), path, message);
    return nullptr;
  }
  if (!c->adapter) return nullptr;  // its unknown kind is reported in the daemon file
  if (!c->adapter->can(role)) {
    const std::string kind(c->adapter->kind);
    const std::string cannot = role == Role::sql
                                   ? "which cannot run a SQL pipeline (kind: sql)"
                                   : "which cannot be a " + std::string(adapters::to_string(role));
    ctx.error(ctx.at(at.Mark()), path,
              "connection '" + name + "' is of kind " + kind + ", " + cannot + " (" + kind +
                  " can be: " + c->adapter->roles_text() + ")");
    return nullptr;
  }
  return c;
}

namespace {

using adapters::Role;

// A copy pipeline's source or target, or (Role::sql) a SQL pipeline's target.
EndpointConfig check_endpoint(const YAML::Node& root, Role role, const DaemonConfig& daemon,
                              const CheckContext& ctx) {
  const std::string name(role == Role::source ? "source" : "target");
  EndpointConfig out;
  const YAML::Node node = value_node(root, name);
  if (!node.IsDefined() || node.IsNull()) return out;  // the pipeline table reports it missing
  const YAML::Node connection = value_node(node, "connection");
  const adapters::AdapterInfo* adapter = nullptr;
  if (connection.IsScalar()) {
    out.connection = connection.Scalar();
    if (const auto* c = find_role_connection(out.connection, role, connection, name + ".connection",
                                             daemon, ctx)) {
      adapter = c->adapter;
      out.kind = std::string(adapter->kind);
    }
  }
  std::vector<const KeyTable*> tables = {role == Role::source ? &source_common_keys()
                                                              : &target_common_keys()};
  // A copy pipeline's target says how it loads; a SQL pipeline's statements do that.
  if (role == Role::target) tables.push_back(&adapters::load_keys());
  if (adapter) {
    const auto& own = role == Role::source   ? adapter->source_keys
                      : role == Role::target ? adapter->target_keys
                                             : adapter->sql_keys;
    tables.insert(tables.end(), own.begin(), own.end());
  }
  out.params = check_section(node, tables, name, ctx.at(key_node(root, name).Mark()), ctx,
                             adapter == nullptr);
  if (adapter) {
    const auto check = role == Role::source   ? adapter->check_source
                       : role == Role::target ? adapter->check_target
                                              : adapter->check_sql;
    if (check) check(out.params, *ctx.diags);
    if (role == Role::target) adapters::check_load(out.params, *adapter, *ctx.diags);
  }
  return out;
}

// The target counts and replaces a window by its time column; by default the source's.
void inherit_time_column(PipelineConfig& p, const CheckContext& ctx) {
  const Fields::Entry* e = p.target.params.find("time_column");
  if (!e || !e->defaulted || e->spec->default_value != "(source.time_column)") return;
  const Fields& source = p.source.params;
  if (const auto* column = source.get<std::string>("time_column")) {
    p.target.params.set_derived("time_column", *column);
    return;
  }
  // Only when the source is known and has no time column by design (a query, a file): an
  // unknown source, a bad column or a table without its column is reported on the source.
  if (!p.source.kind.empty() && !source.is_set("time_column") && !source.is_set("table")) {
    p.target.params.error(*ctx.diags, "time_column",
                          "required: the source has no time_column to take it from");
  }
}

void check_not_same_place(const PipelineConfig& p, const CheckContext& ctx) {
  if (p.source.connection.empty() || p.source.connection != p.target.connection) return;
  for (auto key : {"table", "path"}) {
    const auto* source_text = p.source.params.get<std::string>(key);
    const auto* target_text = p.target.params.get<std::string>(key);
    const auto* source_tmpl = p.source.params.get<time::FieldTemplate>(key);
    const auto* target_tmpl = p.target.params.get<time::FieldTemplate>(key);
    const bool same = (source_text && target_text && *source_text == *target_text) ||
                      (source_tmpl && target_tmpl && source_tmpl->text() == target_tmpl->text());
    if (same) {
      p.target.params.error(*ctx.diags, key,
                            "the target is the source itself (connection '" + p.source.connection +
                                "'); loading would delete the source rows");
    }
  }
}

void build_window(PipelineConfig& p, const Fields& w, const CheckContext& ctx) {
  p.window.zone = p.zone;
  p.window.granularity = w.value_or<time::Granularity>("granularity", {});
  p.window.x_time_back = duration_of(w, "x_time_back");
  p.window.catchup = w.value_or<bool>("catchup", true);
  if (!p.zone) return;
  const auto instant = [&](std::string_view key) -> std::optional<Instant> {
    const auto* text = w.get<std::string>(key);
    if (!text) return std::nullopt;
    auto t = time::parse_instant(*text, p.zone);
    if (!t) {
      w.error(*ctx.diags, key, t.error());
      return std::nullopt;
    }
    return *t;
  };
  const auto start = instant("start_date");
  p.window.end = instant("end_date");
  if (start) p.window.start = *start;
  if (start && p.window.end && *p.window.end <= *start) {
    w.error(*ctx.diags, "end_date",
            "must be after start_date (" + *w.get<std::string>("start_date") + ")");
  }
}

void build_fields(PipelineConfig& p, Fields& f, const YAML::Node& root, const CheckContext& ctx) {
  std::vector<std::string_view> names;
  if (const auto* templates = f.get<NamedTemplates>("business_fields")) {
    p.business_fields = *templates;
    for (const auto& [name, _] : p.business_fields) names.push_back(name);
  }
  const auto* check = f.get<std::vector<std::string>>("check_fields");
  if (!f.is_set("check_fields")) {
    p.check_fields.assign(names.begin(), names.end());
    f.set_derived("check_fields", p.check_fields);
    return;
  }
  if (!check) return;
  p.check_fields = *check;
  const YAML::Node list = value_node(root, "check_fields");
  for (std::size_t i = 0; i < p.check_fields.size(); ++i) {
    const std::string& name = p.check_fields[i];
    if (std::find(names.begin(), names.end(), name) != names.end()) continue;
    std::string message = "'" + name + "' is not a business field";
    if (auto close = closest_match(name, names)) message += " (did you mean '" + *close + "'?)";
    ctx.error(ctx.at(list[i].Mark()), "check_fields[" + std::to_string(i) + "]", message);
  }
}

// A task's timeout beyond the pipeline's changes nothing (the window's deadline comes first):
// accepted, with a warning saying so.
void build_timeouts(PipelineConfig& p, const Fields& f, const CheckContext& ctx) {
  p.timeout = duration_of(f, "timeout");
  const Fields* tasks = f.section("tasks");
  if (!tasks) return;
  for (const auto& entry : tasks->entries()) {
    if (entry.children.empty()) continue;
    const Fields& task = entry.children.front();
    const auto* timeout = task.get<time::Duration>("timeout");
    if (!timeout || !task.is_set("timeout")) continue;
    p.task_timeouts.emplace(std::string(entry.spec->name), *timeout);
    if (timeout->fixed > p.timeout.fixed)
      ctx.warning(task.where_of("timeout"), task.path_of("timeout"),
                  "longer than the pipeline's timeout (" + time::to_string(p.timeout) +
                      (f.is_set("timeout") ? "" : ", the default") +
                      "), which ends the window first");
  }
}

// `loaded` only where the count a server reports for the load is what the audit compares:
// not in a SQL pipeline (its own statements load), not for a target kind whose loads report
// nothing, not for upsert (the server counts an unchanged row of a repeated key as not
// written; the upsert's audit already counts the window's keys inside the load).
void build_audit(PipelineConfig& p, const Fields& audit, const CheckContext& ctx) {
  p.max_difference_pct = audit.value_or<double>("max_difference_pct", 0);
  if (audit.string_or("target_count", "recount") != "loaded") return;
  p.audit_loaded_count = true;
  const auto refuse = [&](const std::string& why) {
    audit.error(*ctx.diags, "target_count", "'loaded' " + why + ": use 'recount'");
  };
  if (p.kind == PipelineConfig::Kind::sql)
    return refuse("is for copy pipelines; a SQL pipeline's audit counts the target's window");
  if (p.target.kind.empty()) return;  // reported
  const auto* adapter = adapters::find_adapter(p.target.kind);
  if (adapter && !adapter->reports_loaded_rows)
    return refuse("needs a target whose server reports the rows a load wrote; kind " +
                  p.target.kind + " does not (kinds that do: " + adapters::loaded_count_kinds() +
                  ")");
  if (adapters::load_settings(p.target.params).mode == adapters::LoadMode::upsert)
    refuse(
        "is for load replace_window or append; an upsert's audit already counts the target's "
        "rows of the window's keys inside the load");
}

Fields* mutable_section(Fields& f, std::string_view key) {
  Fields::Entry* e = f.find(key);
  return e && !e->children.empty() ? &e->children.front() : nullptr;
}

}  // namespace

PipelineConfig build_pipeline(const YAML::Node& root, const DaemonConfig& daemon,
                              const CheckContext& ctx) {
  PipelineConfig p;
  p.file = ctx.file;
  const Location top = root.IsMap() ? ctx.at(root.Mark()) : Location{ctx.file, 1, 1};
  p.fields = check_section(root, {&pipeline_keys()}, "", top, ctx);
  Fields& f = p.fields;
  p.kind =
      f.string_or("kind", "copy") == "sql" ? PipelineConfig::Kind::sql : PipelineConfig::Kind::copy;
  if (p.kind == PipelineConfig::Kind::copy) {
    p.source = check_endpoint(root, Role::source, daemon, ctx);
    p.target = check_endpoint(root, Role::target, daemon, ctx);
    // `source` is required of a copy pipeline only (the key table cannot say so).
    const YAML::Node source = value_node(root, "source");
    if (root.IsMap() && (!source.IsDefined() || source.IsNull()))
      ctx.error(f.where_of("source"), "source",
                source.IsDefined() ? "required key has no value" : "required key is missing");
    inherit_time_column(p, ctx);
    check_not_same_place(p, ctx);
    if (auto* e = f.find("source")) e->children = {p.source.params};
  } else {
    p.target = check_endpoint(root, Role::sql, daemon, ctx);
  }
  build_sql(p, root, ctx);
  build_ddl(p, ctx);
  build_run_if(p, root, daemon, ctx);
  if (auto* e = f.find("target")) e->children = {p.target.params};

  p.id.value = f.string_or("id");
  p.description = f.string_or("description");
  if (Fields* schedule = mutable_section(f, "schedule")) {
    p.cron = schedule->value_or<time::Cron>("cron", {});
    p.zone = schedule->value_or<time::Zone>("timezone", nullptr);
    if (!schedule->is_set("timezone")) {
      p.zone = daemon.timezone;
      schedule->set_derived("timezone", p.zone);
    }
  }
  if (const Fields* window = f.section("window")) build_window(p, *window, ctx);
  // Checked here so that its errors come with the others; the runtime builds it again.
  if (const Fields* t = f.section("transform"); t && p.kind == PipelineConfig::Kind::copy)
    transform::build_spec(*t, adapters::find_adapter(p.target.kind), *ctx.diags);
  build_checks(p, root, daemon, ctx);
  if (const Fields* audit = f.section("audit")) build_audit(p, *audit, ctx);
  if (const Fields* r = f.section("retries")) {
    p.retries = {static_cast<int>(r->value_or<std::int64_t>("max", 3)),
                 duration_of(*r, "base_delay"), duration_of(*r, "max_delay")};
    if (r->get<time::Duration>("base_delay") && r->get<time::Duration>("max_delay") &&
        p.retries.max_delay.fixed < p.retries.base_delay.fixed) {
      r->error(*ctx.diags, "max_delay",
               "must be at least base_delay (" + time::to_string(p.retries.base_delay) + ")");
    }
  }
  if (f.is_set("stale_threshold")) {
    p.stale_threshold = duration_of(f, "stale_threshold");
    if (f.get<time::Duration>("stale_threshold") &&
        p.stale_threshold.fixed <= daemon.scheduler.heartbeat_interval.fixed) {
      f.error(*ctx.diags, "stale_threshold",
              "must be longer than the daemon's scheduler.heartbeat_interval (" +
                  time::to_string(daemon.scheduler.heartbeat_interval) + ")");
    }
  } else {
    p.stale_threshold = daemon.stale_threshold;
    f.set_derived("stale_threshold", p.stale_threshold);
  }
  build_timeouts(p, f, ctx);
  if (const auto* sla = f.get<time::Duration>("sla")) p.sla = sla->fixed;
  build_fields(p, f, root, ctx);
  p.max_active_windows = static_cast<int>(f.value_or<std::int64_t>("max_active_windows", 1));
  build_pool(p, f, daemon, ctx);
  if (const Fields* n = f.section("notifications")) {
    p.notifications = build_notifications(*n, ctx);
    if (!p.notifications.email_list.empty() && !daemon.notifications.smtp)
      ctx.warning(n->where_of("email_list"), n->path_of("email_list"),
                  "no e-mail is sent: the daemon file has no notifications.smtp (the mail "
                  "server)");
  }
  for (const Fields& d : f.list("depends_on")) {
    const auto* upstream = d.get<std::string>("pipeline");
    if (!upstream) continue;  // reported
    p.depends_on.push_back({.upstream = PipelineId{*upstream},
                            .mode = d.string_or("mode", "windows") == "latest"
                                        ? Dependency::Mode::latest
                                        : Dependency::Mode::windows,
                            .where = d.where_of("pipeline")});
  }
  p.layer = layer_named(f.string_or("layer"));
  p.tags = f.value_or<std::vector<std::string>>("tags", {});
  p.paused = f.value_or<bool>("paused", false);
  return p;
}

}  // namespace sluice::config
