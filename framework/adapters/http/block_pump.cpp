#include "framework/adapters/http/block_pump.hpp"

namespace sluice::adapters::http {

namespace {
constexpr std::size_t kMaxSpares = 2;
}  // namespace

BlockPump::BlockPump(Produce produce, std::size_t queued)
    : queued_(queued == 0 ? 1 : queued),
      thread_([this, produce = std::move(produce)] { run(produce); }) {}

BlockPump::~BlockPump() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BlockPump::run(const Produce& produce) {
  Result<void> result;
  try {
    result = produce(*this);
  } catch (const std::exception& e) {
    // Nothing may escape a thread: it would end the process.
    result = fail(Error::permanent(std::string("extract failed: ") + e.what()));
  }
  {
    std::lock_guard lock(mutex_);
    done_ = true;
    if (!result) error_ = std::move(result.error());
  }
  changed_.notify_all();
}

Result<std::optional<BlockPump::Block>> BlockPump::next() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || done_; });
  if (!queue_.empty()) {
    Block block = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return std::optional<Block>(std::move(block));
  }
  if (error_) return fail(*error_);
  return std::optional<Block>();
}

void BlockPump::recycle(std::string text) {
  text.clear();
  std::lock_guard lock(mutex_);
  if (spares_.size() < kMaxSpares) spares_.push_back(std::move(text));
}

Result<void> BlockPump::emit(Block block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < queued_ || cancelled_; });
  if (cancelled_) return fail(Error::permanent("the extract's consumer has stopped"));
  queue_.push_back(std::move(block));
  lock.unlock();
  changed_.notify_all();
  return {};
}

std::string BlockPump::spare() {
  std::lock_guard lock(mutex_);
  if (spares_.empty()) return {};
  std::string text = std::move(spares_.back());
  spares_.pop_back();
  return text;
}

}  // namespace sluice::adapters::http
