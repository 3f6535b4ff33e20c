#include "daemon/ctl/loaded_config.hpp"

#include <ostream>

#include "daemon/ops/selection.hpp"

namespace sluice::ctl {

config::Config load_pipelines(const Context& ctx, bool warn, bool read_secrets) {
  auto loaded = config::load_config_isolating(ctx.config_path, {nullptr, read_secrets});
  if (loaded) {
    if (warn) {
      for (const auto& q : loaded->quarantined)
        *ctx.err << "warning: pipeline " << q.pipeline.value
                 << " left out: " << config::config_error_text(q) << "\n";
    }
    return std::move(*loaded);
  }
  std::string message = "invalid config " + ctx.config_path + " (see `sluicectl validate`):";
  for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
  throw UsageError(message);
}

const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id) {
  return *take(ops::find_pipeline(config, id));
}

}  // namespace sluice::ctl
