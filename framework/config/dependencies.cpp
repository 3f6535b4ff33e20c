// The checks of `depends_on` that need every pipeline file: unknown upstreams, cycles, and
// windows their upstream cannot cover; and the edges lineage infers that it does not declare.
// Each error or warning goes to the file that declares (or should declare) the edge, so
// failure isolation quarantines that file alone.
#include <algorithm>
#include <map>
#include <set>

#include "framework/config/build.hpp"
#include "framework/config/graph.hpp"
#include "framework/config/lineage.hpp"
#include "framework/core/suggest.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::config {
namespace {

// A granularity's nominal length, to compare two of them.
std::int64_t nominal_seconds(const time::Granularity& g) {
  switch (g.unit()) {
    case time::Granularity::Unit::sub_day: return g.step().count();
    case time::Granularity::Unit::day: return 86400;
    case time::Granularity::Unit::week: return 7 * 86400;
    case time::Granularity::Unit::month: return 28 * 86400;
  }
  return 0;
}

// Why the upstream's windows cannot cover the child's; empty when they can.
std::string coverage_problem(const PipelineConfig& child, const PipelineConfig& parent) {
  const auto& c = child.window.granularity;
  const auto& p = parent.window.granularity;
  if (nominal_seconds(c) < nominal_seconds(p)) {
    return "its " + c.to_string() + " windows are shorter than the " + p.to_string() +
           " windows of '" + parent.id.value +
           "': each would wait for an upstream window that ends after it (a child's windows "
           "are at least as long as its upstream's; or use mode: latest)";
  }
  if (c.unit() == time::Granularity::Unit::month && p.unit() == time::Granularity::Unit::week) {
    return "weeks of '" + parent.id.value +
           "' do not tile its months: a month would wait for the week that straddles its end "
           "(use daily upstream windows, or mode: latest)";
  }
  if (!child.zone || !parent.zone) return {};
  const auto first = [](const time::WindowSpec& w) {
    const Instant at = time::floor_boundary(w, w.start);
    return at == w.start ? at : time::next_boundary(w, w.start);
  };
  const Instant child_first = first(child.window);
  const Instant parent_first = first(parent.window);
  if (child_first < parent_first) {
    return "its first window starts at " + format_utc(child_first) +
           ", before the first window of '" + parent.id.value + "' (" + format_utc(parent_first) +
           "): the windows in between would wait forever";
  }
  return {};
}

}  // namespace

void check_dependencies(const std::vector<DependencyFile>& files) {
  std::map<std::string, const DependencyFile*> by_id;
  std::vector<std::string_view> ids;
  for (const auto& f : files) {
    if (by_id.emplace(f.pipeline->id.value, &f).second) ids.push_back(f.pipeline->id.value);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
  for (const auto& f : files) {
    const PipelineConfig& p = *f.pipeline;
    std::vector<std::string> ups;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < p.depends_on.size(); ++i) {
      const auto& d = p.depends_on[i];
      const std::string path = "depends_on[" + std::to_string(i) + "].pipeline";
      if (!seen.insert(d.upstream.value).second) {
        f.diags->error(d.where, path, "'" + d.upstream.value + "' is listed twice");
        continue;
      }
      const auto up = by_id.find(d.upstream.value);
      if (up == by_id.end()) {
        std::string message = "unknown pipeline '" + d.upstream.value + "'";
        if (auto close = closest_match(d.upstream.value, ids))
          message += " (did you mean '" + *close + "'?)";
        f.diags->error(d.where, path, std::move(message));
        continue;
      }
      ups.push_back(d.upstream.value);
      if (d.mode == Dependency::Mode::windows && up->second->pipeline != &p) {
        if (auto problem = coverage_problem(p, *up->second->pipeline); !problem.empty())
          f.diags->error(d.where, path, std::move(problem));
      }
    }
    nodes.emplace_back(p.id.value, std::move(ups));
  }
  const PipelineGraph graph(nodes);
  for (const auto& group : graph.cycles()) {
    const std::string message = "a dependency cycle: " + spell_path(graph.cycle_path(group)) +
                                " (no window could ever run)";
    const std::set<std::string> within(group.begin(), group.end());
    for (const auto& id : group) {
      const PipelineConfig& p = *by_id.at(id)->pipeline;
      for (std::size_t i = 0; i < p.depends_on.size(); ++i) {
        if (!within.count(p.depends_on[i].upstream.value)) continue;
        by_id.at(id)->diags->error(p.depends_on[i].where,
                                   "depends_on[" + std::to_string(i) + "].pipeline", message);
        break;  // once per file
      }
    }
  }
}

void check_lineage(const std::vector<DependencyFile>& files, const DaemonConfig& daemon) {
  std::vector<const PipelineConfig*> pipelines;
  std::map<std::string, const DependencyFile*> by_id;
  for (const auto& f : files) {
    // Of files sharing an id (an error already), the first stands for it.
    if (by_id.emplace(f.pipeline->id.value, &f).second) pipelines.push_back(f.pipeline);
    // The same table spelled two ways (`orders`, `public.orders`): the loader's check of the
    // same text did not see it.
    const PipelineConfig& p = *f.pipeline;
    const auto read = source_table(p, daemon);
    if (read && read == target_table(p, daemon) &&
        *p.source.params.get<std::string>("table") != *p.target.params.get<std::string>("table"))
      p.target.params.error(*f.diags, "table",
                            "the target is the source itself (connection '" + read->connection +
                                "', table " + read->qualified() +
                                "); loading would delete the source rows");
  }
  for (const auto& edge : infer_lineage(pipelines, daemon)) {
    if (edge.declared) continue;
    const DependencyFile& reader = *by_id.at(edge.downstream);
    const Fields& source = reader.pipeline->source.params;
    reader.diags->warning(source.where_of("table"), source.path_of("table"),
                          undeclared_edge_message(edge, *reader.pipeline));
  }
}

std::string_view to_string(Dependency::Mode mode) {
  return mode == Dependency::Mode::latest ? "latest" : "windows";
}

}  // namespace sluice::config
