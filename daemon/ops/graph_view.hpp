#pragma once
// `sluicectl graph` and `GET /api/v1/graph`: the pipelines and tables of the config as a
// graph, read from the config alone (no database). Nodes are pipelines and the tables they
// read and write; edges are reads, writes, declared `depends_on` and inferred lineage
// (config/lineage.hpp). One value, rendered as JSON (the CLI and the API), Graphviz DOT and
// a Mermaid flowchart; every name in it comes from config files and is escaped by each
// renderer, never trusted.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/config/model.hpp"

namespace sluice::ops {

struct GraphPipeline {
  std::string id{};
  int level = 0;                // one more than its highest upstream (config/graph.hpp)
  std::string layer{};          // empty: none
  bool layer_inferred = false;  // from the naming pattern its table matches
  std::string kind{};           // copy | sql
  std::string granularity{};    // `1h`; empty for a quarantined file
  std::string schedule{};       // the cron as written
  std::string timezone{};
  // Its file has errors: `file:line:column: path: message` of the first (secrets redacted by
  // the loader). A quarantined file with no definition has only its id and this.
  std::string config_error{};
};

struct GraphTable {
  std::string id{};  // `connection:schema.name`, unique across connections
  std::string connection{};
  std::string name{};  // schema-qualified (the connection's default schema filled in)
};

struct GraphEdge {
  // reads: table -> pipeline; writes: pipeline -> table; depends_on and lineage: upstream
  // pipeline -> downstream pipeline (the way data flows).
  enum class Kind { reads, writes, depends_on, lineage };
  Kind kind = Kind::reads;
  std::string from{}, to{};  // node ids: a pipeline's id or a table's id
  std::string mode{};        // depends_on: windows | latest
  std::string table{};       // lineage: the table's id
  bool declared = false;     // lineage: the downstream lists the upstream in depends_on
};
std::string_view to_string(GraphEdge::Kind kind);

struct GraphView {
  std::vector<GraphPipeline> pipelines{};  // by level, then id
  std::vector<GraphTable> tables{};        // by id
  std::vector<GraphEdge> edges{};          // by kind, then from, then to
};

// Loaded pipelines, and quarantined files with no definition loaded (by their id, so that a
// depends_on edge to one has its node).
GraphView graph_view(const config::Config& config);

// {"pipelines": [{id, level, layer, layer_inferred, kind, granularity, schedule, timezone,
// config_error}], "tables": [{id, connection, name}], "edges": [{kind, from, to, and mode
// (depends_on), table and declared (lineage)}]}; absent texts are null.
nlohmann::ordered_json graph_json(const GraphView& g);
// A `digraph`: every id and label double-quoted with `"` and `\` escaped (and `&` in labels,
// which Graphviz reads as an entity), pipelines boxes, tables cylinders, lineage dashed (red
// when undeclared).
std::string graph_dot(const GraphView& g);
// A `flowchart LR`: node ids generated (p0, p1, t0, ...), labels quoted with `"`, `#`, `<`,
// `>`, `&`, `|` and backquotes written as entity codes and control characters as spaces.
std::string graph_mermaid(const GraphView& g);

}  // namespace sluice::ops
