#include "framework/config/graph.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace sluice::config {
namespace {

const std::vector<std::string> kNone;

void add_unique(std::vector<std::string>& list, const std::string& id) {
  const auto at = std::lower_bound(list.begin(), list.end(), id);
  if (at == list.end() || *at != id) list.insert(at, id);
}

}  // namespace

PipelineGraph::PipelineGraph(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& nodes) {
  for (const auto& [id, ups] : nodes) {
    auto& mine = upstream_[id];
    downstream_[id];
    for (const auto& u : ups) {
      add_unique(mine, u);
      add_unique(downstream_[u], id);
      upstream_[u];
    }
  }
}

PipelineGraph::PipelineGraph(const Config& config)
    : PipelineGraph([&] {
        std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
        for (const auto& p : config.pipelines) {
          std::vector<std::string> ups;
          for (const auto& d : p.depends_on) ups.push_back(d.upstream.value);
          nodes.emplace_back(p.id.value, std::move(ups));
        }
        return nodes;
      }()) {}

const std::vector<std::string>& PipelineGraph::upstream(const std::string& id) const {
  const auto it = upstream_.find(id);
  return it == upstream_.end() ? kNone : it->second;
}

const std::vector<std::string>& PipelineGraph::downstream(const std::string& id) const {
  const auto it = downstream_.find(id);
  return it == downstream_.end() ? kNone : it->second;
}

namespace {

std::vector<std::string> reach(const std::map<std::string, std::vector<std::string>>& edges,
                               const std::string& from) {
  std::set<std::string> seen{from};
  std::vector<std::string> stack{from}, out;
  while (!stack.empty()) {
    const std::string at = stack.back();
    stack.pop_back();
    const auto it = edges.find(at);
    if (it == edges.end()) continue;
    for (const auto& next : it->second) {
      if (seen.insert(next).second) {
        out.push_back(next);
        stack.push_back(next);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> PipelineGraph::descendants(const std::string& id) const {
  return ordered(reach(downstream_, id));
}

std::vector<std::string> PipelineGraph::ancestors(const std::string& id) const {
  return ordered(reach(upstream_, id));
}

std::vector<std::vector<std::string>> PipelineGraph::levels(
    const std::vector<std::string>& ids) const {
  const std::set<std::string> within(ids.begin(), ids.end());
  std::map<std::string, int> level;
  // Longest path from a root inside `ids`; a cycle (refused at load) would not end, so a
  // pipeline on one is placed once, at the depth first found.
  std::function<int(const std::string&, std::set<std::string>&)> depth =
      [&](const std::string& id, std::set<std::string>& path) -> int {
    if (const auto it = level.find(id); it != level.end()) return it->second;
    if (!path.insert(id).second) return 0;
    int d = 0;
    for (const auto& u : upstream(id))
      if (within.count(u)) d = std::max(d, depth(u, path) + 1);
    path.erase(id);
    level[id] = d;
    return d;
  };
  std::vector<std::vector<std::string>> out;
  for (const auto& id : within) {
    std::set<std::string> path;
    const int d = depth(id, path);
    if (out.size() <= static_cast<std::size_t>(d)) out.resize(d + 1);
    out[d].push_back(id);
  }
  for (auto& l : out) std::sort(l.begin(), l.end());
  return out;
}

std::vector<std::string> PipelineGraph::ordered(const std::vector<std::string>& ids) const {
  std::vector<std::string> out;
  for (auto& level : levels(ids)) out.insert(out.end(), level.begin(), level.end());
  return out;
}

std::vector<std::vector<std::string>> PipelineGraph::cycles() const {
  // Tarjan's strongly connected components: a component of two or more, or one with an edge
  // to itself, is a cycle.
  std::map<std::string, int> index, low;
  std::set<std::string> on_stack;
  std::vector<std::string> stack;
  std::vector<std::vector<std::string>> out;
  int next = 0;
  std::function<void(const std::string&)> visit = [&](const std::string& v) {
    index[v] = low[v] = next++;
    stack.push_back(v);
    on_stack.insert(v);
    for (const auto& w : downstream(v)) {
      if (!index.count(w)) {
        visit(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on_stack.count(w)) {
        low[v] = std::min(low[v], index[w]);
      }
    }
    if (low[v] != index[v]) return;
    std::vector<std::string> component;
    for (;;) {
      std::string w = stack.back();
      stack.pop_back();
      on_stack.erase(w);
      component.push_back(std::move(w));
      if (component.back() == v) break;
    }
    const auto& self = downstream(v);
    if (component.size() > 1 || std::binary_search(self.begin(), self.end(), v)) {
      std::sort(component.begin(), component.end());
      out.push_back(std::move(component));
    }
  };
  for (const auto& [id, _] : upstream_)
    if (!index.count(id)) visit(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> PipelineGraph::cycle_path(const std::vector<std::string>& group) const {
  if (group.empty()) return {};
  // From the group's smallest id, follow edges inside the group back to it (breadth first:
  // the shortest such cycle).
  const std::set<std::string> within(group.begin(), group.end());
  const std::string& start = *within.begin();
  std::map<std::string, std::string> came_from;
  std::vector<std::string> frontier{start};
  while (!frontier.empty()) {
    std::vector<std::string> next;
    for (const auto& v : frontier) {
      for (const auto& w : downstream(v)) {
        if (!within.count(w)) continue;
        if (w == start) {
          std::vector<std::string> path{start};
          for (std::string at = v; at != start; at = came_from[at]) path.push_back(at);
          path.push_back(start);
          std::reverse(path.begin() + 1, path.end() - 1);
          return path;
        }
        if (came_from.emplace(w, v).second) next.push_back(w);
      }
    }
    frontier = std::move(next);
  }
  return std::vector<std::string>{start, start};
}

std::string spell_path(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : " → ") + id;
  return out;
}

}  // namespace sluice::config
