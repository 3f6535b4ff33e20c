#pragma once
// The pipeline graph: an edge from each upstream to the pipelines that declare it in
// `depends_on`. Validation (unknown upstreams, cycles, windows a parent cannot cover) happens
// at load (dependencies.cpp); this is what the claim registration, `plan`, `deploy`,
// `undeploy` and `rerun --downstream` walk.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "framework/config/model.hpp"

namespace sluice::config {

class PipelineGraph {
 public:
  // Edges between the given (child, upstreams) pairs; an upstream that is not itself a node
  // is kept as an edge target all the same (a quarantined pipeline's windows still count).
  explicit PipelineGraph(
      const std::vector<std::pair<std::string, std::vector<std::string>>>& nodes);
  explicit PipelineGraph(const Config& config);

  bool contains(const std::string& id) const { return upstream_.count(id) != 0; }
  const std::vector<std::string>& upstream(const std::string& id) const;
  const std::vector<std::string>& downstream(const std::string& id) const;

  // Every pipeline reachable downstream (or upstream) of `id`, `id` excluded, parents before
  // children (topological order; ties by id).
  std::vector<std::string> descendants(const std::string& id) const;
  std::vector<std::string> ancestors(const std::string& id) const;

  // `ids` in levels: a pipeline's level is one more than its highest upstream among `ids`,
  // so each level's pipelines may run at once once the levels before it are done.
  std::vector<std::vector<std::string>> levels(const std::vector<std::string>& ids) const;
  // `ids` parents first (levels flattened).
  std::vector<std::string> ordered(const std::vector<std::string>& ids) const;

  // The groups of pipelines that reach each other (each sorted; a pipeline that depends on
  // itself is a group of one); empty when the graph is acyclic.
  std::vector<std::vector<std::string>> cycles() const;
  // One cycle through such a group, in the direction data flows, from its smallest id back to
  // it: `a`, `b`, `c`, `a` when b depends on a, c on b and a on c.
  std::vector<std::string> cycle_path(const std::vector<std::string>& group) const;

 private:
  std::map<std::string, std::vector<std::string>> upstream_;    // sorted, unique
  std::map<std::string, std::vector<std::string>> downstream_;  // sorted, unique
};

// `a → b → c → a`
std::string spell_path(const std::vector<std::string>& ids);

}  // namespace sluice::config
