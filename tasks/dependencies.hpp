#pragma once
// The config's `depends_on` as the claim reads it (store/dependencies.hpp): what sluiced
// registers at each load and `sluicectl run-once` before its pass.
#include <vector>

#include "framework/config/model.hpp"
#include "framework/store/dependencies.hpp"

namespace sluice::tasks {

// One edge per dependency of every loaded pipeline.
std::vector<store::DependencyEdge> dependency_edges(const config::Config& config);

// Registers them, replacing the edges of every loaded pipeline.
Result<void> register_dependencies(store::Connection& c, const config::Config& config);

}  // namespace sluice::tasks
