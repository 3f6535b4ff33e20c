#include "tasks/window_batch.hpp"

#include "framework/observe/log.hpp"

namespace sluice::tasks {

void BatchedEnds::defer(const store::Record& record, const store::TaskWrite& write,
                        std::chrono::steady_clock::time_point started) {
  deferred_.push_back({record, write, started});
}

void BatchedEnds::ended(const Deferred& d, bool written) {
  record_deferred_end(d.record, d.write, written, d.started);
  ended_.push_back(
      {d.record, written ? ChainOutcome{.end = ChainEnd::skipped, .message = d.write.message}
                         : ChainOutcome{.end = ChainEnd::lock_lost, .message = "lock taken over"}});
}

void BatchedEnds::flush() {
  if (deferred_.empty()) return;
  const auto log = observe::logger("chain");
  std::vector<store::Record> records;
  std::vector<store::TaskWrite> writes;
  for (const auto& d : deferred_) {
    records.push_back(d.record);
    writes.push_back(d.write);
  }
  auto written = records_.write_tasks(records, writes);
  if (written) {
    for (std::size_t i = 0; i < deferred_.size(); ++i) ended(deferred_[i], (*written)[i]);
  } else if (written.error().connection_lost) {
    log->error("{} window end(s) not recorded: {}", deferred_.size(), written.error().message);
    for (const auto& d : deferred_) lost_.push_back(d.record);
    lost_error_ = written.error();
  } else {
    log->error("{} window end(s) refused together ({}): writing them one by one", deferred_.size(),
               written.error().message);
    for (const auto& d : deferred_) {
      if (lost_error_) {
        lost_.push_back(d.record);
        continue;
      }
      auto one = records_.write_task(d.record, d.write);
      if (one) {
        ended(d, *one);
      } else if (one.error().connection_lost) {
        lost_.push_back(d.record);
        lost_error_ = one.error();
      } else {
        // As a chain whose plainest write is refused: the stale-lock cleanup frees the window.
        log->error("{} cannot record {}: {}",
                   observe::window_context(d.record.pipeline, d.record.window, d.record.run),
                   to_string(d.write.task), one.error().message);
        ended_.push_back(
            {d.record, ChainOutcome{.end = ChainEnd::store_error, .message = one.error().message}});
      }
    }
  }
  deferred_.clear();
}

std::vector<BatchedEnds::Ended> BatchedEnds::take_ended() {
  return std::exchange(ended_, {});
}

std::vector<store::Record> BatchedEnds::take_lost() {
  return std::exchange(lost_, {});
}

}  // namespace sluice::tasks
