#pragma once
// An in-process fake of adapters::Source: a number of rows per window, failures planned per
// call ("count", "extract", "has_rows_each"), a count that can disagree with what it
// extracts, and a hook that runs inside extract (to lose the lease or the lock halfway
// through a task).
#include <functional>
#include <map>
#include <mutex>

#include "framework/adapters/interfaces.hpp"
#include "tests/support/fakes/failure_script.hpp"

namespace sluice::test {

class FakeSource final : public adapters::Source {
 public:
  // Columns id and note; windows never set have no rows.
  void set_rows(Instant window_start, std::int64_t rows);
  // count() reports `offset` more rows than extract() sends: the audit sees them differ.
  void set_count_offset(std::int64_t offset);
  // Runs after the rows were sent, before extract() returns.
  void on_extract(std::function<void()> hook);
  // Answers has_rows_each in one call (counted as "has_rows_each"), as a server source does.
  void answer_windows_together() { together_ = true; }

  FailureScript& script() { return script_; }

  Result<std::int64_t> count(const adapters::WindowContext& ctx) override;
  Result<std::int64_t> extract(const adapters::WindowContext& ctx,
                               adapters::RowSink& sink) override;
  bool answers_windows_together() const override { return together_; }
  Result<std::vector<bool>> has_rows_each(const adapters::WindowContext& ctx,
                                          std::span<const Window> windows) override;

 private:
  std::int64_t rows_of(Instant window_start) const;

  mutable std::mutex mutex_;  // the audit counts on a thread of its own
  std::map<Instant, std::int64_t> rows_;
  std::int64_t count_offset_ = 0;
  std::function<void()> on_extract_;
  bool together_ = false;
  FailureScript script_;
};

}  // namespace sluice::test
