#include "tests/support/fakes/fake_source.hpp"

#include <string>
#include <vector>

namespace sluice::test {

void FakeSource::set_rows(Instant window_start, std::int64_t rows) {
  std::lock_guard lock(mutex_);
  rows_[window_start] = rows;
}

void FakeSource::set_count_offset(std::int64_t offset) {
  std::lock_guard lock(mutex_);
  count_offset_ = offset;
}

void FakeSource::on_extract(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  on_extract_ = std::move(hook);
}

std::int64_t FakeSource::rows_of(Instant window_start) const {
  std::lock_guard lock(mutex_);
  const auto it = rows_.find(window_start);
  return it == rows_.end() ? 0 : it->second;
}

Result<std::int64_t> FakeSource::count(const adapters::WindowContext& ctx) {
  if (auto error = script_.next("count")) return fail(*error);
  const std::int64_t rows = rows_of(ctx.window.start);
  std::lock_guard lock(mutex_);
  return rows + count_offset_;
}

Result<std::vector<bool>> FakeSource::has_rows_each(const adapters::WindowContext& ctx,
                                                    std::span<const Window> windows) {
  (void)ctx;
  if (auto error = script_.next("has_rows_each")) return fail(*error);
  std::vector<bool> out;
  for (const auto& w : windows) out.push_back(rows_of(w.start) > 0);
  return out;
}

Result<std::int64_t> FakeSource::extract(const adapters::WindowContext& ctx,
                                         adapters::RowSink& sink) {
  if (auto error = script_.next("extract")) return fail(*error);
  const std::vector<adapters::Column> columns{{"id"}, {"note"}};
  if (auto begun = sink.begin(columns); !begun) return fail(begun.error());
  const std::int64_t rows = rows_of(ctx.window.start);
  for (std::int64_t i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i), note = "row " + id;
    const std::vector<adapters::Field> fields{id, note};
    if (auto sent = sink.row(fields); !sent) return fail(sent.error());
  }
  if (auto ended = sink.end(); !ended) return fail(ended.error());
  std::function<void()> hook;
  {
    std::lock_guard lock(mutex_);
    hook = on_extract_;
  }
  if (hook) hook();
  return rows;
}

}  // namespace sluice::test
