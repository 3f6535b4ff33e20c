#pragma once
// What the fakes share: calls counted by name, and failures planned for the next calls of
// a name, so a test says "extract fails twice with a retryable error" in one line.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "framework/core/error.hpp"

namespace sluice::test {

class FailureScript {
 public:
  // The next `times` calls of `call` fail with `error`.
  void fail(std::string call, int times, Error error) {
    std::lock_guard lock(mutex_);
    planned_[std::move(call)] = {0, times, std::move(error)};
  }
  // The `nth` call of `call` from now (1: the next one) fails with `error`, once.
  void fail_at(std::string call, int nth, Error error) {
    std::lock_guard lock(mutex_);
    planned_[std::move(call)] = {nth - 1, 1, std::move(error)};
  }

  // Counts the call; the error it must fail with, if one is planned.
  std::optional<Error> next(std::string_view call) {
    std::lock_guard lock(mutex_);
    ++calls_[std::string(call)];
    const auto it = planned_.find(call);
    if (it == planned_.end() || it->second.times <= 0) return std::nullopt;
    if (it->second.skip > 0) {
      --it->second.skip;
      return std::nullopt;
    }
    --it->second.times;
    return it->second.error;
  }

  int calls(std::string_view call) const {
    std::lock_guard lock(mutex_);
    const auto it = calls_.find(call);
    return it == calls_.end() ? 0 : it->second;
  }

 private:
  mutable std::mutex mutex_;
  struct Planned {
    int skip = 0;  // calls that pass before the failures
    int times = 0;
    Error error;
  };
  std::map<std::string, Planned, std::less<>> planned_;
  std::map<std::string, int, std::less<>> calls_;
};

}  // namespace sluice::test
