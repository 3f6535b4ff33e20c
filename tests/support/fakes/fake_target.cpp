#include "tests/support/fakes/fake_target.hpp"

#include <algorithm>

#include "framework/adapters/copy_text.hpp"

namespace sluice::test {
namespace {

class Load final : public adapters::TargetLoad {
 public:
  Load(FakeTarget& target, adapters::WindowContext ctx) : target_(target), ctx_(std::move(ctx)) {}

  Result<void> put(std::string_view block) override {
    if (auto error = target_.script().next("put")) return fail(*error);
    rows_ += adapters::copy_text::count_rows(block);
    return {};
  }
  Result<void> commit() override {
    if (auto error = target_.script().next("commit")) return fail(*error);
    held_ = target_.replace(ctx_.pipeline, ctx_.window.start, rows_, &written_);
    return {};
  }
  std::optional<std::int64_t> held() const override {
    return target_.mode() == adapters::LoadMode::upsert ? std::optional(held_) : std::nullopt;
  }
  std::optional<std::int64_t> reported() const override { return written_; }

 private:
  FakeTarget& target_;
  adapters::WindowContext ctx_;
  std::int64_t rows_ = 0;
  std::int64_t held_ = 0;
  std::int64_t written_ = 0;
};

}  // namespace

std::int64_t FakeTarget::rows(const PipelineId& pipeline, Instant window_start) const {
  std::lock_guard lock(mutex_);
  const auto it = rows_.find({pipeline.value, window_start});
  return it == rows_.end() ? 0 : it->second;
}

void FakeTarget::set_rows(const PipelineId& pipeline, Instant window_start, std::int64_t rows) {
  std::lock_guard lock(mutex_);
  rows_[{pipeline.value, window_start}] = rows;
}

void FakeTarget::drop_rows(std::int64_t rows) {
  std::lock_guard lock(mutex_);
  dropped_ = rows;
}

std::int64_t FakeTarget::replace(const PipelineId& pipeline, Instant window_start,
                                 std::int64_t rows, std::int64_t* kept) {
  std::lock_guard lock(mutex_);
  auto& held = rows_[{pipeline.value, window_start}];
  const std::int64_t written = std::max<std::int64_t>(rows - dropped_, 0);
  held = mode_ == adapters::LoadMode::append ? held + written : written;
  if (kept) *kept = written;
  return held;
}

Result<std::int64_t> FakeTarget::count(const adapters::WindowContext& ctx) {
  if (auto error = script_.next("count")) return fail(*error);
  return rows(ctx.pipeline, ctx.window.start);
}

Result<std::vector<std::int64_t>> FakeTarget::count_each(const adapters::WindowContext& ctx,
                                                         std::span<const Window> windows) {
  if (auto error = script_.next("count_each")) return fail(*error);
  std::vector<std::int64_t> out;
  for (const auto& w : windows) out.push_back(rows(ctx.pipeline, w.start));
  return out;
}

Result<adapters::Loaded> FakeTarget::load(const adapters::WindowContext& ctx,
                                          adapters::StageReader& staged) {
  if (auto error = script_.next("load")) return fail(*error);
  std::int64_t rows = 0;
  for (;;) {
    auto block = staged.next_block();
    if (!block) return fail(block.error());
    if (block->empty()) break;
    rows += adapters::copy_text::count_rows(*block);
  }
  std::int64_t written = 0;
  const auto held = replace(ctx.pipeline, ctx.window.start, rows, &written);
  return adapters::Loaded{
      .rows = rows,
      .held = mode_ == adapters::LoadMode::upsert ? std::optional(held) : std::nullopt,
      .reported = written};
}

Result<std::unique_ptr<adapters::TargetLoad>> FakeTarget::start_load(
    const adapters::WindowContext& ctx, std::span<const adapters::Column> columns) {
  (void)columns;
  if (!streaming_) return std::unique_ptr<adapters::TargetLoad>{};
  if (auto error = script_.next("start_load")) return fail(*error);
  return std::unique_ptr<adapters::TargetLoad>(std::make_unique<Load>(*this, ctx));
}

}  // namespace sluice::test
