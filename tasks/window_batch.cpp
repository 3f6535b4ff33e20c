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

std::optional<WindowCounts> CountsAhead::take(const TaskContext& ctx) {
  const store::Record& record = ctx.record;
  if (const auto it = counts_.find(record.id.value); it != counts_.end()) {
    const WindowCounts counts = it->second;
    counts_.erase(it);
    return counts;
  }
  const PipelineRuntime& p = ctx.pipeline;
  if (failed_ || !p.target || !p.source || !p.target->answers_windows_together())
    return std::nullopt;
  // This window, then the later windows of the claim that pre-validation will ask about.
  std::vector<RecordId> ids{record.id};
  std::vector<Window> windows{ctx.window.window};
  bool later = false;
  for (const auto& r : claimed_) {
    if (later && r.pipeline == record.pipeline && r.phase < store::Phase::pre_validation) {
      ids.push_back(r.id);
      windows.push_back(r.window);
    }
    later = later || r.id == record.id;
  }
  if (windows.size() < 2) return std::nullopt;  // alone, its own count costs as much
  const auto log = observe::logger("chain");
  auto targets = p.target->count_each(ctx.window, windows);
  if (targets && targets->size() != windows.size())
    targets = fail(Error::permanent(std::to_string(targets->size()) + " counts"));
  if (!targets) {
    failed_ = true;
    log->debug("counting {} windows together: {}", windows.size(), targets.error().message);
    return std::nullopt;
  }
  std::vector<WindowCounts> counts;
  std::vector<std::size_t> asked;
  std::vector<Window> ask;
  const bool append = p.target->mode() == adapters::LoadMode::append;
  for (std::size_t i = 0; i < windows.size(); ++i) {
    counts.push_back({.target = (*targets)[i], .source_has_rows = std::nullopt});
    if (append || (*targets)[i] == 0) {
      asked.push_back(i);
      ask.push_back(windows[i]);
    }
  }
  if (!ask.empty() && p.source->answers_windows_together()) {
    auto any = p.source->has_rows_each(ctx.window, ask);
    if (any && any->size() != ask.size())
      any = fail(Error::permanent(std::to_string(any->size()) + " answers"));
    if (!any) {
      failed_ = true;
      log->debug("asking the source for {} windows together: {}", ask.size(), any.error().message);
      return std::nullopt;
    }
    for (std::size_t k = 0; k < asked.size(); ++k) counts[asked[k]].source_has_rows = (*any)[k];
  }
  for (std::size_t i = 1; i < ids.size(); ++i) counts_[ids[i].value] = counts[i];
  return counts.front();
}

}  // namespace sluice::tasks
