#pragma once
// Renews the lease of every running window on its own connection, so a long extract never
// looks stale, and raises a window's `lost` flag when its heartbeat finds the lock gone.
// The store it renews through is opened on demand, and again after a lost connection.
// A window whose worker is still in a task `deadline_grace` past the task's deadline (a call
// that ignored its cancel) is no longer renewed: the stale-lock cleanup frees it, and the
// worker's late writes are refused by the run-ID fence.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "framework/store/record_store.hpp"
#include "tasks/lease.hpp"

namespace sluice::tasks {

class LeaseKeeper {
 public:
  using OpenStore = std::function<Result<std::unique_ptr<store::RecordStore>>()>;

  static constexpr std::chrono::milliseconds kDeadlineGrace{30'000};

  // Heartbeats on a connection of its own to `database_url`, as `holder`.
  LeaseKeeper(std::string database_url, std::string holder, std::chrono::milliseconds interval,
              std::chrono::milliseconds deadline_grace = kDeadlineGrace);
  LeaseKeeper(OpenStore open, std::chrono::milliseconds interval,
              std::chrono::milliseconds deadline_grace = kDeadlineGrace);
  ~LeaseKeeper();

  // Renews the record's lease until release(); the Lease is the chain's to watch and raise.
  std::shared_ptr<Lease> hold(const store::Record& record);
  void release(const store::Record& record);
  // No longer renewed, like release(), but still this keeper's: its worker left it
  // IN_PROGRESS to the stale-lock cleanup (its writes were refused), which counts an attempt.
  // The orphan release must not free it sooner with none counted, or a write refused at
  // every run would run the window again and again.
  void leave(const store::Record& record);
  // Whether this run of the record is one of this keeper's: held by a worker, or left.
  // Any other window its holder has IN_PROGRESS is an orphan (scheduling.hpp).
  bool accounts_for(const store::Record& record);
  std::chrono::milliseconds interval() const { return interval_; }
  // Drain deadline: raises every held window's `lost` so its worker writes nothing more, and
  // returns those windows for their locks to be released.
  std::vector<store::Record> abandon_all();
  std::size_t running();

 private:
  void loop();
  bool still_held(std::int64_t id, const std::shared_ptr<Lease>& lease);

  OpenStore open_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds deadline_grace_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::int64_t, std::pair<store::Record, std::shared_ptr<Lease>>> held_;
  // Left windows, id to run ID. A handful at most (a write refused twice leaves one); an
  // entry goes when this keeper holds that record again.
  std::map<std::int64_t, RunId> left_;
  std::thread thread_;
};

}  // namespace sluice::tasks
