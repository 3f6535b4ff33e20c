#include "tasks/lease_keeper.hpp"

#include <set>

#include "framework/observe/log.hpp"
#include "framework/store/records.hpp"
#include "framework/time/duration.hpp"

namespace sluice::tasks {

LeaseKeeper::LeaseKeeper(std::string database_url, std::string holder,
                         std::chrono::milliseconds interval,
                         std::chrono::milliseconds deadline_grace)
    : LeaseKeeper(
          [url = std::move(database_url), holder = std::move(holder)] {
            return store::open_records(url, {"sluice-lease", 10}, holder);
          },
          interval, deadline_grace) {}

LeaseKeeper::LeaseKeeper(OpenStore open, std::chrono::milliseconds interval,
                         std::chrono::milliseconds deadline_grace)
    : open_(std::move(open)),
      interval_(time::timer_wait(interval)),
      deadline_grace_(deadline_grace),
      thread_([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<Lease> LeaseKeeper::hold(const store::Record& record) {
  auto lease = std::make_shared<Lease>();
  std::lock_guard lock(mutex_);
  held_[record.id.value] = {record, lease};
  left_.erase(record.id.value);
  return lease;
}

void LeaseKeeper::release(const store::Record& record) {
  std::lock_guard lock(mutex_);
  held_.erase(record.id.value);
}

void LeaseKeeper::leave(const store::Record& record) {
  std::lock_guard lock(mutex_);
  held_.erase(record.id.value);
  left_[record.id.value] = record.run;
}

bool LeaseKeeper::accounts_for(const store::Record& record) {
  std::lock_guard lock(mutex_);
  const auto left = left_.find(record.id.value);
  return held_.contains(record.id.value) || (left != left_.end() && left->second == record.run);
}

std::vector<store::Record> LeaseKeeper::abandon_all() {
  std::lock_guard lock(mutex_);
  std::vector<store::Record> out;
  for (auto& [id, entry] : held_) {
    entry.second->lost = true;
    out.push_back(entry.first);
  }
  held_.clear();
  return out;
}

std::size_t LeaseKeeper::running() {
  std::lock_guard lock(mutex_);
  return held_.size();
}

bool LeaseKeeper::still_held(std::int64_t id, const std::shared_ptr<Lease>& lease) {
  std::lock_guard lock(mutex_);
  const auto it = held_.find(id);
  return it != held_.end() && it->second.second == lease;
}

void LeaseKeeper::loop() {
  const auto log = observe::logger("claims");
  std::unique_ptr<store::RecordStore> records;
  bool failing = false;
  std::set<std::int64_t> overdue;  // windows no longer renewed, each logged once
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [&] { return stopping_; });
    if (stopping_ || held_.empty()) continue;
    auto snapshot = held_;
    lock.unlock();
    if (!records) {
      auto opened = open_();
      if (opened) {
        records = std::move(*opened);
      } else if (!failing) {
        log->warn("lease keeper cannot connect: {}", opened.error().message);
      }
      failing = !opened;  // an outage is logged once, not once per round
    }
    std::erase_if(overdue, [&](std::int64_t id) { return !snapshot.contains(id); });
    if (records) {
      for (auto& [id, entry] : snapshot) {
        const auto deadline = entry.second->deadline.at();
        if (deadline && Deadline::Clock::now() > *deadline + deadline_grace_) {
          if (overdue.insert(id).second)
            log->warn(
                "{} still in a task {} ms after its deadline: its lease is no longer renewed, "
                "so the stale-lock cleanup frees the window if its worker stays stuck",
                observe::window_context(entry.first.pipeline, entry.first.window, entry.first.run),
                deadline_grace_.count());
          continue;
        }
        auto renewed = records->heartbeat(entry.first);
        if (!renewed && !renewed.error().connection_lost) {
          // This renewal was refused (a timeout, say), not the connection lost: the others
          // go on; a lease refused until its threshold is freed by the stale-lock cleanup.
          log->warn(
              "{} heartbeat failed: {}",
              observe::window_context(entry.first.pipeline, entry.first.window, entry.first.run),
              renewed.error().message);
          continue;
        }
        if (!renewed) {
          if (!failing) log->warn("heartbeat failed: {}", renewed.error().message);
          failing = true;
          records.reset();  // reconnect next round; the lease has the threshold's slack
          break;
        }
        // A window that finished and was released since the snapshot is not IN_PROGRESS
        // either, nor one whose chain is writing its end (the write that ended it may have
        // committed a moment ago): only one still running has lost its lock.
        if (!*renewed && !entry.second->ending && still_held(id, entry.second)) {
          log->warn(
              "{} lock lost: the worker stops writing",
              observe::window_context(entry.first.pipeline, entry.first.window, entry.first.run));
          entry.second->lost = true;
        }
      }
    }
    lock.lock();
  }
}

}  // namespace sluice::tasks
