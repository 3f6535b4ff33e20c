#pragma once
// FAKE: a source whose calls hang, which no server here does on demand and reliably. Chosen
// calls ("count", "extract") block until release(); the others answer at once (`rows` rows,
// columns id and note). `cooperative`: a hanging call holds a hook on the window's deadline
// and ends with a retryable error when it fires, as a real adapter's cancelled statement
// does. Otherwise it ignores the cancel (a driver stuck in the kernel, a server that never
// answers a cancel) and only release() ends it, with a permanent error.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "framework/adapters/interfaces.hpp"

namespace sluice::test {

class FakeHungSource final : public adapters::Source {
 public:
  FakeHungSource(bool cooperative, std::set<std::string> hanging, std::int64_t rows = 0);

  // Every hanging call, now and later, returns.
  void release();
  // Waits up to `timeout` until `calls` hanging calls have begun; whether they had.
  bool wait_entered(int calls, std::chrono::milliseconds timeout);
  int entered() const;
  int cancels() const;  // deadline hooks fired (cooperative calls)

  Result<std::int64_t> count(const adapters::WindowContext& ctx) override;
  Result<std::int64_t> extract(const adapters::WindowContext& ctx,
                               adapters::RowSink& sink) override;

 private:
  // Blocks as the class comment says; the error the call ends with.
  Error hang(const adapters::WindowContext& ctx, const std::string& call);

  const bool cooperative_;
  const std::set<std::string> hanging_;
  const std::int64_t rows_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  int entered_ = 0;
  int cancels_ = 0;
};

}  // namespace sluice::test
