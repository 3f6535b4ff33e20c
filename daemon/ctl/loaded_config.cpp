#include "daemon/ctl/loaded_config.hpp"

#include "framework/core/suggest.hpp"

namespace sluice::ctl {

config::Config load_pipelines(const Context& ctx) {
  auto loaded = config::load_config(ctx.config_path);
  if (loaded) return std::move(*loaded);
  std::string message = "invalid config " + ctx.config_path + " (see `sluicectl validate`):";
  for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
  throw UsageError(message);
}

const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id) {
  if (const auto* p = config.find_pipeline(id)) return *p;
  std::vector<std::string_view> ids;
  for (const auto& p : config.pipelines) ids.push_back(p.id.value);
  std::string message = "unknown pipeline '" + std::string(id) + "'";
  if (auto near = closest_match(id, ids)) message += " (did you mean '" + *near + "'?)";
  message += "; pipelines:";
  for (auto i : ids) message += " " + std::string(i);
  throw UsageError(message);
}

}  // namespace sluice::ctl
