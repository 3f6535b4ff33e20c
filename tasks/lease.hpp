#pragma once
// What a running window's worker (its chain) and the lease keeper share.
#include <atomic>

namespace sluice::tasks {

struct Lease {
  // Raised by the keeper when a heartbeat finds the lock gone: the chain writes nothing more.
  std::atomic<bool> lost{false};
  // Raised by the chain just before the write that ends its run (SUCCESS, SKIPPED, FAILED, a
  // retry, a release). From then on a heartbeat that finds the record no longer IN_PROGRESS
  // has met that write, not a lost lock; and the write itself is fenced by the run ID.
  std::atomic<bool> ending{false};
};

}  // namespace sluice::tasks
