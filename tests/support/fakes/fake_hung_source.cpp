#include "tests/support/fakes/fake_hung_source.hpp"

#include <optional>
#include <vector>

namespace sluice::test {

FakeHungSource::FakeHungSource(bool cooperative, std::set<std::string> hanging, std::int64_t rows)
    : cooperative_(cooperative), hanging_(std::move(hanging)), rows_(rows) {}

void FakeHungSource::release() {
  std::lock_guard lock(mutex_);
  released_ = true;
  changed_.notify_all();
}

bool FakeHungSource::wait_entered(int calls, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return entered_ >= calls; });
}

int FakeHungSource::entered() const {
  std::lock_guard lock(mutex_);
  return entered_;
}

int FakeHungSource::cancels() const {
  std::lock_guard lock(mutex_);
  return cancels_;
}

Error FakeHungSource::hang(const adapters::WindowContext& ctx, const std::string& call) {
  bool cancelled = false;
  std::optional<Deadline::Hook> hook;
  if (cooperative_ && ctx.deadline)
    hook.emplace(ctx.deadline->on_expiry([&] {
      std::lock_guard lock(mutex_);
      cancelled = true;
      ++cancels_;
      changed_.notify_all();
    }));
  std::unique_lock lock(mutex_);
  ++entered_;
  changed_.notify_all();
  changed_.wait(lock, [&] { return released_ || cancelled; });
  if (cancelled) return Error::retryable("fake " + call + ": cancelled");
  return Error::permanent("fake " + call + ": released after hanging");
}

Result<std::int64_t> FakeHungSource::count(const adapters::WindowContext& ctx) {
  if (hanging_.contains("count")) return fail(hang(ctx, "count"));
  return rows_;
}

Result<std::int64_t> FakeHungSource::extract(const adapters::WindowContext& ctx,
                                             adapters::RowSink& sink) {
  if (hanging_.contains("extract")) return fail(hang(ctx, "extract"));
  const std::vector<adapters::Column> columns{{"id"}, {"note"}};
  if (auto begun = sink.begin(columns); !begun) return fail(begun.error());
  for (std::int64_t i = 0; i < rows_; ++i) {
    const std::string id = std::to_string(i), note = "row " + id;
    const std::vector<adapters::Field> fields{id, note};
    if (auto sent = sink.row(fields); !sent) return fail(sent.error());
  }
  if (auto ended = sink.end(); !ended) return fail(ended.error());
  return rows_;
}

}  // namespace sluice::test
