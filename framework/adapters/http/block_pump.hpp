#pragma once
// Two stages of one extract on two threads: a producer (the HTTP source's fetch and scan of
// each page) hands blocks of COPY text rows to the consumer (the sink: stage file, streamed
// load), so that the next page is fetched and scanned while the last one is written. Memory
// stays bounded: at most `queued` blocks wait, besides the one each side holds. An error on
// either side ends both: the producer's reaches the consumer after the blocks before it; a
// consumer that stops (an error, or just going away) cancels the producer and waits for it.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framework/core/error.hpp"

namespace sluice::adapters::http {

class BlockPump {
 public:
  struct Block {
    std::string text;  // whole rows of COPY text
    std::int64_t rows = 0;
  };
  // Runs on the pump's thread; hands its blocks to emit().
  using Produce = std::function<Result<void>(BlockPump&)>;

  explicit BlockPump(Produce produce, std::size_t queued = 1);
  ~BlockPump();  // cancels the producer and joins it
  BlockPump(const BlockPump&) = delete;
  BlockPump& operator=(const BlockPump&) = delete;

  // Consumer: the next block; nullopt once the producer is done; its Error if it failed.
  Result<std::optional<Block>> next();
  // Consumer: a block's buffer back, for the producer to fill again (saves its allocation).
  void recycle(std::string text);

  // Producer: waits for room; an Error (to return at once) when the consumer has gone.
  Result<void> emit(Block block);
  // Producer: an empty buffer, recycled when one is there.
  std::string spare();
  // Set when the consumer has gone: long waits of the producer should end early.
  const std::atomic<bool>& cancelled() const { return cancelled_; }

 private:
  void run(const Produce& produce);

  const std::size_t queued_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> queue_;
  std::vector<std::string> spares_;
  bool done_ = false;
  std::optional<Error> error_;
  std::atomic<bool> cancelled_{false};
  std::thread thread_;  // last: it starts once the rest is built
};

}  // namespace sluice::adapters::http
