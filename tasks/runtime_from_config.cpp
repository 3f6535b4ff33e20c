#include "tasks/runtime_from_config.hpp"

#include "framework/adapters/registry.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "framework/observe/log.hpp"

namespace sluice::tasks {
namespace {

Error refuse(const config::PipelineConfig& p, const std::string& why) {
  return Error::permanent("pipeline " + p.id.value + " (" + p.file.string() + "): " + why);
}

// A copy pipeline's source, target and transform.
Result<void> copy_adapters(const config::Config& config, const config::PipelineConfig& p,
                           PipelineRuntime& r) {
  const auto* source_connection = config.daemon.find_connection(p.source.connection);
  const auto* target_connection = config.daemon.find_connection(p.target.connection);
  if (!source_connection || !target_connection || !source_connection->adapter ||
      !target_connection->adapter)
    return fail(refuse(p, "its connections are not defined"));
  const auto* source_adapter = source_connection->adapter;
  const auto* target_adapter = target_connection->adapter;
  if (!source_adapter->make_source)
    return fail(refuse(p, "source kind '" + std::string(source_adapter->kind) +
                              "' is not available in this build"));
  if (!target_adapter->make_target)
    return fail(refuse(p, "target kind '" + std::string(target_adapter->kind) +
                              "' is not available in this build"));
  auto source = source_adapter->make_source(*source_connection, p.source);
  if (!source) return fail(refuse(p, "source: " + source.error().message));
  auto target = target_adapter->make_target(*target_connection, p.target);
  if (!target) return fail(refuse(p, "target: " + target.error().message));
  r.source_name = p.source.connection;
  r.source = std::move(*source);
  r.target = std::move(*target);
  if (const auto* t = p.transform()) {
    config::Diagnostics unused;  // the loader reported them already
    r.transform = transform::build_spec(*t, target_adapter, unused);
  }
  if (auto computed = r.target->compute_columns(r.transform.computed_by_target()); !computed)
    return fail(refuse(p, "target: " + computed.error().message));
  return {};
}

// A SQL pipeline's runner on its target's server. Its records name the target's connection
// as their source too: the statements read there.
Result<void> sql_runner(const config::Config& config, const config::PipelineConfig& p,
                        PipelineRuntime& r) {
  const auto* connection = config.daemon.find_connection(p.target.connection);
  if (!connection || !connection->adapter || !p.sql)
    return fail(refuse(p, "its target connection is not defined"));
  if (!connection->adapter->make_sql_runner)
    return fail(refuse(p, "SQL pipelines on kind '" + std::string(connection->adapter->kind) +
                              "' are not available in this build"));
  auto runner = connection->adapter->make_sql_runner(*connection, p.target);
  if (!runner) return fail(refuse(p, "target: " + runner.error().message));
  r.source_name = p.target.connection;
  r.sql = std::move(*runner);
  r.statements = *p.sql;
  return {};
}

// `run_if`, with a runner on the connection its query runs on.
Result<void> run_if_of(const config::Config& config, const config::PipelineConfig& p,
                       PipelineRuntime& r) {
  if (!p.run_if) return {};
  const config::RunIfConfig& c = *p.run_if;
  RunIf out{.sql = c.sql,
            .connection = c.connection,
            .runner = nullptr,
            .min_source_rows = c.min_source_rows,
            .file_exists = c.file_exists,
            .file_root = c.file_root,
            .calendar = c.calendar,
            .skip = c.skip,
            .give_up_after = c.give_up_after.fixed};
  if (c.sql) {
    const auto* connection = config.daemon.find_connection(c.connection);
    if (!connection || !connection->adapter)
      return fail(refuse(p, "run_if.connection '" + c.connection + "' is not defined"));
    if (!connection->adapter->make_sql_runner)
      return fail(refuse(p, "run_if.sql on kind '" + std::string(connection->adapter->kind) +
                                "' is not available in this build"));
    auto runner = connection->adapter->make_sql_runner(*connection, adapters::EndpointConfig{});
    if (!runner) return fail(refuse(p, "run_if.connection: " + runner.error().message));
    out.runner = std::move(*runner);
  }
  r.run_if = std::move(out);
  return {};
}

}  // namespace

Result<std::shared_ptr<const PipelineRuntime>> runtime_from_config(
    const config::Config& config, const config::PipelineConfig& p) {
  const auto stage_format = adapters::formats::parse_format(config.daemon.stage.format);
  if (!stage_format)
    return fail(refuse(p, "unknown stage format '" + config.daemon.stage.format + "'"));
  auto r = std::make_shared<PipelineRuntime>();
  r->id = p.id;
  r->target_name = p.target.connection;
  if (auto built = p.kind == config::PipelineConfig::Kind::sql ? sql_runner(config, p, *r)
                                                               : copy_adapters(config, p, *r);
      !built)
    return fail(built.error());
  if (auto built = run_if_of(config, p, *r); !built) return fail(built.error());
  r->stage = std::make_shared<adapters::LocalStage>(
      config.daemon.stage.root,
      adapters::LocalStage::Layout{*stage_format, config.daemon.stage.compression == "zstd"});
  r->windows = p.window;
  for (const auto& [name, tmpl] : p.business_fields) r->business_fields.emplace(name, tmpl);
  r->check_fields = p.check_fields;
  r->max_difference_pct = p.max_difference_pct;
  r->audit_loaded_count = p.audit_loaded_count;
  if (auto checks = checks_from_config(config, p); checks) {
    r->checks = std::move(*checks);
  } else {
    return fail(refuse(p, "checks: " + checks.error().message));
  }
  r->max_retries = p.retries.max;
  r->backoff = {p.retries.base_delay.fixed, p.retries.max_delay.fixed};
  r->stale_threshold = p.stale_threshold.fixed;
  r->timeouts.window = time::timer_wait(p.timeout);
  for (const auto task : {store::Task::pre_validation, store::Task::source_to_stage,
                          store::Task::stage_to_target, store::Task::audit}) {
    const auto it = p.task_timeouts.find(store::to_string(task));
    if (it != p.task_timeouts.end()) r->timeouts.tasks[task] = time::timer_wait(it->second);
  }
  r->max_active_windows = p.max_active_windows;
  r->max_active_backfill = config.daemon.scheduler.backfill_max_active_windows;
  r->pool = p.pool;
  r->pool_slots = p.pool_slots;
  if (const auto* pool = config.daemon.find_pool(p.pool)) r->pool_size = pool->size;
  r->priority = p.priority;
  r->config_version = p.config_version;
  return std::shared_ptr<const PipelineRuntime>(std::move(r));
}

std::vector<std::shared_ptr<const PipelineRuntime>> runtimes_from_config(
    const config::Config& config) {
  std::vector<std::shared_ptr<const PipelineRuntime>> out;
  for (const auto& p : config.pipelines) {
    if (p.paused) {
      observe::logger("scheduler")
          ->info("pipeline {} is paused in {}: not scheduled", p.id.value, p.file.string());
      continue;
    }
    auto r = runtime_from_config(config, p);
    if (r) {
      out.push_back(std::move(*r));
    } else {
      observe::logger("scheduler")->error("{}: not scheduled", r.error().message);
    }
  }
  return out;
}

}  // namespace sluice::tasks
