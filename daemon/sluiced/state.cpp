#include "daemon/sluiced/state.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "daemon/ops/catalog.hpp"
#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "framework/observe/log.hpp"
#include "framework/store/catalog.hpp"
#include "tasks/runtime_from_config.hpp"

namespace sluice::daemon {
namespace {

// A quarantined file whose pipeline `before` ran keeps that definition and its runtime,
// unless a valid file now holds that id (it is loaded instead).
void keep_previous(State& state, const State& before) {
  auto& config = state.config;
  for (auto& q : config.quarantined) {
    const auto old = std::find_if(before.config.pipelines.begin(), before.config.pipelines.end(),
                                  [&](const auto& p) { return p.file == q.file; });
    if (old == before.config.pipelines.end() || config.find_pipeline(old->id.value)) continue;
    q.pipeline = old->id;
    q.kept_previous = true;
    config.pipelines.push_back(*old);
    for (const auto& runtime : before.all)
      if (runtime->id == old->id) state.all.push_back(runtime);
  }
  std::stable_sort(config.pipelines.begin(), config.pipelines.end(),
                   [](const auto& a, const auto& b) { return a.file < b.file; });
}

// The catalog as the database has it now, or nothing (logged) when it cannot be read.
struct CatalogRead {
  std::unique_ptr<store::Connection> connection;
  std::vector<config::CatalogDefinition> definitions;
  std::int64_t seq = -1;
};

std::optional<CatalogRead> read_catalog(const CatalogAccess& access) {
  const auto log = observe::logger("config");
  auto connection = store::connect(access.database_url, {"sluiced", 5});
  if (!connection) {
    log->warn("catalog not read ({}): catalog pipelines keep their previous definitions",
              connection.error().message);
    return std::nullopt;
  }
  CatalogRead read;
  store::Catalog catalog(**connection);
  // The change count first: a change made between the two reads is read again at the next
  // poll rather than missed.
  auto seq = catalog.last_change();
  auto current = seq ? catalog.current() : tl::unexpected(seq.error());
  if (!current) {
    log->warn("catalog not read ({}): catalog pipelines keep their previous definitions",
              current.error().message);
    return std::nullopt;
  }
  read.seq = *seq;
  read.definitions = ops::loader_definitions(std::move(*current));
  read.connection = std::move(*connection);
  return read;
}

// The version each pipeline's windows record: a catalog pipeline's own; a file pipeline's
// text stored when new, all of them in a few statements (a batch that fails is tried again
// file by file, so one bad file costs its own version only). Without the database, a file
// pipeline whose text `before` ran keeps that version.
void set_versions(config::Config& config, const CatalogAccess& access, CatalogRead* read,
                  const State* before) {
  const auto log = observe::logger("config");
  std::vector<config::PipelineConfig*> files;
  for (auto& p : config.pipelines) {
    if (p.catalog_version)
      p.config_version = *p.catalog_version;
    else
      files.push_back(&p);
  }
  std::vector<bool> stored(files.size(), false);
  const auto ran = before ? config::index_pipelines(before->config) : config::PipelineIndex{};
  if (read && !files.empty()) {
    store::Catalog catalog(*read->connection);
    std::vector<store::Catalog::FileText> texts;
    texts.reserve(files.size());
    for (const auto* p : files) texts.push_back({p->id, p->file.string(), p->text});
    auto versions = catalog.file_versions(texts, access.holder);
    if (!versions)
      log->warn("cannot store the versions of the pipeline files at once ({}): one by one",
                versions.error().message);
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto& p = *files[i];
      auto version = versions ? Result<int>((*versions)[i])
                              : catalog.file_version(p.id, p.file.string(), p.text, access.holder);
      if (version) {
        p.config_version = *version;
        stored[i] = true;
        continue;
      }
      log->warn("pipeline={} cannot store the version of {}: {}", p.id.value, p.file.string(),
                version.error().message);
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (stored[i]) continue;
    auto& p = *files[i];
    const auto old = ran.find(p.id.value);
    if (old != ran.end() && old->second->text == p.text)
      p.config_version = old->second->config_version;
  }
}

}  // namespace

tl::expected<std::shared_ptr<const State>, std::vector<std::string>> load_state(
    const std::filesystem::path& file, const State* before, const CatalogAccess* access) {
  std::optional<CatalogRead> read;
  if (access) read = read_catalog(*access);
  std::vector<config::CatalogDefinition> catalog;
  std::int64_t seq = -1;
  if (read) {
    catalog = read->definitions;
    seq = read->seq;
  } else if (before) {
    catalog = before->catalog;
    seq = before->catalog_seq;
  }
  config::LoadOptions options;
  options.catalog = &catalog;
  options.keep_fields = false;
  auto loaded = config::load_config_isolating(file, options);
  if (!loaded) {
    std::ostringstream text;
    config::print_diagnostics(text, file.string(), loaded.error());
    std::vector<std::string> lines;
    std::istringstream in(text.str());
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    return tl::unexpected(std::move(lines));
  }
  for (const auto& w : loaded->warnings)
    observe::logger("config")->warn("warning: {}", to_string(w));
  auto state = std::make_shared<State>();
  state->config = std::move(*loaded);
  state->catalog = std::move(catalog);
  state->catalog_seq = seq;
  if (access) set_versions(state->config, *access, read ? &*read : nullptr, before);
  state->all = tasks::runtimes_from_config(state->config);
  if (before) keep_previous(*state, *before);
  const auto by_id = config::index_pipelines(state->config);
  for (const auto& runtime : state->all) {
    const auto p = by_id.find(runtime->id.value);
    if (p != by_id.end() && !p->second->paused) state->active.push_back(runtime);
  }
  state->claimable = tasks::claimable(state->active);
#ifdef __GLIBC__
  // A load of thousands of files frees most of what it allocated (YAML trees, checked trees,
  // diagnostics) in small blocks among the ones it keeps: glibc keeps those pages unless
  // asked, and an idle daemon's RSS would stay at the load's peak.
  malloc_trim(0);
#endif
  return std::shared_ptr<const State>(std::move(state));
}

std::string StateDiff::describe() const {
  std::string out;
  auto list = [&](std::string_view label, const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    if (!out.empty()) out += "; ";
    out += std::string(label) + " ";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
  };
  list("added", added);
  list("removed", removed);
  list("changed", changed);
  list("paused", paused);
  list("unpaused", unpaused);
  return out.empty() ? "no pipeline changed" : out;
}

StateDiff diff(const State& before, const State& after) {
  StateDiff d;
  const auto was = config::index_pipelines(before.config);
  const auto is = config::index_pipelines(after.config);
  for (const auto& p : after.config.pipelines) {
    const auto found = was.find(p.id.value);
    if (found == was.end()) {
      d.added.push_back(p.id.value);
      continue;
    }
    const auto* old = found->second;
    if (old->paused != p.paused) (p.paused ? d.paused : d.unpaused).push_back(p.id.value);
    auto a = config::pipeline_config_json(*old), b = config::pipeline_config_json(p);
    a.erase("paused");
    b.erase("paused");
    if (a != b) d.changed.push_back(p.id.value);
  }
  for (const auto& p : before.config.pipelines)
    if (!is.count(p.id.value)) d.removed.push_back(p.id.value);
  return d;
}

}  // namespace sluice::daemon
