#pragma once
// The use of the shared pools (sql/migrations/0014_pools.sql): the slots running windows
// hold, on every daemon together (each claim writes its pool and slots on the record), and
// the windows waiting for them. `sluicectl status`, GET /api/v1/pools and the metrics read it.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "framework/core/error.hpp"
#include "framework/store/database.hpp"

namespace sluice::store {

// A pipeline of a pool, as a config says.
struct PoolMember {
  std::string pipeline;
  std::string pool;
};

struct PoolUse {
  std::string pool;
  std::int64_t slots_used = 0;  // held by IN_PROGRESS windows, whoever claimed them
  std::int64_t running = 0;     // those windows
  // PENDING windows of its members that may be claimed as far as their retry delay and a
  // pause go: they wait for the pool (or for a worker, or an upstream window).
  std::int64_t waiting = 0;
};

// One row per pool of `pools`, in that order. Running windows count for the pool their claim
// took, whatever `members` says; waiting ones for the pool of their pipeline in `members`.
Result<std::vector<PoolUse>> pool_use(Connection& c, std::span<const std::string> pools,
                                      std::span<const PoolMember> members);

}  // namespace sluice::store
