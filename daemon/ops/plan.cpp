#include "daemon/ops/plan.hpp"

#include <algorithm>
#include <map>

#include "daemon/ops/downstream.hpp"
#include "daemon/ops/selection.hpp"
#include "framework/config/graph.hpp"
#include "framework/time/preview.hpp"
#include "framework/time/window_generator.hpp"

namespace sluice::ops {
namespace {

// The ancestors of `child`, each over the windows overlapping what its children need:
// upstream windows overlapping a child's windows, by the dependency rule.
std::map<std::string, Window> upstream_spans(const config::Config& config,
                                             const config::PipelineGraph& graph,
                                             const config::PipelineConfig& child, Window span) {
  std::map<std::string, Window> reached{{child.id.value, span}};
  auto ancestors = graph.ancestors(child.id.value);
  // Children before parents: the parents-first order backwards.
  std::reverse(ancestors.begin(), ancestors.end());
  for (const auto& id : ancestors) {
    const auto* p = config.find_pipeline(id);
    if (!p) continue;
    std::optional<Window> hull;
    for (const auto& down : graph.downstream(id)) {
      const auto r = reached.find(down);
      if (r == reached.end()) continue;
      const Window w = covering_windows(p->window, r->second);
      hull = hull ? Window{std::min(hull->start, w.start), std::max(hull->end, w.end)} : w;
    }
    if (hull) reached.emplace(id, *hull);
  }
  reached.erase(child.id.value);
  return reached;
}

std::string state_of(const store::RecordRow& r) {
  if (r.status == "SUCCESS" || r.status == "SKIPPED") return "done";
  if (r.status == "IN_PROGRESS") return "running";
  if (r.status == "FAILED") return "failed";
  return r.waiting_on.empty() ? "ready" : "blocked";
}

Outcome<PlannedPipeline> plan_one(store::Operator& op, const config::PipelineConfig& p, Window span,
                                  Instant now, std::size_t max_windows) {
  PlannedPipeline out{.pipeline = &p, .span = span};
  const auto windows =
      time::preview_windows(p.window, span.start, span.end, now, max_windows, &out.more);
  if (windows.empty()) return out;
  store::RecordSelection s{
      .pipeline = p.id, .from = windows.front().window.start, .to = windows.back().window.end};
  auto rows = op.list(s, static_cast<int>(max_windows) + 1);
  if (!rows) return store_failed(rows.error());
  std::map<Instant, const store::RecordRow*> by_start;
  for (const auto& r : *rows) by_start.emplace(r.window_start, &r);
  for (const auto& w : windows) {
    PlannedWindow pw{.window = w.window};
    const auto it = by_start.find(w.window.start);
    if (it == by_start.end()) {
      pw.state = w.due ? "missing" : "not_due";
    } else {
      pw.state = state_of(*it->second);
      pw.detail = pw.state == "blocked"  ? it->second->waiting_on
                  : pw.state == "failed" ? it->second->error
                                         : std::string();
    }
    out.windows.push_back(std::move(pw));
  }
  return out;
}

}  // namespace

Outcome<Plan> make_plan(store::Operator& op, const config::Config& config, const PlanInput& in,
                        Instant now, Dialect d) {
  auto found = find_pipeline(config, in.pipeline);
  if (!found) return tl::unexpected(found.error());
  const config::PipelineConfig& root = **found;
  Instant from = now - std::chrono::hours(24);
  Instant to = now;
  if (!in.from.empty()) {
    auto t = parse_time(in.from, "from", root.zone, d);
    if (!t) return tl::unexpected(t.error());
    from = *t;
  }
  if (!in.to.empty()) {
    auto t = parse_time(in.to, "to", root.zone, d);
    if (!t) return tl::unexpected(t.error());
    to = *t;
  }
  if (auto checked = check_range(from, to, root.zone, d); !checked)
    return tl::unexpected(checked.error());

  const config::PipelineGraph graph(config);
  const Window span = covering_windows(root.window, {from, to});
  std::map<std::string, Window> spans{{root.id.value, span}};
  if (in.downstream)
    for (const auto& step : downstream_of(config, root, span))
      spans.emplace(step.pipeline->id.value, step.span);
  if (in.upstream)
    for (const auto& [id, w] : upstream_spans(config, graph, root, span)) spans.emplace(id, w);

  std::vector<std::string> ids;
  ids.reserve(spans.size());
  for (const auto& [id, _] : spans) ids.push_back(id);
  Plan plan;
  for (const auto& level : graph.levels(ids)) {
    std::vector<PlannedPipeline> planned;
    for (const auto& id : level) {
      auto one = plan_one(op, *config.find_pipeline(id), spans.at(id), now, in.max_windows);
      if (!one) return tl::unexpected(one.error());
      planned.push_back(std::move(*one));
    }
    plan.levels.push_back(std::move(planned));
  }
  return plan;
}

nlohmann::json plan_json(const Plan& plan) {
  nlohmann::json levels = nlohmann::json::array();
  for (std::size_t i = 0; i < plan.levels.size(); ++i) {
    nlohmann::json pipelines = nlohmann::json::array();
    for (const auto& p : plan.levels[i]) {
      nlohmann::json windows = nlohmann::json::array();
      for (const auto& w : p.windows) {
        windows.push_back(
            {{"window_start", time::format_in_zone(w.window.start, p.pipeline->zone)},
             {"window_end", time::format_in_zone(w.window.end, p.pipeline->zone)},
             {"state", w.state},
             {"detail", w.detail.empty() ? nlohmann::json() : nlohmann::json(w.detail)}});
      }
      pipelines.push_back({{"pipeline", p.pipeline->id.value},
                           {"timezone", p.pipeline->zone->name()},
                           {"from", format_utc(p.span.start)},
                           {"to", format_utc(p.span.end)},
                           {"windows", std::move(windows)},
                           {"more_windows", p.more}});
    }
    levels.push_back({{"level", i}, {"pipelines", std::move(pipelines)}});
  }
  return {{"levels", std::move(levels)}};
}

}  // namespace sluice::ops
