#include "daemon/ops/downstream.hpp"

#include <map>

#include "framework/config/graph.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::ops {
Window covering_windows(const time::WindowSpec& spec, Window span) {
  const Instant from = time::floor_boundary(spec, span.start);
  Instant to = time::floor_boundary(spec, span.end);
  if (to < span.end) to = time::next_boundary(spec, span.end);
  return {from, to};
}

std::vector<DownstreamStep> downstream_of(const config::Config& config,
                                          const config::PipelineConfig& parent, Window span) {
  const config::PipelineGraph graph(config);
  std::map<std::string, Window> reached{{parent.id.value, span}};
  std::vector<DownstreamStep> out;
  for (const auto& id : graph.descendants(parent.id.value)) {
    const auto* p = config.find_pipeline(id);
    if (!p) continue;
    std::optional<Window> hull;
    for (const auto& up : graph.upstream(id)) {
      const auto it = reached.find(up);
      if (it == reached.end()) continue;
      const Window w = covering_windows(p->window, it->second);
      hull = hull ? Window{std::min(hull->start, w.start), std::max(hull->end, w.end)} : w;
    }
    if (!hull) continue;
    reached.emplace(id, *hull);
    out.push_back({p, *hull});
  }
  return out;
}

Outcome<std::vector<ActionStep>> plan_steps(store::Operator& op, const config::Config& config,
                                            const Selection& s,
                                            const std::vector<store::Status>& acts_on,
                                            bool downstream) {
  auto own = plan_action(op, s, acts_on);
  if (!own) return tl::unexpected(own.error());
  std::vector<ActionStep> steps{{s.records.pipeline->value, std::move(*own)}};
  if (!downstream || !s.pipeline) return steps;
  auto span = op.span(s.records);
  if (!span) return store_failed(span.error());
  if (!*span) return steps;
  for (const auto& d : downstream_of(config, *s.pipeline, **span)) {
    const Selection below{
        .records = {.pipeline = d.pipeline->id, .from = d.span.start, .to = d.span.end},
        .zone = d.pipeline->zone,
        .pipeline = d.pipeline};
    auto plan = plan_action(op, below, acts_on);
    if (!plan) return tl::unexpected(plan.error());
    steps.push_back({d.pipeline->id.value, std::move(*plan)});
  }
  return steps;
}

}  // namespace sluice::ops
