// generate_all: a cron tick of thousands of pipelines in a few statements instead of two
// round trips per pipeline. The newest window of up to `limits.pipelines` pipelines is read in
// one statement; what is due is decided here by the pure time code, as generate_due does; the
// new records of many pipelines go in one INSERT of at most `limits.batch` windows. A pipeline
// with a long catchup (a whole batch due) goes on alone under the time budget, as before.
// A statement of many pipelines that fails is done again one pipeline at a time, so that a
// failure stays the one pipeline's and the others are generated.
#include <algorithm>
#include <iterator>

#include "framework/observe/log.hpp"
#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"

namespace sluice::tasks {
namespace {

using Runtime = std::shared_ptr<const PipelineRuntime>;

// Above this many pipelines with new windows in one call, their lines go to debug and one
// summary line to info: a tick of 10,000 pipelines would otherwise log 10,000 lines an hour.
constexpr std::size_t kPipelinesLogged = 10;

// The windows of several pipelines waiting for one insert; a pipeline's stay together.
class PendingInsert {
 public:
  struct Part {
    Runtime pipeline;
    std::size_t begin = 0, end = 0;
  };

  void add(const Runtime& pipeline, std::vector<store::NewRecord> made) {
    const std::size_t begin = records_.size();
    std::move(made.begin(), made.end(), std::back_inserter(records_));
    parts_.push_back({pipeline, begin, records_.size()});
  }
  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  void clear() {
    records_.clear();
    parts_.clear();
  }
  std::span<const store::NewRecord> records() const { return records_; }
  const std::vector<Part>& parts() const { return parts_; }
  std::span<const store::NewRecord> of(const Part& part) const {
    return std::span(records_).subspan(part.begin, part.end - part.begin);
  }

 private:
  std::vector<store::NewRecord> records_;
  std::vector<Part> parts_;
};

class Generation {
 public:
  Generation(store::RecordStore& records, Instant now, const GenerateLimits& limits)
      : records_(records), now_(now), limits_(limits), log_(observe::logger("scheduler")) {}

  bool going() const { return !report_.lost && (!limits_.keep_going || limits_.keep_going()); }

  void chunk(std::span<const Runtime> pipelines) {
    std::vector<PipelineId> ids;
    ids.reserve(pipelines.size());
    for (const auto& p : pipelines) ids.push_back(p->id);
    auto ends = records_.last_window_ends(ids);
    if (!ends) {
      if (lost(ends.error())) return;
      log_->warn(
          "reading the newest windows of {} pipeline(s) in one statement failed ({}): reading "
          "them one pipeline at a time",
          pipelines.size(), ends.error().message);
      for (const auto& p : pipelines) {
        if (!going()) break;
        alone(p, std::nullopt);
      }
      return;
    }
    std::vector<std::pair<Runtime, std::optional<Instant>>> long_catchups;
    for (std::size_t i = 0; i < pipelines.size() && i < ends->size(); ++i) {
      const auto& p = pipelines[i];
      const auto after = (*ends)[i];
      const auto due = time::due_windows(p->windows, after, now_, limits_.batch);
      if (due.empty()) continue;
      if (p->windows.catchup && due.size() >= limits_.batch) {
        long_catchups.emplace_back(p, after);
        continue;
      }
      if (pending_.size() + due.size() > limits_.batch) flush();
      if (report_.lost) return;
      pending_.add(p, new_records(*p, due, Trigger::scheduled));
    }
    flush();
    for (const auto& [p, after] : long_catchups) {
      if (!going()) break;
      alone(p, after);
    }
  }

  GenerateReport finish() {
    if (made_.size() > kPipelinesLogged)
      log_->info("{} new window(s) due for {} pipelines", report_.created, made_.size());
    for (const auto& [id, n] : made_)
      log_->log(made_.size() > kPipelinesLogged ? spdlog::level::debug : spdlog::level::info,
                "pipeline={} {} new window(s) due", id.value, n);
    return std::move(report_);
  }

 private:
  void flush() {
    if (pending_.empty()) return;
    auto made = records_.insert_pending_each(pending_.records());
    if (made) {
      for (const auto& [id, n] : *made) counted(id, n);
    } else if (!lost(made.error())) {
      log_->warn(
          "inserting the due windows of {} pipeline(s) in one statement failed ({}): inserting "
          "them one pipeline at a time",
          pending_.parts().size(), made.error().message);
      for (const auto& part : pending_.parts()) {
        auto n = records_.insert_pending(pending_.of(part));
        if (n) {
          counted(part.pipeline->id, *n);
        } else {
          failed(part.pipeline->id, n.error());
          if (report_.lost) break;
        }
      }
    }
    pending_.clear();
  }

  // generate_due for one pipeline, from its newest window when it is known.
  void alone(const Runtime& p, std::optional<std::optional<Instant>> known) {
    const auto until = std::chrono::steady_clock::now() + limits_.budget;
    bool cut = false;
    const auto keep_going = [&] {
      cut = limits_.budget.count() > 0 && std::chrono::steady_clock::now() >= until;
      return going() && !cut;
    };
    auto n = known ? generate_due_after(records_, *p, *known, now_, limits_.batch, keep_going)
                   : generate_due(records_, *p, now_, limits_.batch, keep_going);
    if (cut && going()) report_.cut.push_back(p);
    if (n)
      counted(p->id, *n);
    else
      failed(p->id, n.error());
  }

  void counted(const PipelineId& id, std::int64_t n) {
    report_.created += n;
    if (n > 0) made_.emplace_back(id, n);
  }

  void failed(const PipelineId& id, const Error& error) {
    if (lost(error)) return;
    log_->error("pipeline={} cannot generate its due windows: {}", id.value, error.message);
    report_.failed.emplace_back(id, error);
  }

  // Whether the connection is gone: then every statement after would fail the same way.
  bool lost(const Error& error) {
    if (error.connection_lost && !report_.lost) report_.lost = error;
    return error.connection_lost;
  }

  store::RecordStore& records_;
  Instant now_;
  const GenerateLimits& limits_;
  std::shared_ptr<spdlog::logger> log_;
  PendingInsert pending_;
  GenerateReport report_;
  std::vector<std::pair<PipelineId, std::int64_t>> made_;
};

}  // namespace

GenerateReport generate_all(store::RecordStore& records, const Runtimes& pipelines, Instant now,
                            const GenerateLimits& limits) {
  Generation generation(records, now, limits);
  const std::size_t step = std::max<std::size_t>(1, limits.pipelines);
  for (std::size_t i = 0; i < pipelines.size() && generation.going(); i += step)
    generation.chunk(std::span(pipelines).subspan(i, std::min(step, pipelines.size() - i)));
  return generation.finish();
}

}  // namespace sluice::tasks
