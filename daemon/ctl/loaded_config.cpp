#include "daemon/ctl/loaded_config.hpp"

#include <ostream>

#include "daemon/ctl/database.hpp"
#include "daemon/ops/catalog.hpp"
#include "daemon/ops/selection.hpp"
#include "framework/store/catalog.hpp"

namespace sluice::ctl {

namespace {

config::Config loaded_or_throw(const Context& ctx, const config::LoadOptions& options, bool warn) {
  auto loaded = config::load_config_isolating(ctx.config_path, options);
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

config::Config with_catalog(const Context& ctx, std::vector<store::Definition> current, bool warn) {
  const auto catalog = ops::loader_definitions(std::move(current));
  config::LoadOptions options;
  options.catalog = &catalog;
  return loaded_or_throw(ctx, options, warn);
}

}  // namespace

config::Config load_pipelines(const Context& ctx, bool warn, bool read_secrets) {
  return loaded_or_throw(ctx, {nullptr, read_secrets}, warn);
}

config::Config load_pipelines(const Context& ctx, store::Connection& connection, bool warn) {
  auto current = store::Catalog(connection).current();
  if (!current) throw Failure(current.error());
  return with_catalog(ctx, std::move(*current), warn);
}

config::Config load_all_pipelines(const Context& ctx, bool warn) {
  std::unique_ptr<store::Connection> connection;
  try {
    connection = open_database(ctx);
  } catch (const std::exception&) {
    return load_pipelines(ctx, warn);
  }
  auto current = store::Catalog(*connection).current();
  if (!current) {
    *ctx.err << "warning: the catalog's pipelines left out: " << current.error().message << "\n";
    return load_pipelines(ctx, warn);
  }
  return with_catalog(ctx, std::move(*current), warn);
}

const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id) {
  return *take(ops::find_pipeline(config, id));
}

}  // namespace sluice::ctl
