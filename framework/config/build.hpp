#pragma once
// From a checked YAML tree to the typed model, with the rules that span keys (internal to the
// loader).
#include <yaml-cpp/yaml.h>

#include "framework/config/model.hpp"
#include "framework/schema/node_check.hpp"

namespace sluice::config {

// A duration key's value (its table's default when unset).
inline time::Duration duration_of(const Fields& f, std::string_view key) {
  return f.value_or<time::Duration>(key, {});
}

// The notification sections (build_notifications.cpp); problems go to ctx.diags.
Notifications build_notifications(const Fields& f, const CheckContext& ctx);
NotificationSettings build_notification_settings(const Fields& f, const CheckContext& ctx);

// `kind: sql` (its statements, and what a SQL pipeline may not have) and `ddl`, once the
// pipeline's target is built (build_sql.cpp).
void build_sql(PipelineConfig& p, const YAML::Node& root, const CheckContext& ctx);
void build_ddl(PipelineConfig& p, const CheckContext& ctx);
// `checks:`, once the source, target, ddl and transform are built (build_checks.cpp).
void build_checks(PipelineConfig& p, const YAML::Node& root, const DaemonConfig& daemon,
                  const CheckContext& ctx);

// The daemon file's `pools` and a pipeline's `pool`, `pool_slots` and `priority`
// (pools.cpp); problems go to ctx.diags.
std::vector<PoolConfig> build_pools(const Fields& daemon_fields);
void build_pool(PipelineConfig& p, const Fields& f, const DaemonConfig& daemon,
                const CheckContext& ctx);

// The connection `name` when the daemon file defines it and it can play `role`; otherwise
// nullptr, the error (an unknown name with a "did you mean", a kind that cannot) reported at
// `at` under `path` (build_pipeline.cpp).
const ConnectionConfig* find_role_connection(const std::string& name, adapters::Role role,
                                             const YAML::Node& at, const std::string& path,
                                             const DaemonConfig& daemon, const CheckContext& ctx);
// Whether the statement of `key` has no problem in `dialect` (or is not set); each problem is
// reported where it is in the statement (build_sql.cpp).
bool check_statement(const Fields& section, std::string_view key, adapters::sql::Dialect dialect,
                     const CheckContext& ctx);
// `run_if`, once the pipeline's source and target are built (build_run_if.cpp).
void build_run_if(PipelineConfig& p, const YAML::Node& root, const DaemonConfig& daemon,
                  const CheckContext& ctx);

// Never fails: problems go to ctx.diags and the affected values keep their defaults.
DaemonConfig build_daemon(const YAML::Node& root, const CheckContext& ctx);
PipelineConfig build_pipeline(const YAML::Node& root, const DaemonConfig& daemon,
                              const CheckContext& ctx);

// The `depends_on` checks across files (dependencies.cpp): each pipeline file with a
// readable id, and where its errors go.
struct DependencyFile {
  const PipelineConfig* pipeline;
  Diagnostics* diags;
};
void check_dependencies(const std::vector<DependencyFile>& files);
// Lineage (dependencies.cpp): a warning at a pipeline's `source.table` for each pipeline whose
// target table it reads without listing it in depends_on.
void check_lineage(const std::vector<DependencyFile>& files, const DaemonConfig& daemon);

}  // namespace sluice::config
