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

// The wait before a window whose run_if is false is checked again: as long as it has waited
// already (`waited`, since its first claim), so checks thin out as the wait grows (each wait
// about doubles the total), within [base, cap] and with the same equal jitter; never beyond
// `left` (the time to give_up_after), so the last check comes when the wait ends; at least a
// second.
std::chrono::seconds condition_wait_delay(const BackoffPolicy& policy, std::chrono::seconds waited,
                                          std::chrono::seconds left, double draw);

}  // namespace sluice::tasks
