#include "tasks/dependencies.hpp"

namespace sluice::tasks {
namespace {

// The longest window a granularity makes: its length, a DST hour longer in a fold, and a
// margin. An upstream this config does not hold (quarantined) gets a month's.
std::chrono::seconds longest_window(const config::PipelineConfig* upstream) {
  using std::chrono::hours;
  if (!upstream) return hours(24 * 32);
  const auto& g = upstream->window.granularity;
  switch (g.unit()) {
    case time::Granularity::Unit::sub_day: return g.step() + hours(2);
    case time::Granularity::Unit::day: return hours(26);
    case time::Granularity::Unit::week: return hours(24 * 7 + 2);
    case time::Granularity::Unit::month: return hours(24 * 32);
  }
  return hours(24 * 32);
}

}  // namespace

std::vector<store::DependencyEdge> dependency_edges(const config::Config& config) {
  std::vector<store::DependencyEdge> out;
  const auto by_id = config::index_pipelines(config);
  for (const auto& p : config.pipelines) {
    for (const auto& d : p.depends_on) {
      const auto up = by_id.find(d.upstream.value);
      out.push_back({.pipeline = p.id.value,
                     .upstream = d.upstream.value,
                     .mode = std::string(config::to_string(d.mode)),
                     .upstream_span = longest_window(up == by_id.end() ? nullptr : up->second)});
    }
  }
  return out;
}

Result<void> register_dependencies(store::Connection& c, const config::Config& config) {
  std::vector<std::string> ids;
  for (const auto& p : config.pipelines) ids.push_back(p.id.value);
  const auto edges = dependency_edges(config);
  return store::register_dependencies(c, ids, edges);
}

}  // namespace sluice::tasks
