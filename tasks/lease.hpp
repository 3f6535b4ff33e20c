#pragma once
// What a running window's worker (its chain) and the lease keeper share.
#include <atomic>

#include "framework/core/deadline.hpp"

namespace sluice::tasks {

struct Lease {
  // Raised by the keeper when a heartbeat finds the lock gone: the chain writes nothing more.
  std::atomic<bool> lost{false};
  // Raised by the chain just before the write that ends its run (SUCCESS, SKIPPED, FAILED, a
  // retry, a release). From then on a heartbeat that finds the record no longer IN_PROGRESS
  // has met that write, not a lost lock; and the write itself is fenced by the run ID.
  std::atomic<bool> ending{false};
  // The running task's deadline, set by the chain (the window's between tasks). The adapters
  // cancel their calls by it; the keeper stops renewing a window stuck long past it.
  Deadline deadline;
};

}  // namespace sluice::tasks
