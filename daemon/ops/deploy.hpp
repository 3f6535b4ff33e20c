#pragma once
// `sluicectl deploy` and `undeploy`: the target tables of a pipeline (and its descendants),
// planned before anything changes. Deploy creates what is missing from each pipeline's `ddl`,
// parents first, and compares an existing table's columns with the `ddl` without altering
// it; undeploy pauses, children first, and may drop the tables in the same order. The
// tables are reached through each target connection's SqlRunner (registry row
// `make_sql_runner`).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/adapters/ddl.hpp"
#include "framework/adapters/sql_runner.hpp"
#include "framework/config/model.hpp"

namespace sluice::ops {

// The pipeline and every pipeline downstream of it by `depends_on`, parents first (a
// pipeline after all of its upstreams). `with_children` false: the pipeline alone.
std::vector<const config::PipelineConfig*> with_descendants(const config::Config& config,
                                                            const config::PipelineConfig& root,
                                                            bool with_children);

// What deploy finds for one pipeline's target table.
struct TablePlan {
  enum class Action {
    create,    // missing, and the ddl creates it
    matches,   // there, with the ddl's columns
    differs,   // there, with other columns: `differences` says how; nothing is altered
    missing,   // missing, and no ddl to create it
    present,   // there, no ddl to compare with
    no_table,  // the target is no table (a file, an HTTP endpoint)
  };
  const config::PipelineConfig* pipeline = nullptr;
  std::string connection;
  std::string table;
  Action action = Action::no_table;
  std::vector<std::string> differences;
  bool done = false;  // created by this run
};
std::string_view to_string(TablePlan::Action action);

// The column differences between a CREATE TABLE and a table: a column of the ddl the table
// lacks, one the table has beyond the ddl, a type that differs where both are comparable
// (`ddl_types`, one per ddl column, as SqlRunner::comparable_types gives them). Empty: they
// match.
std::vector<std::string> column_differences(
    const adapters::sql::CreateTable& ddl, const std::vector<std::optional<std::string>>& ddl_types,
    const std::vector<adapters::TableColumn>& table, adapters::sql::Dialect dialect);

// The runner of a pipeline's target table, or nullptr when its target is no table. Errors:
// the connection cannot be built (a secret unresolved).
Result<std::unique_ptr<adapters::SqlRunner>> table_runner(const config::Config& config,
                                                          const config::PipelineConfig& p);

// Looks at each pipeline's table (in the order given), changing nothing.
Result<std::vector<TablePlan>> plan_deploy(const config::Config& config,
                                           const std::vector<const config::PipelineConfig*>& order);
// Creates the tables of `plan` whose action is create, in order; stops at the first failure.
Result<void> create_tables(const config::Config& config, std::vector<TablePlan>& plan);

// What undeploy does to one pipeline: pause it, and drop its table (with --drop-tables)
// unless another pipeline that stays deployed uses it (`kept_for` names it).
struct UndeployStep {
  const config::PipelineConfig* pipeline = nullptr;
  std::string connection;
  std::string table;  // empty: the target is no table
  std::optional<std::string> kept_for;
};
// `order`: children first.
std::vector<UndeployStep> plan_undeploy(const config::Config& config,
                                        const std::vector<const config::PipelineConfig*>& order);
Result<void> drop_table(const config::Config& config, const UndeployStep& step);

}  // namespace sluice::ops
