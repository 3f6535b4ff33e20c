#include "daemon/ctl/loaded_config.hpp"

#include "daemon/ops/selection.hpp"

namespace sluice::ctl {

config::Config load_pipelines(const Context& ctx) {
  auto loaded = config::load_config(ctx.config_path);
  if (loaded) return std::move(*loaded);
  std::string message = "invalid config " + ctx.config_path + " (see `sluicectl validate`):";
  for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
  throw UsageError(message);
}

const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id) {
  return *take(ops::find_pipeline(config, id));
}

}  // namespace sluice::ctl
