// `sluicectl graph [-o text|dot|mermaid|json]`: the pipelines and tables of the config as a
// graph (daemon/ops/graph_view.hpp), from the config alone: no database is opened.
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "daemon/ctl/loaded_config.hpp"
#include "daemon/ctl/output.hpp"
#include "daemon/ops/graph_view.hpp"

namespace sluice::ctl {
namespace {

std::string text_or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

// Two tables: the pipelines by level with the tables each reads and writes, then the edges
// between pipelines.
void print_text(std::ostream& out, const ops::GraphView& g) {
  std::vector<std::vector<std::string>> pipelines;
  for (const auto& p : g.pipelines) {
    std::string reads, writes;
    for (const auto& e : g.edges) {
      if (e.kind == ops::GraphEdge::Kind::reads && e.to == p.id) reads = e.from;
      if (e.kind == ops::GraphEdge::Kind::writes && e.from == p.id) writes = e.to;
    }
    const std::string layer = p.layer.empty()    ? "-"
                              : p.layer_inferred ? p.layer + " (by name)"
                                                 : p.layer;
    pipelines.push_back({std::to_string(p.level), p.id, layer, text_or_dash(p.kind),
                         text_or_dash(p.granularity), text_or_dash(p.schedule),
                         text_or_dash(p.timezone), text_or_dash(reads), text_or_dash(writes)});
  }
  print_table(out,
              {"LEVEL", "PIPELINE", "LAYER", "KIND", "GRANULARITY", "SCHEDULE", "TIMEZONE", "READS",
               "WRITES"},
              pipelines);
  std::vector<std::vector<std::string>> edges;
  for (const auto& e : g.edges) {
    if (e.kind == ops::GraphEdge::Kind::depends_on)
      edges.push_back({e.from, e.to, "depends_on (" + e.mode + ")"});
    if (e.kind == ops::GraphEdge::Kind::lineage)
      edges.push_back(
          {e.from, e.to, "lineage via " + e.table + (e.declared ? "" : ", undeclared")});
  }
  if (!edges.empty()) {
    out << "\n";
    print_table(out, {"UPSTREAM", "DOWNSTREAM", "EDGE"}, edges);
  }
  for (const auto& p : g.pipelines)
    if (!p.config_error.empty()) out << p.id << ": " << p.config_error << "\n";
}

int run_graph(Context& ctx, std::string format) {
  if (format.empty()) format = ctx.output == Output::json ? "json" : "text";
  // Warnings go to stderr: stdout holds the graph alone. No connection is opened, so no
  // secret is read.
  const auto config = load_pipelines(ctx, true, false);
  const auto g = ops::graph_view(config);
  if (format == "json") {
    *ctx.out << json_text(ops::graph_json(g)) << "\n";
  } else if (format == "dot") {
    *ctx.out << ops::graph_dot(g);
  } else if (format == "mermaid") {
    *ctx.out << ops::graph_mermaid(g);
  } else {
    print_text(*ctx.out, g);
  }
  return kExitOk;
}

}  // namespace

void add_graph_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "graph", "pipelines and the tables they read and write, as a graph (no database needed)");
  auto format = std::make_shared<std::string>();
  cmd->add_option("-o,--output", *format,
                  "text (the default), dot (Graphviz), mermaid (a flowchart) or json")
      ->check(CLI::IsMember({"text", "dot", "mermaid", "json"}));
  cmd->callback([&ctx, format] { ctx.exit_code = run_graph(ctx, *format); });
}

}  // namespace sluice::ctl
