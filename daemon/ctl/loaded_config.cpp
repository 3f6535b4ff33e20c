#include "daemon/ctl/loaded_config.hpp"

#include <algorithm>
#include <ostream>

#include "daemon/ctl/database.hpp"
#include "daemon/ctl/status_cache.hpp"
#include "daemon/ops/catalog.hpp"
#include "daemon/ops/selection.hpp"
#include "framework/schema/document_check.hpp"
#include "framework/schema/file_text.hpp"
#include "framework/store/catalog.hpp"

namespace sluice::ctl {

namespace {

template <typename T>
T loaded_or_throw(const Context& ctx, tl::expected<T, config::Diagnosed> loaded) {
  if (loaded) return std::move(*loaded);
  std::string message = "invalid config " + ctx.config_path + " (see `sluicectl validate`):";
  for (const auto& d : loaded.error()) message += "\n  " + config::to_string(d);
  throw UsageError(message);
}

config::Config loaded_or_throw(const Context& ctx, const config::LoadOptions& options) {
  return loaded_or_throw(ctx, config::load_config_isolating(ctx.config_path, options));
}

config::Config warned(const Context& ctx, config::Config config, bool warn) {
  if (warn) {
    for (const auto& q : config.quarantined)
      *ctx.err << "warning: pipeline " << q.pipeline.value
               << " left out: " << config::config_error_text(q) << "\n";
  }
  return config;
}

config::Config with_catalog(const Context& ctx, std::vector<store::Definition> current,
                            const std::vector<std::string>* only) {
  const auto catalog = ops::loader_definitions(std::move(current));
  config::LoadOptions options;
  options.catalog = &catalog;
  options.only = only;
  return loaded_or_throw(ctx, options);
}

// With the catalog's pipelines when the database answers, else the files alone.
config::Config load_with_catalog(const Context& ctx, const std::vector<std::string>* only) {
  config::LoadOptions files_alone;
  files_alone.only = only;
  std::unique_ptr<store::Connection> connection;
  try {
    connection = open_database(ctx);
  } catch (const std::exception&) {
    return loaded_or_throw(ctx, files_alone);
  }
  auto current = store::Catalog(*connection).current();
  if (!current) {
    *ctx.err << "warning: the catalog's pipelines left out: " << current.error().message << "\n";
    return loaded_or_throw(ctx, files_alone);
  }
  return with_catalog(ctx, std::move(*current), only);
}

}  // namespace

config::Config load_pipelines(const Context& ctx, bool warn, bool read_secrets) {
  config::LoadOptions options;
  options.resolve_secrets = read_secrets;
  return warned(ctx, loaded_or_throw(ctx, options), warn);
}

config::Config load_pipelines(const Context& ctx, store::Connection& connection, bool warn) {
  auto current = store::Catalog(connection).current();
  if (!current) throw Failure(current.error());
  return warned(ctx, with_catalog(ctx, std::move(*current), nullptr), warn);
}

config::Config load_all_pipelines(const Context& ctx, bool warn) {
  return warned(ctx, load_with_catalog(ctx, nullptr), warn);
}

config::Config load_named_pipelines(const Context& ctx, const std::vector<std::string>& ids,
                                    bool warn, Missing missing) {
  auto config = load_with_catalog(ctx, &ids);
  const bool all_loaded = std::all_of(ids.begin(), ids.end(), [&](const std::string& id) {
    return config.find_pipeline(id) != nullptr;
  });
  if (!all_loaded && missing == Missing::load_all) config = load_with_catalog(ctx, nullptr);
  return warned(ctx, std::move(config), warn);
}

config::Config load_pipeline_summaries(const Context& ctx,
                                       std::unique_ptr<store::Connection>& connection, bool warn,
                                       bool use_cache) {
  const auto cache = use_cache ? status_cache_file(ctx.config_path) : std::nullopt;
  if (!cache) return load_all_pipelines(ctx, warn);
  auto daemon = loaded_or_throw(ctx, config::load_daemon_config(ctx.config_path));
  const auto daemon_text = config::read_regular_file(ctx.config_path, config::kMaxConfigFileBytes);
  if (!daemon_text) return load_all_pipelines(ctx, warn);
  connection = open_database(ctx);
  auto current = store::Catalog(*connection).current();
  const auto* catalog = current ? &*current : nullptr;
  const auto dir = daemon.pipelines_dir;
  const auto key =
      status_cache_key(ctx.config_path, *daemon_text, dir, config::pipeline_files(dir), catalog);
  if (auto hit = read_status_cache(*cache, key, std::move(daemon)))
    return warned(ctx, std::move(*hit), warn);

  config::Config config;
  if (current) {
    config = with_catalog(ctx, *current, nullptr);
  } else {
    *ctx.err << "warning: the catalog's pipelines left out: " << current.error().message << "\n";
    config = loaded_or_throw(ctx, config::LoadOptions{});
  }
  write_status_cache(
      *cache, key,
      status_cache_key(ctx.config_path, *daemon_text, dir, config::pipeline_files(dir), catalog),
      config);
  return warned(ctx, std::move(config), warn);
}

const config::PipelineConfig& find_pipeline(const config::Config& config, std::string_view id) {
  return *take(ops::find_pipeline(config, id));
}

}  // namespace sluice::ctl
