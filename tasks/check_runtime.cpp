#include "tasks/check_runtime.hpp"

#include <map>

namespace sluice::tasks {
namespace {

using Kind = config::CheckSpec::Kind;

// The server of `connection_name` for `section` as `role` (null: the connection alone).
Result<std::shared_ptr<adapters::CheckServer>> server_of(const config::Config& config,
                                                         const std::string& connection_name,
                                                         const adapters::EndpointConfig* section,
                                                         adapters::Role role) {
  const auto* connection = config.daemon.find_connection(connection_name);
  if (!connection || !connection->adapter || !connection->adapter->make_check_server)
    return fail(Error::permanent("connection '" + connection_name + "' cannot run data checks"));
  auto server = connection->adapter->make_check_server(*connection, section, role);
  if (!server) return fail(server.error());
  return std::shared_ptr<adapters::CheckServer>(std::move(*server));
}

}  // namespace

Result<std::vector<WindowCheck>> checks_from_config(const config::Config& config,
                                                    const config::PipelineConfig& p) {
  std::vector<WindowCheck> out;
  std::shared_ptr<adapters::WindowQuery> target, source;
  std::map<std::string, std::shared_ptr<adapters::CheckQuery>> queries;
  const auto target_role =
      p.kind == config::PipelineConfig::Kind::sql ? adapters::Role::sql : adapters::Role::target;
  for (const auto& spec : p.checks) {
    WindowCheck c{spec, nullptr, nullptr, nullptr};
    if (spec.kind != Kind::sql && !target) {
      auto server = server_of(config, p.target.connection, &p.target, target_role);
      if (!server) return fail(server.error());
      target = std::make_shared<adapters::WindowQuery>(std::move(*server));
    }
    if (spec.kind == Kind::sum_match && !source) {
      auto server = server_of(config, p.source.connection, &p.source, adapters::Role::source);
      if (!server) return fail(server.error());
      source = std::make_shared<adapters::WindowQuery>(std::move(*server));
    }
    if (spec.kind == Kind::sql) {
      auto& query = queries[spec.connection];
      if (!query) {
        auto server = server_of(config, spec.connection, nullptr, adapters::Role::target);
        if (!server) return fail(server.error());
        query = std::make_shared<adapters::CheckQuery>(std::move(*server));
      }
      c.query = query;
    } else {
      c.target = target;
      if (spec.kind == Kind::sum_match) c.source = source;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sluice::tasks
