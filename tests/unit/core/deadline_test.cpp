// The deadline a window's task runs under, and its watchdog: the time left, cancels run at
// the deadline and not before, again while a call still hangs, at once for a call that
// starts late, and never after the call they cancel has ended.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "framework/core/deadline.hpp"
#include "tests/support/eventually.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Clock = Deadline::Clock;

namespace {}  // namespace

TEST_CASE("a deadline tells the time left, rounded up, and zero once passed", "[core][deadline]") {
  Deadline none;
  CHECK_FALSE(none.remaining());
  CHECK_FALSE(none.passed());

  Deadline later(Clock::now() + 10s);
  REQUIRE(later.remaining());
  CHECK(*later.remaining() > 9s);
  CHECK(*later.remaining() <= 10s);
  CHECK_FALSE(later.passed());

  Deadline gone(Clock::now() - 1ms);
  CHECK(gone.passed());
  CHECK(*gone.remaining() == 0ms);

  // A microsecond left is a millisecond, never zero: zero means "do not start".
  Deadline close(Clock::now() + 200us);
  if (!close.passed()) CHECK(*close.remaining() >= 1ms);
}

TEST_CASE("the watchdog runs a held hook's cancel at the deadline, not before",
          "[core][deadline][threads]") {
  Deadline deadline(Clock::now() + 150ms);
  std::atomic<int> cancels{0};
  Clock::time_point first{};
  Watchdog watchdog(deadline);
  auto hook = deadline.on_expiry([&] {
    if (cancels == 0) first = Clock::now();  // before the count the test waits on
    ++cancels;
  });
  std::this_thread::sleep_for(100ms);
  CHECK(cancels == 0);
  REQUIRE(test::poll_until([&] { return cancels > 0; }));
  CHECK(first >= *deadline.at());
  CHECK(first - *deadline.at() < 500ms);
  // Still held: cancelled again, as the first cancel may have reached the server too early.
  CHECK(test::poll_until([&] { return cancels >= 2; }, Deadline::kRecancel * 3));
}

TEST_CASE("a hook taken after the deadline is cancelled at once", "[core][deadline][threads]") {
  Deadline deadline(Clock::now() - 1s);
  Watchdog watchdog(deadline);
  std::this_thread::sleep_for(20ms);
  std::atomic<bool> cancelled{false};
  const auto taken = Clock::now();
  auto hook = deadline.on_expiry([&] { cancelled = true; });
  REQUIRE(test::poll_until([&] { return cancelled.load(); }));
  CHECK(Clock::now() - taken < Deadline::kRecancel / 2);
}

TEST_CASE("a deadline moved earlier or later is the one the watchdog keeps",
          "[core][deadline][threads]") {
  Deadline deadline(Clock::now() + 1h);
  Watchdog watchdog(deadline);
  std::atomic<int> cancels{0};
  auto hook = deadline.on_expiry([&] { ++cancels; });
  deadline.set(Clock::now() + 50ms);  // the next task's, shorter
  CHECK(test::poll_until([&] { return cancels > 0; }, 2s));
  deadline.set(Clock::now() + 1h);    // a task that started afresh
  std::this_thread::sleep_for(50ms);  // a round of cancels under way ends
  const int seen = cancels;
  std::this_thread::sleep_for(Deadline::kRecancel + 200ms);
  CHECK(cancels == seen);
  deadline.set(std::nullopt);
  std::this_thread::sleep_for(50ms);
  CHECK(cancels == seen);
}

TEST_CASE("a hook dropped while its cancel runs waits for the cancel to end",
          "[core][deadline][threads]") {
  Deadline deadline(Clock::now());
  std::atomic<bool> in_cancel{false}, cancel_done{false};
  auto hook = std::make_unique<Deadline::Hook>(deadline.on_expiry([&] {
    in_cancel = true;
    std::this_thread::sleep_for(200ms);
    cancel_done = true;
  }));
  Watchdog watchdog(deadline);
  REQUIRE(test::poll_until([&] { return in_cancel.load(); }));
  hook.reset();  // the call ended: what the cancel uses must stay until it is done
  CHECK(cancel_done);
}

TEST_CASE("without a watchdog nothing is cancelled, and a throwing cancel stops no other",
          "[core][deadline][threads]") {
  Deadline deadline(Clock::now() - 1ms);
  std::atomic<int> cancels{0};
  {
    auto quiet = deadline.on_expiry([&] { ++cancels; });
    std::this_thread::sleep_for(30ms);
    CHECK(cancels == 0);  // the server-side limit is then all there is
  }
  auto throws = deadline.on_expiry([] { throw std::runtime_error("cancel failed"); });
  auto counts = deadline.on_expiry([&] { ++cancels; });
  Watchdog watchdog(deadline);
  CHECK(test::poll_until([&] { return cancels >= 2; }, Deadline::kRecancel * 3));
}
