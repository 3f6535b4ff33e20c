#include "daemon/ops/graph_view.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "framework/config/graph.hpp"
#include "framework/config/lineage.hpp"
#include "framework/config/load.hpp"

namespace sluice::ops {
namespace {

using config::PipelineConfig;

std::string kind_of(const PipelineConfig& p) {
  return p.kind == PipelineConfig::Kind::sql ? "sql" : "copy";
}

GraphPipeline pipeline_node(const PipelineConfig& p) {
  return {.id = p.id.value,
          .layer = p.layer ? std::string(config::to_string(*p.layer)) : std::string(),
          .layer_inferred = p.layer_inferred,
          .kind = kind_of(p),
          .granularity = p.window.granularity.to_string(),
          .schedule = p.cron.text(),
          .timezone = p.zone ? std::string(p.zone->name()) : std::string()};
}

// The table node of `ref`, added once.
const std::string& add_table(std::map<std::string, GraphTable>& tables,
                             const config::TableRef& ref) {
  auto [it, _] = tables.try_emplace(
      ref.id(), GraphTable{.id = ref.id(), .connection = ref.connection, .name = ref.qualified()});
  return it->second.id;
}

}  // namespace

std::string_view to_string(GraphEdge::Kind kind) {
  switch (kind) {
    case GraphEdge::Kind::reads: return "reads";
    case GraphEdge::Kind::writes: return "writes";
    case GraphEdge::Kind::depends_on: return "depends_on";
    case GraphEdge::Kind::lineage: return "lineage";
  }
  return "?";
}

GraphView graph_view(const config::Config& config) {
  GraphView g;
  std::map<std::string, GraphTable> tables;
  std::vector<const PipelineConfig*> loaded;
  for (const auto& p : config.pipelines) {
    loaded.push_back(&p);
    g.pipelines.push_back(pipeline_node(p));
    if (const auto* q = config.find_quarantined(p.id.value); q && q->kept_previous)
      g.pipelines.back().config_error = config::config_error_text(*q);
    if (const auto t = config::source_table(p, config.daemon))
      g.edges.push_back(
          {.kind = GraphEdge::Kind::reads, .from = add_table(tables, *t), .to = p.id.value});
    if (const auto t = config::target_table(p, config.daemon))
      g.edges.push_back(
          {.kind = GraphEdge::Kind::writes, .from = p.id.value, .to = add_table(tables, *t)});
    for (const auto& d : p.depends_on)
      g.edges.push_back({.kind = GraphEdge::Kind::depends_on,
                         .from = d.upstream.value,
                         .to = p.id.value,
                         .mode = std::string(config::to_string(d.mode))});
  }
  const auto known = [&](const std::string& id) {
    return std::any_of(g.pipelines.begin(), g.pipelines.end(),
                       [&](const GraphPipeline& n) { return n.id == id; });
  };
  for (const auto& q : config.quarantined)
    if (!known(q.pipeline.value))
      g.pipelines.push_back({.id = q.pipeline.value, .config_error = config::config_error_text(q)});
  // A previous definition the daemon still runs may name an upstream whose file is gone.
  for (const auto& e : g.edges)
    if (e.kind == GraphEdge::Kind::depends_on && !known(e.from))
      g.pipelines.push_back({.id = e.from, .config_error = "no pipeline file defines it"});
  for (const auto& e : config::infer_lineage(loaded, config.daemon))
    g.edges.push_back({.kind = GraphEdge::Kind::lineage,
                       .from = e.upstream,
                       .to = e.downstream,
                       .table = e.table.id(),
                       .declared = e.declared});

  std::vector<std::string> ids;
  for (const auto& n : g.pipelines) ids.push_back(n.id);
  const auto levels = config::PipelineGraph(config).levels(ids);
  std::map<std::string, int> level_of;
  for (std::size_t l = 0; l < levels.size(); ++l)
    for (const auto& id : levels[l]) level_of[id] = static_cast<int>(l);
  for (auto& n : g.pipelines) n.level = level_of[n.id];
  std::sort(g.pipelines.begin(), g.pipelines.end(), [](const auto& a, const auto& b) {
    return std::tie(a.level, a.id) < std::tie(b.level, b.id);
  });
  for (auto& [_, t] : tables) g.tables.push_back(std::move(t));
  std::sort(g.edges.begin(), g.edges.end(), [](const GraphEdge& a, const GraphEdge& b) {
    return std::tie(a.kind, a.from, a.to) < std::tie(b.kind, b.from, b.to);
  });
  return g;
}

nlohmann::ordered_json graph_json(const GraphView& g) {
  using json = nlohmann::ordered_json;
  const auto text_or_null = [](const std::string& s) { return s.empty() ? json() : json(s); };
  json out = {{"pipelines", json::array()}, {"tables", json::array()}, {"edges", json::array()}};
  for (const auto& p : g.pipelines)
    out["pipelines"].push_back({{"id", p.id},
                                {"level", p.level},
                                {"layer", text_or_null(p.layer)},
                                {"layer_inferred", p.layer_inferred},
                                {"kind", text_or_null(p.kind)},
                                {"granularity", text_or_null(p.granularity)},
                                {"schedule", text_or_null(p.schedule)},
                                {"timezone", text_or_null(p.timezone)},
                                {"config_error", text_or_null(p.config_error)}});
  for (const auto& t : g.tables)
    out["tables"].push_back({{"id", t.id}, {"connection", t.connection}, {"name", t.name}});
  for (const auto& e : g.edges) {
    json edge = {{"kind", to_string(e.kind)}, {"from", e.from}, {"to", e.to}};
    if (e.kind == GraphEdge::Kind::depends_on) edge["mode"] = e.mode;
    if (e.kind == GraphEdge::Kind::lineage) {
      edge["table"] = e.table;
      edge["declared"] = e.declared;
    }
    out["edges"].push_back(std::move(edge));
  }
  return out;
}

}  // namespace sluice::ops
