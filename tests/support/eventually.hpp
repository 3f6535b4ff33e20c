#pragma once
// Waiting in a test for something another thread or process does.
#include <chrono>
#include <thread>

namespace sluice::test {

// Polls `done` every `poll` until it holds or `within` passes; whether it held.
template <class F>
bool poll_until(F&& done, std::chrono::milliseconds within = std::chrono::seconds(5),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace sluice::test
