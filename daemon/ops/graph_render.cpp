// The graph as Graphviz DOT and as a Mermaid flowchart (graph_view.hpp). Names come from
// config files: each format's escaping is applied to every one, so that a name can neither
// end a string early nor be read as syntax.
#include <map>

#include "daemon/ops/graph_view.hpp"

namespace sluice::ops {
namespace {

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Inside a DOT double-quoted string: `"` and `\` escaped (a trailing `\` would otherwise
// escape the closing quote), control characters as spaces. Labels read `\\` as one backslash.
std::string dot_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += is_control(c) ? ' ' : c;
  }
  return out;
}

std::string dot_quoted(std::string_view text) {
  return "\"" + dot_escaped(text) + "\"";
}

// Label text: Graphviz reads `&name;` as an entity there, so `&` is written `&amp;`.
std::string dot_label_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return dot_escaped(out);
}

// One or two lines: DOT's `\n` line break stands between the escaped texts.
std::string dot_label(std::string_view first, std::string_view second = {}) {
  return "\"" + dot_label_text(first) + (second.empty() ? "" : "\\n") + dot_label_text(second) +
         "\"";
}

std::string pipeline_caption(const GraphPipeline& p) {
  if (!p.config_error.empty() && p.kind.empty()) return "config error";
  std::string layer = p.layer.empty() ? "no layer" : p.layer;
  if (p.layer_inferred) layer += " (by name)";
  std::string caption = layer + ", " + p.kind + ", " + p.granularity;
  if (!p.config_error.empty()) caption += ", config error";
  return caption;
}

std::string table_caption(const GraphTable& t) {
  return "on " + t.connection;
}

// Mermaid text inside `"..."`: its entity codes for what would end the string or be read as
// HTML, markdown or an edge label's delimiter; control characters as spaces.
std::string mermaid_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '"': out += "#34;"; break;
      case '#': out += "#35;"; break;
      case '&': out += "#38;"; break;
      case '<': out += "#60;"; break;
      case '>': out += "#62;"; break;
      case '`': out += "#96;"; break;
      case '|': out += "#124;"; break;
      default: out += is_control(c) ? ' ' : c;
    }
  }
  return out;
}

}  // namespace

std::string graph_dot(const GraphView& g) {
  std::string out = "digraph sluice {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n";
  out += "  edge [fontname=\"sans-serif\", fontsize=10];\n";
  for (const auto& p : g.pipelines)
    out += "  " + dot_quoted(p.id) + " [shape=box, label=" + dot_label(p.id, pipeline_caption(p)) +
           (p.config_error.empty() ? "" : ", color=red") + "];\n";
  for (const auto& t : g.tables)
    out += "  " + dot_quoted(t.id) +
           " [shape=cylinder, label=" + dot_label(t.name, table_caption(t)) + "];\n";
  for (const auto& e : g.edges) {
    out += "  " + dot_quoted(e.from) + " -> " + dot_quoted(e.to);
    switch (e.kind) {
      case GraphEdge::Kind::reads:
      case GraphEdge::Kind::writes: out += " [color=gray40];\n"; break;
      case GraphEdge::Kind::depends_on:
        out += " [penwidth=2, label=" + dot_label("depends_on " + e.mode) + "];\n";
        break;
      case GraphEdge::Kind::lineage:
        out += e.declared ? " [style=dashed, label=\"lineage\"];\n"
                          : " [style=dashed, color=red, label=\"lineage, undeclared\"];\n";
        break;
    }
  }
  return out + "}\n";
}

std::string graph_mermaid(const GraphView& g) {
  // Mermaid ids are plain words: generated, so no name is ever read as one.
  std::map<std::string, std::string> id_of;
  std::string out = "flowchart LR\n  classDef config_error stroke:#c00,stroke-width:2px\n";
  for (std::size_t i = 0; i < g.pipelines.size(); ++i) {
    const auto& p = g.pipelines[i];
    const std::string id = "p" + std::to_string(i);
    id_of.emplace(p.id, id);
    out += "  " + id + "[\"" + mermaid_text(p.id) + "<br>" + mermaid_text(pipeline_caption(p)) +
           "\"]\n";
    if (!p.config_error.empty()) out += "  class " + id + " config_error\n";
  }
  for (std::size_t i = 0; i < g.tables.size(); ++i) {
    const auto& t = g.tables[i];
    const std::string id = "t" + std::to_string(i);
    id_of.emplace(t.id, id);
    out += "  " + id + "[(\"" + mermaid_text(t.name) + "<br>" + mermaid_text(table_caption(t)) +
           "\")]\n";
  }
  for (const auto& e : g.edges) {
    const auto from = id_of.find(e.from), to = id_of.find(e.to);
    if (from == id_of.end() || to == id_of.end()) continue;  // graph_view makes every node
    std::string arrow;
    switch (e.kind) {
      case GraphEdge::Kind::reads:
      case GraphEdge::Kind::writes: arrow = " --> "; break;
      case GraphEdge::Kind::depends_on:
        arrow = " ==>|depends_on " + mermaid_text(e.mode) + "| ";
        break;
      case GraphEdge::Kind::lineage:
        arrow = e.declared ? " -.->|lineage| " : " -.->|lineage, undeclared| ";
        break;
    }
    out += "  " + from->second + arrow + to->second + "\n";
  }
  return out;
}

}  // namespace sluice::ops
