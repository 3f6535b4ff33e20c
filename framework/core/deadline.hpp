#pragma once
// The time a window's current task may still take (the pipeline's `timeout`, a task's
// `tasks.<task>.timeout`), shared by the chain that sets it, the watchdog that fires it, the
// lease keeper that stops renewing a window long past it, and the adapters that bound their
// calls by it: each sets a server-side limit from remaining() and, while it blocks in a call,
// holds a Hook whose cancel the watchdog runs once the deadline passes (PQcancel, KILL QUERY,
// an aborted transfer). A call that ignores the cancel is the lease keeper's to end.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace sluice {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // A cancel sent a moment before the call reached the server is lost: while a hook is held
  // past the deadline its cancel runs again this often.
  static constexpr std::chrono::milliseconds kRecancel{1000};

  // While it lives, its cancel runs on the watchdog's thread once the deadline has passed
  // (at once when it already has). Destroying it waits for a cancel running, so a cancel
  // never outlives what it cancels.
  class Hook {
   public:
    Hook() = default;
    Hook(Hook&& other) noexcept;
    Hook& operator=(Hook&&) = delete;
    Hook(const Hook&) = delete;
    Hook& operator=(const Hook&) = delete;
    ~Hook();

   private:
    friend class Deadline;
    Hook(Deadline* owner, std::uint64_t id) : owner_(owner), id_(id) {}
    Deadline* owner_ = nullptr;
    std::uint64_t id_ = 0;
  };

  Deadline() = default;
  explicit Deadline(std::optional<Clock::time_point> at) : at_(at) {}
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The deadline of whatever runs from now on; nullopt: none.
  void set(std::optional<Clock::time_point> at);
  std::optional<Clock::time_point> at() const;
  bool passed() const;
  // The time left, for a server-side limit: nullopt without a deadline, zero once passed,
  // rounded up (a limit never ends a call before the deadline).
  std::optional<std::chrono::milliseconds> remaining() const;

  // `cancel` runs on the watchdog's thread, never under a lock of this Deadline; it must not
  // throw (what it throws is dropped) and should not take long: the other hooks wait.
  [[nodiscard]] Hook on_expiry(std::function<void()> cancel);

  // The watchdog's loop (Watchdog runs it): the hooks' cancels once the deadline passes, and
  // again every kRecancel while any is held, until stop().
  void watch();
  void stop();

 private:
  void drop(std::uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // the watchdog's: a new deadline, a hook, stop()
  std::condition_variable fired_;    // a dropped hook's: the cancels have run
  std::optional<Clock::time_point> at_;
  std::map<std::uint64_t, std::function<void()>> hooks_;
  std::uint64_t next_id_ = 0;
  bool firing_ = false;  // the watchdog is running cancels, outside the lock
  bool stopping_ = false;
};

// A Deadline's watch() on a thread of its own, for as long as this lives.
class Watchdog {
 public:
  explicit Watchdog(Deadline& deadline);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  Deadline& deadline_;
  std::thread thread_;
};

}  // namespace sluice
