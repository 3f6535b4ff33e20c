#include "tests/support/fakes/fake_records.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace sluice::test {
namespace {

using store::Status;

bool is_backfill(const store::Record& r) {
  return r.trigger == Trigger::backfill;
}

}  // namespace

FakeRecords::FakeRecords(Instant now, std::string holder) : now_(now), holder_(std::move(holder)) {}

Instant FakeRecords::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void FakeRecords::advance(std::chrono::seconds by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

RecordId FakeRecords::add(const PipelineId& pipeline, Window window, Trigger trigger) {
  store::NewRecord r;
  r.pipeline = pipeline;
  r.window = window;
  r.target_day = date::year_month_day(date::floor<date::days>(window.start));
  r.trigger = trigger;
  std::lock_guard lock(mutex_);
  const RecordId id{next_id_};
  if (!insert(r)) throw std::logic_error("FakeRecords::add: the window is recorded already");
  return id;
}

void FakeRecords::set_phase(RecordId id, store::Phase phase) {
  std::lock_guard lock(mutex_);
  rows_.at(id.value).record.phase = phase;
}

void FakeRecords::rerun(RecordId id, bool force) {
  std::lock_guard lock(mutex_);
  auto& row = rows_.at(id.value);
  Row fresh;
  fresh.record = row.record;
  row = fresh;
  auto& r = row.record;
  r.status = store::Status::pending;
  r.phase = store::Phase::none;
  r.retry_attempt = 0;
  r.source_count.reset();
  r.target_count.reset();
  r.force_reload = force;
  row.next_attempt_at = now_;
}

void FakeRecords::take_over(RecordId id) {
  std::lock_guard lock(mutex_);
  auto& r = rows_.at(id.value).record;
  r.run = RunId{"manual__taken_over_" + std::to_string(++claims_)};
  r.locked_by = "other-host:2";
}

FakeRecords::Row FakeRecords::row(RecordId id) const {
  std::lock_guard lock(mutex_);
  return rows_.at(id.value);
}

std::vector<FakeRecords::Row> FakeRecords::rows() const {
  std::lock_guard lock(mutex_);
  std::vector<Row> out;
  for (const auto& [id, row] : rows_) out.push_back(row);
  return out;
}

std::vector<FakeRecords::Event> FakeRecords::events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<std::string> FakeRecords::tasks_of(const RunId& run) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : events_)
    if (e.run == run) out.push_back(e.task);
  return out;
}

std::vector<RecordId> FakeRecords::settled() const {
  std::lock_guard lock(mutex_);
  return settled_;
}

void FakeRecords::refuse_write(RefuseWrite refuse) {
  std::lock_guard lock(mutex_);
  refuse_write_ = std::move(refuse);
}

namespace {

class Connection final : public store::RecordStore {
 public:
  explicit Connection(FakeRecords& db) : db_(db) {}
  Result<std::int64_t> insert_pending(std::span<const store::NewRecord> records) override {
    return db_.insert_pending(records);
  }
  Result<std::optional<Instant>> last_window_end(const PipelineId& pipeline) override {
    return db_.last_window_end(pipeline);
  }
  Result<std::vector<std::optional<Instant>>> last_window_ends(
      std::span<const PipelineId> pipelines) override {
    return db_.last_window_ends(pipelines);
  }
  Result<std::vector<std::pair<PipelineId, std::int64_t>>> insert_pending_each(
      std::span<const store::NewRecord> records) override {
    return db_.insert_pending_each(records);
  }
  Result<std::optional<store::Record>> claim(const store::ClaimLimitSet& limits) override {
    return db_.claim(limits);
  }
  Result<std::vector<store::Record>> claim_windows(const store::ClaimLimitSet& limits,
                                                   int max) override {
    return db_.claim_windows(limits, max);
  }
  Result<bool> write_task(const store::Record& record, const store::TaskWrite& write) override {
    return db_.write_task(record, write);
  }
  Result<bool> heartbeat(const store::Record& record) override { return db_.heartbeat(record); }
  Result<store::CleanupReport> expire_stale_locks(std::span<const store::StaleLimit> limits,
                                                  const store::StaleLimit& fallback) override {
    return db_.expire_stale_locks(limits, fallback);
  }
  Result<std::vector<store::Record>> own_unrenewed_locks(
      std::chrono::milliseconds older_than) override {
    return db_.own_unrenewed_locks(older_than);
  }
  Result<std::optional<store::Record>> find(RecordId id) override { return db_.find(id); }
  Result<std::int64_t> settle_backfill(const store::Record& record) override {
    return db_.settle_backfill(record);
  }

 private:
  FakeRecords& db_;
};

}  // namespace

Result<std::unique_ptr<store::RecordStore>> FakeRecords::connect() {
  if (auto error = script_.next("connect")) return fail(*error);
  return std::unique_ptr<store::RecordStore>(std::make_unique<Connection>(*this));
}

FakeRecords::Row* FakeRecords::locked(const store::Record& record) {
  const auto it = rows_.find(record.id.value);
  if (it == rows_.end()) return nullptr;
  const auto& r = it->second.record;
  if (r.run != record.run || r.status != Status::in_progress) return nullptr;
  return &it->second;
}

RunId FakeRecords::next_run(Trigger trigger) {
  // The real run ID carries the claim instant in microseconds; a counter keeps these unique.
  return RunId{std::string(to_string(trigger)) + "__" + format_utc(now_) + "#" +
               std::to_string(++claims_)};
}

bool FakeRecords::insert(const store::NewRecord& n) {
  const bool known = std::any_of(rows_.begin(), rows_.end(), [&](const auto& entry) {
    const auto& r = entry.second.record;
    return r.pipeline == n.pipeline && r.window.start == n.window.start;
  });
  if (known) return false;  // ON CONFLICT (pipeline_id, window_start_time) DO NOTHING
  Row row;
  row.record.id = RecordId{next_id_++};
  row.record.pipeline = n.pipeline;
  row.record.window = n.window;
  row.record.target_day = date::format("%F", date::sys_days(n.target_day));
  row.record.time_interval = n.time_interval;
  row.record.trigger = n.trigger;
  row.record.business_fields = n.business_fields;
  rows_.emplace(row.record.id.value, std::move(row));
  return true;
}

Result<std::int64_t> FakeRecords::insert_pending(std::span<const store::NewRecord> records) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("insert_pending")) return fail(*error);
  std::int64_t created = 0;
  for (const auto& n : records) created += insert(n) ? 1 : 0;
  return created;
}

Result<std::optional<Instant>> FakeRecords::last_window_end(const PipelineId& pipeline) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("last_window_end")) return fail(*error);
  std::optional<Instant> last;
  for (const auto& [id, row] : rows_)
    if (row.record.pipeline == pipeline && !is_backfill(row.record))
      last = std::max(last.value_or(row.record.window.end), row.record.window.end);
  return last;
}

Result<std::vector<std::optional<Instant>>> FakeRecords::last_window_ends(
    std::span<const PipelineId> pipelines) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("last_window_ends")) return fail(*error);
  std::vector<std::optional<Instant>> ends;
  for (const auto& pipeline : pipelines) {
    std::optional<Instant> last;
    for (const auto& [id, row] : rows_)
      if (row.record.pipeline == pipeline && !is_backfill(row.record))
        last = std::max(last.value_or(row.record.window.end), row.record.window.end);
    ends.push_back(last);
  }
  return ends;
}

Result<std::vector<std::pair<PipelineId, std::int64_t>>> FakeRecords::insert_pending_each(
    std::span<const store::NewRecord> records) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("insert_pending_each")) return fail(*error);
  std::map<PipelineId, std::int64_t> made;
  for (const auto& n : records)
    if (insert(n)) ++made[n.pipeline];
  return std::vector<std::pair<PipelineId, std::int64_t>>(made.begin(), made.end());
}

Result<std::optional<store::Record>> FakeRecords::claim(const store::ClaimLimitSet& limits) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("claim")) return fail(*error);
  return std::optional(claim_one(limits.limits()));
}

std::optional<store::Record> FakeRecords::claim_one(std::span<const store::ClaimLimit> limits) {
  // Each pipeline's oldest claimable window, live and backfill apart; live first, then higher
  // priority, then the oldest window, as sluice_claim orders them. Inside a pool the order is
  // strict: a window without room for its slots holds back the windows after it.
  std::map<std::string, int> pool_use;
  for (const auto& [id, row] : rows_)
    if (row.record.status == Status::in_progress && !row.pool.empty())
      pool_use[row.pool] += row.pool_slots;
  std::vector<std::tuple<bool, int, Instant, Row*, const store::ClaimLimit*>> candidates;
  for (const auto& limit : limits) {
    for (const bool backfill : {false, true}) {
      Row* oldest = nullptr;
      int running = 0;
      for (auto& [id, row] : rows_) {
        const auto& r = row.record;
        if (r.pipeline != limit.pipeline || is_backfill(r) != backfill) continue;
        if (r.status == Status::in_progress) ++running;
        const bool due = !row.next_attempt_at || *row.next_attempt_at <= now_;
        if (r.status == Status::pending && due &&
            (!oldest || r.window.start < oldest->record.window.start))
          oldest = &row;
      }
      const int allowed = backfill ? limit.backfill : limit.live;
      if (oldest && running < allowed)
        candidates.emplace_back(backfill, -limit.priority, oldest->record.window.start, oldest,
                                &limit);
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  std::set<std::string> closed;
  Row* chosen = nullptr;
  const store::ClaimLimit* chosen_limit = nullptr;
  for (const auto& [backfill, priority, start, row, limit] : candidates) {
    if (!limit->pool.empty()) {
      if (closed.contains(limit->pool)) continue;
      if (pool_use[limit->pool] + limit->pool_slots > limit->pool_size) {
        closed.insert(limit->pool);
        continue;
      }
    }
    chosen = row;
    chosen_limit = limit;
    break;
  }
  if (!chosen) return std::nullopt;
  Row& row = *chosen;
  row.pool = chosen_limit->pool;
  row.pool_slots = chosen_limit->pool_slots;
  const auto t = store::find_transition(store::Move::claim, row.record.status);
  if (!t) throw std::logic_error("the transition table has no claim from PENDING");
  row.record.status = t->to;
  row.record.run = next_run(row.record.trigger);
  row.record.locked_by = holder_;
  row.heartbeat_at = now_;
  if (!row.pipeline_start_time) row.pipeline_start_time = now_;
  row.record.since_first_claim =
      std::chrono::duration_cast<std::chrono::seconds>(now_ - *row.pipeline_start_time);
  events_.push_back({row.record.id, row.record.run, "claim", t->from, t->to, "CLAIMED", ""});
  return row.record;
}

Result<std::vector<store::Record>> FakeRecords::claim_windows(const store::ClaimLimitSet& set,
                                                              int max) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("claim")) return fail(*error);
  std::vector<store::Record> claimed;
  const auto limits = set.limits();
  auto first = claim_one(limits);
  if (!first) return claimed;
  claimed.push_back(*first);
  const auto of = std::find_if(limits.begin(), limits.end(),
                               [&](const auto& l) { return l.pipeline == claimed[0].pipeline; });
  store::ClaimLimit only = *of;
  (is_backfill(claimed[0]) ? only.live : only.backfill) = 0;
  while (static_cast<int>(claimed.size()) < max) {
    auto next = claim_one(std::span(&only, 1));
    if (!next) break;
    claimed.push_back(*next);
  }
  return claimed;
}

Result<bool> FakeRecords::write_task(const store::Record& record, const store::TaskWrite& w) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("write_task")) return fail(*error);
  if (refuse_write_)
    if (auto error = refuse_write_(record, w)) return fail(*error);
  std::optional<store::Transition> t;
  if (w.move) {
    t = store::find_transition(*w.move, Status::in_progress);
    if (!t || !t->fenced)
      return fail(Error::permanent("writing a task outcome: move " +
                                   std::string(to_string(*w.move)) + " is not a holder's move"));
  }
  Row* row = locked(record);
  if (!row) return false;
  auto& r = row->record;
  if (w.phase_completed) r.phase = *w.phase_completed;
  if (w.source_count) r.source_count = w.source_count;
  if (w.target_count) r.target_count = w.target_count;
  if (w.stage_count) row->stage_count = w.stage_count;
  if (w.count_difference) row->count_difference = w.count_difference;
  if (w.percentage_difference) row->percentage_difference = w.percentage_difference;
  if (w.audit_result) row->audit_result = w.audit_result;
  row->heartbeat_at = now_;
  if (t) {
    r.status = t->to;
    if (t->counts_attempt) ++r.retry_attempt;
  }
  // As the real statement: a delay, else claimable from now when it goes back to PENDING.
  row->next_attempt_at.reset();
  if (w.retry_delay) {
    row->next_attempt_at = now_ + *w.retry_delay;
  } else if (t && t->to == Status::pending) {
    row->next_attempt_at = now_;
  }
  if (r.status == Status::success) {
    row->error_message.clear();
  } else if (!w.message.empty()) {
    row->error_message = w.message;
  }
  events_.push_back({r.id, record.run, std::string(to_string(w.task)), Status::in_progress,
                     r.status, std::string(to_string(w.outcome)), w.message});
  return true;
}

Result<bool> FakeRecords::heartbeat(const store::Record& record) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("heartbeat")) return fail(*error);
  Row* row = locked(record);
  if (!row) return false;
  row->heartbeat_at = now_;
  return true;
}

Result<store::CleanupReport> FakeRecords::expire_stale_locks(
    std::span<const store::StaleLimit> limits, const store::StaleLimit& fallback) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("expire_stale_locks")) return fail(*error);
  store::CleanupReport report;
  for (auto& [id, row] : rows_) {
    auto& r = row.record;
    if (r.status != Status::in_progress) continue;
    const auto limit = std::find_if(limits.begin(), limits.end(),
                                    [&](const auto& l) { return l.pipeline == r.pipeline; });
    const auto& applies = limit == limits.end() ? fallback : *limit;
    if (!row.heartbeat_at || *row.heartbeat_at >= now_ - applies.threshold) continue;
    const bool used_up = r.retry_attempt + 1 > applies.max_retries;
    const auto t =
        store::find_transition(used_up ? store::Move::expire_fail : store::Move::expire, r.status);
    if (!t) throw std::logic_error("the transition table cannot expire an IN_PROGRESS record");
    r.status = t->to;
    if (t->counts_attempt) ++r.retry_attempt;
    row.next_attempt_at.reset();
    if (r.status == Status::pending) row.next_attempt_at = now_;
    row.error_message =
        "lock of " + r.locked_by + " expired: no heartbeat since " + format_utc(*row.heartbeat_at);
    events_.push_back(
        {r.id, r.run, "stale_lock_cleanup", t->from, t->to, "EXPIRED", row.error_message});
    ++(used_up ? report.failed : report.returned_to_pending);
  }
  return report;
}

Result<std::vector<store::Record>> FakeRecords::own_unrenewed_locks(
    std::chrono::milliseconds older_than) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("own_unrenewed_locks")) return fail(*error);
  std::vector<const Row*> old;
  for (const auto& [id, row] : rows_)
    if (row.record.status == Status::in_progress && row.record.locked_by == holder_ &&
        row.heartbeat_at && *row.heartbeat_at < now_ - older_than)
      old.push_back(&row);
  std::stable_sort(old.begin(), old.end(),
                   [](const Row* a, const Row* b) { return *a->heartbeat_at < *b->heartbeat_at; });
  std::vector<store::Record> out;
  out.reserve(old.size());
  for (const auto* row : old) out.push_back(row->record);
  return out;
}

Result<std::optional<store::Record>> FakeRecords::find(RecordId id) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("find")) return fail(*error);
  const auto it = rows_.find(id.value);
  if (it == rows_.end()) return std::optional<store::Record>{};
  return std::optional(it->second.record);
}

Result<std::int64_t> FakeRecords::settle_backfill(const store::Record& record) {
  std::lock_guard lock(mutex_);
  if (auto error = script_.next("settle_backfill")) return fail(*error);
  settled_.push_back(record.id);
  return 0;
}

}  // namespace sluice::test
