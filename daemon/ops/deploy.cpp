#include "daemon/ops/deploy.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "framework/config/graph.hpp"

namespace sluice::ops {
namespace {

bool is_table_target(const config::PipelineConfig& p, const config::Config& config) {
  const auto* c = config.daemon.find_connection(p.target.connection);
  return c && c->adapter && c->adapter->make_sql_runner;
}

adapters::sql::Dialect dialect_of(const config::Config& config, const config::PipelineConfig& p) {
  const auto* c = config.daemon.find_connection(p.target.connection);
  return c && c->adapter ? c->adapter->sql_dialect : adapters::sql::Dialect::postgres;
}

// The table as configured, for messages and for telling whether two pipelines share one.
std::string table_of(const config::PipelineConfig& p) {
  return p.target.params.string_or("table");
}

// Whether `other` reads or writes `table` on `connection`: its target, or its source.
bool uses_table(const config::PipelineConfig& other, const std::string& connection,
                const std::string& table) {
  const auto same = [&](const adapters::EndpointConfig& e) {
    return e.connection == connection && e.params.string_or("table") == table;
  };
  return same(other.target) || (!other.source.connection.empty() && same(other.source));
}

}  // namespace

std::vector<const config::PipelineConfig*> with_descendants(const config::Config& config,
                                                            const config::PipelineConfig& root,
                                                            bool with_children) {
  std::vector<const config::PipelineConfig*> out = {&root};
  if (!with_children) return out;
  // A descendant that is not loaded (quarantined) has no table here to act on.
  for (const auto& id : config::PipelineGraph(config).descendants(root.id.value))
    if (const auto* p = config.find_pipeline(id)) out.push_back(p);
  return out;
}

std::string_view to_string(TablePlan::Action action) {
  switch (action) {
    case TablePlan::Action::create: return "create";
    case TablePlan::Action::matches: return "exists, columns match";
    case TablePlan::Action::differs: return "exists, differs";
    case TablePlan::Action::missing: return "missing, no ddl to create it";
    case TablePlan::Action::present: return "exists, no ddl to compare";
    case TablePlan::Action::no_table: return "no table";
  }
  return "?";
}

std::vector<std::string> column_differences(
    const adapters::sql::CreateTable& ddl, const std::vector<std::optional<std::string>>& ddl_types,
    const std::vector<adapters::TableColumn>& table, adapters::sql::Dialect dialect) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ddl.columns.size(); ++i) {
    const auto& c = ddl.columns[i];
    const auto found = std::find_if(table.begin(), table.end(), [&](const auto& t) {
      return adapters::sql::same_name(t.name, c.name, dialect);
    });
    if (found == table.end()) {
      out.push_back("missing column " + c.name);
      continue;
    }
    const auto& type = i < ddl_types.size() ? ddl_types[i] : std::nullopt;
    if (type && *type != found->type)
      out.push_back(
          fmt::format("column {}: ddl {} ({}), table {}", c.name, c.type, *type, found->type));
  }
  for (const auto& t : table) {
    const bool in_ddl = std::any_of(ddl.columns.begin(), ddl.columns.end(), [&](const auto& c) {
      return adapters::sql::same_name(t.name, c.name, dialect);
    });
    if (!in_ddl) out.push_back("extra column " + t.name);
  }
  return out;
}

Result<std::unique_ptr<adapters::SqlRunner>> table_runner(const config::Config& config,
                                                          const config::PipelineConfig& p) {
  if (!is_table_target(p, config)) return std::unique_ptr<adapters::SqlRunner>{};
  const auto* c = config.daemon.find_connection(p.target.connection);
  auto runner = c->adapter->make_sql_runner(*c, p.target);
  if (!runner)
    return fail(Error{runner.error().kind,
                      "pipeline " + p.id.value + ": target: " + runner.error().message});
  return runner;
}

Result<std::vector<TablePlan>> plan_deploy(
    const config::Config& config, const std::vector<const config::PipelineConfig*>& order) {
  std::vector<TablePlan> out;
  for (const auto* p : order) {
    TablePlan plan;
    plan.pipeline = p;
    plan.connection = p->target.connection;
    plan.table = table_of(*p);
    auto runner = table_runner(config, *p);
    if (!runner) return fail(runner.error());
    if (!*runner) {
      out.push_back(std::move(plan));
      continue;
    }
    auto columns = (*runner)->table_columns(nullptr);
    if (!columns) return fail(columns.error());
    if (!p->ddl) {
      plan.action = *columns ? TablePlan::Action::present : TablePlan::Action::missing;
    } else if (!*columns) {
      plan.action = TablePlan::Action::create;
    } else {
      const auto dialect = dialect_of(config, *p);
      // The loader checked the ddl: it parses.
      const auto ddl = adapters::sql::parse_create_table(*p->ddl, dialect);
      if (!ddl)
        return fail(Error::permanent("pipeline " + p->id.value + ": ddl: " + ddl.error().message));
      std::vector<std::string> written;
      for (const auto& c : ddl->columns) written.push_back(c.type);
      auto types = (*runner)->comparable_types(written, nullptr);
      if (!types) return fail(types.error());
      plan.differences = column_differences(*ddl, *types, **columns, dialect);
      plan.action =
          plan.differences.empty() ? TablePlan::Action::matches : TablePlan::Action::differs;
    }
    out.push_back(std::move(plan));
  }
  return out;
}

Result<void> create_tables(const config::Config& config, std::vector<TablePlan>& plan) {
  for (auto& step : plan) {
    if (step.action != TablePlan::Action::create) continue;
    auto runner = table_runner(config, *step.pipeline);
    if (!runner) return fail(runner.error());
    if (auto r = (*runner)->execute(*step.pipeline->ddl, nullptr); !r)
      return fail(Error{r.error().kind, "creating " + step.table + " (pipeline " +
                                            step.pipeline->id.value + "): " + r.error().message});
    step.done = true;
  }
  return {};
}

std::vector<UndeployStep> plan_undeploy(const config::Config& config,
                                        const std::vector<const config::PipelineConfig*>& order) {
  std::set<std::string> leaving;
  for (const auto* p : order) leaving.insert(p->id.value);
  std::vector<UndeployStep> out;
  for (const auto* p : order) {
    UndeployStep step;
    step.pipeline = p;
    step.connection = p->target.connection;
    if (is_table_target(*p, config)) step.table = table_of(*p);
    // A table another pipeline still uses stays: dropping it would break that pipeline.
    for (const auto& other : config.pipelines) {
      if (step.table.empty() || leaving.count(other.id.value)) continue;
      if (uses_table(other, step.connection, step.table)) {
        step.kept_for = other.id.value;
        break;
      }
    }
    out.push_back(std::move(step));
  }
  return out;
}

Result<void> drop_table(const config::Config& config, const UndeployStep& step) {
  auto runner = table_runner(config, *step.pipeline);
  if (!runner) return fail(runner.error());
  if (!*runner) return {};
  if (auto r = (*runner)->drop_table(nullptr); !r)
    return fail(Error{r.error().kind, "dropping " + step.table + " (pipeline " +
                                          step.pipeline->id.value + "): " + r.error().message});
  return {};
}

}  // namespace sluice::ops
