// The HTTP source's two threads: blocks in order, memory bounded, errors from either side
// ending both, and a consumer that leaves never waiting on a blocked producer.
#include <catch2/catch.hpp>

#include <atomic>

#include "framework/adapters/http/block_pump.hpp"

using namespace sluice;
using namespace sluice::adapters::http;

namespace {

std::vector<std::string> drain(BlockPump& pump, std::string* error = nullptr) {
  std::vector<std::string> texts;
  for (;;) {
    auto block = pump.next();
    if (!block) {
      if (error) *error = block.error().message;
      return texts;
    }
    if (!*block) return texts;
    texts.push_back((*block)->text);
    pump.recycle(std::move((*block)->text));
  }
}

}  // namespace

TEST_CASE("blocks arrive in order and the producer stays at most one block ahead", "[http]") {
  std::atomic<int> emitted{0};
  std::atomic<int> consumed{0};
  std::atomic<int> most_ahead{0};
  BlockPump pump([&](BlockPump& out) -> Result<void> {
    for (int i = 0; i < 50; ++i) {
      std::string text = out.spare();
      text = std::to_string(i) + "\n";
      if (auto r = out.emit({std::move(text), 1}); !r) return r;
      const int ahead = ++emitted - consumed.load();
      if (ahead > most_ahead) most_ahead = ahead;
    }
    return {};
  });
  std::vector<std::string> texts;
  for (;;) {
    auto block = pump.next();
    REQUIRE(block);
    if (!*block) break;
    CHECK((*block)->rows == 1);
    texts.push_back((*block)->text);
    ++consumed;
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // a slower consumer
    pump.recycle(std::move((*block)->text));
  }
  REQUIRE(texts.size() == 50);
  for (int i = 0; i < 50; ++i)
    CHECK(texts[static_cast<std::size_t>(i)] == std::to_string(i) + "\n");
  // One queued, one being built: the producer can never be further ahead than that.
  CHECK(most_ahead <= 2);
}

TEST_CASE("a producer's error reaches the consumer after the blocks before it", "[http]") {
  BlockPump pump([](BlockPump& out) -> Result<void> {
    if (auto r = out.emit({"a\n", 1}); !r) return r;
    if (auto r = out.emit({"b\n", 1}); !r) return r;
    return fail(Error::retryable("page 3 of http://api: HTTP 503"));
  });
  std::string error;
  CHECK(drain(pump, &error) == std::vector<std::string>{"a\n", "b\n"});
  CHECK(error == "page 3 of http://api: HTTP 503");
  // Asked again, it says the same.
  auto again = pump.next();
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::retryable);
}

TEST_CASE("a producer that throws ends as an error, not a crash", "[http]") {
  BlockPump pump([](BlockPump&) -> Result<void> { throw std::runtime_error("out of memory"); });
  std::string error;
  CHECK(drain(pump, &error).empty());
  CHECK(error == "extract failed: out of memory");
}

TEST_CASE("a consumer that stops cancels the producer, which returns at once", "[http]") {
  std::atomic<bool> producer_saw_cancel{false};
  std::atomic<int> emitted{0};
  {
    BlockPump pump([&](BlockPump& out) -> Result<void> {
      for (;;) {
        auto r = out.emit({"row\n", 1});
        if (!r) {
          producer_saw_cancel = out.cancelled().load();
          return r;
        }
        ++emitted;
      }
    });
    auto first = pump.next();
    REQUIRE(first);
    REQUIRE(*first);
    // The consumer fails here (say the stage's disk is full) and leaves: the destructor must
    // not wait forever on a producer blocked for room.
  }
  CHECK(producer_saw_cancel);
  CHECK(emitted <= 3);
}

TEST_CASE("recycled buffers go back to the producer", "[http]") {
  std::atomic<std::size_t> capacity_seen{0};
  BlockPump pump([&](BlockPump& out) -> Result<void> {
    if (auto r = out.emit({std::string(4096, 'x'), 1}); !r) return r;
    // Wait until the consumer has given the first buffer back.
    for (int i = 0; i < 2000; ++i) {
      std::string spare = out.spare();
      if (spare.capacity() >= 4096) {
        capacity_seen = spare.empty() ? spare.capacity() : 0;  // no Catch macro off its thread
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  });
  auto block = pump.next();
  REQUIRE(block);
  REQUIRE(*block);
  pump.recycle(std::move((*block)->text));
  auto end = pump.next();
  REQUIRE(end);
  CHECK_FALSE(*end);
  CHECK(capacity_seen >= 4096);
}
