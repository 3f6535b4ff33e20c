#include "framework/core/deadline.hpp"

#include <utility>
#include <vector>

namespace sluice {

Deadline::Hook::Hook(Hook&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

Deadline::Hook::~Hook() {
  if (owner_) owner_->drop(id_);
}

void Deadline::set(std::optional<Clock::time_point> at) {
  std::lock_guard lock(mutex_);
  at_ = at;
  changed_.notify_all();
}

std::optional<Deadline::Clock::time_point> Deadline::at() const {
  std::lock_guard lock(mutex_);
  return at_;
}

bool Deadline::passed() const {
  const auto at = this->at();
  return at && Clock::now() >= *at;
}

std::optional<std::chrono::milliseconds> Deadline::remaining() const {
  const auto at = this->at();
  if (!at) return std::nullopt;
  const auto now = Clock::now();
  if (now >= *at) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(*at - now);
}

Deadline::Hook Deadline::on_expiry(std::function<void()> cancel) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = ++next_id_;
  hooks_.emplace(id, std::move(cancel));
  // A hook held past the deadline is cancelled at once, not at the next round.
  if (at_ && Clock::now() >= *at_) changed_.notify_all();
  return Hook(this, id);
}

void Deadline::drop(std::uint64_t id) {
  std::unique_lock lock(mutex_);
  hooks_.erase(id);
  // The watchdog may be running this hook's cancel from its copy of the list.
  fired_.wait(lock, [&] { return !firing_; });
}

void Deadline::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!at_) {
      changed_.wait(lock);
      continue;
    }
    if (Clock::now() < *at_) {
      changed_.wait_until(lock, *at_);
      continue;
    }
    if (!hooks_.empty()) {
      std::vector<std::function<void()>> cancels;
      cancels.reserve(hooks_.size());
      for (const auto& [id, cancel] : hooks_) cancels.push_back(cancel);
      firing_ = true;
      lock.unlock();
      for (const auto& cancel : cancels) {
        try {
          cancel();
        } catch (...) {  // NOLINT(bugprone-empty-catch): a cancel's failure is its own to log
        }
      }
      lock.lock();
      firing_ = false;
      fired_.notify_all();
    }
    // Again after kRecancel, or sooner: a hook added, a new deadline, stop().
    changed_.wait_for(lock, kRecancel);
  }
  stopping_ = false;  // a later Watchdog may watch again
}

void Deadline::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  changed_.notify_all();
}

Watchdog::Watchdog(Deadline& deadline)
    : deadline_(deadline), thread_([this] { deadline_.watch(); }) {}

Watchdog::~Watchdog() {
  deadline_.stop();
  thread_.join();
}

}  // namespace sluice
