#include "daemon/sluiced/state.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "framework/config/load.hpp"
#include "framework/config/show.hpp"
#include "framework/observe/log.hpp"
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

}  // namespace

tl::expected<std::shared_ptr<const State>, std::vector<std::string>> load_state(
    const std::filesystem::path& file, const State* before) {
  auto loaded = config::load_config_isolating(file);
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
  state->all = tasks::runtimes_from_config(state->config);
  if (before) keep_previous(*state, *before);
  for (const auto& runtime : state->all) {
    const auto* p = state->config.find_pipeline(runtime->id.value);
    if (p && !p->paused) state->active.push_back(runtime);
  }
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
  const auto old_json = config::effective_config(before.config, std::nullopt)["pipelines"];
  const auto new_json = config::effective_config(after.config, std::nullopt)["pipelines"];
  StateDiff d;
  for (const auto& p : after.config.pipelines) {
    const auto* old = before.config.find_pipeline(p.id.value);
    if (!old) {
      d.added.push_back(p.id.value);
      continue;
    }
    if (old->paused != p.paused) (p.paused ? d.paused : d.unpaused).push_back(p.id.value);
    auto a = old_json.at(p.id.value), b = new_json.at(p.id.value);
    a.erase("paused");
    b.erase("paused");
    if (a != b) d.changed.push_back(p.id.value);
  }
  for (const auto& p : before.config.pipelines)
    if (!after.config.find_pipeline(p.id.value)) d.removed.push_back(p.id.value);
  return d;
}

}  // namespace sluice::daemon
