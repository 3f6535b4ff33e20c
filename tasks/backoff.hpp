#pragma once
// Capped exponential backoff with jitter for retryable errors. Pure: the caller passes the
// random draw, so tests and the chain agree on what a given attempt waits.
#include <chrono>

namespace sluice::tasks {

struct BackoffPolicy {
  std::chrono::seconds base{30};
  std::chrono::seconds cap{600};
};

// The wait before attempt `attempt` (1 = the first retry): base * 2^(attempt-1), capped,
// then "equal jitter": half of it fixed, half scaled by `draw` in [0, 1). Half fixed keeps
// the growth visible in next_attempt_at; the jittered half spreads retries of windows that
// failed together (a database restart) so they do not return together.
std::chrono::seconds backoff_delay(const BackoffPolicy& policy, int attempt, double draw);

}  // namespace sluice::tasks
