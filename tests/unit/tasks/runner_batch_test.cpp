// A worker's batches on the fake store (tasks/window_batch.hpp): the claim grows while every
// window is empty and falls back to one after a window with data; empty windows' ends are
// written together, after the batch or before another window's own writes; a drain gives the
// windows not started back; a refused batch of ends is written one by one; the windows of a
// batch are held by the lease keeper from the claim on, so the orphan release leaves them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <utility>

#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tasks/window_batch.hpp"
#include "tests/support/fakes/fake_pipeline.hpp"
#include "tests/support/fakes/fake_records.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using store::Status;

namespace {

const Instant kNow = test::kFakeStart + std::chrono::hours(24 * 365);

// A fake store that remembers the size of each claim and of each batch of ends.
class Counting final : public store::RecordStore {
 public:
  explicit Counting(test::FakeRecords& db) : db_(db) {}
  Result<std::int64_t> insert_pending(std::span<const store::NewRecord> r) override {
    return db_.insert_pending(r);
  }
  Result<std::optional<Instant>> last_window_end(const PipelineId& p) override {
    return db_.last_window_end(p);
  }
  Result<std::optional<store::Record>> claim(const store::ClaimLimitSet& l) override {
    return db_.claim(l);
  }
  Result<std::vector<store::Record>> claim_windows(const store::ClaimLimitSet& l,
                                                   int max) override {
    // One claim under other limits: as if a reload had stored them while the claim walked.
    auto r = db_.claim_windows(claim_under ? *std::exchange(claim_under, nullptr) : l, max);
    if (r && !r->empty()) claims.push_back(static_cast<int>(r->size()));
    return r;
  }
  Result<bool> write_task(const store::Record& r, const store::TaskWrite& w) override {
    log.push_back(std::string(store::to_string(w.task)) + " " + std::to_string(r.id.value));
    return db_.write_task(r, w);
  }
  Result<std::vector<bool>> write_tasks(std::span<const store::Record> r,
                                        std::span<const store::TaskWrite> w) override {
    ends.push_back(static_cast<int>(r.size()));
    log.push_back("ends of " + std::to_string(r.size()));
    if (refuse_batches) return fail(Error::permanent("statement timeout"));
    std::vector<bool> written;  // on the fake store itself: not logged as writes one by one
    for (std::size_t i = 0; i < r.size(); ++i) {
      auto one = db_.write_task(r[i], w[i]);
      if (!one) return fail(one.error());
      written.push_back(*one);
    }
    return written;
  }
  Result<bool> heartbeat(const store::Record& r) override { return db_.heartbeat(r); }
  Result<store::CleanupReport> expire_stale_locks(std::span<const store::StaleLimit> l,
                                                  const store::StaleLimit& f) override {
    return db_.expire_stale_locks(l, f);
  }
  Result<std::vector<store::Record>> own_unrenewed_locks(
      std::chrono::milliseconds older_than) override {
    return db_.own_unrenewed_locks(older_than);
  }
  Result<std::optional<store::Record>> find(RecordId id) override { return db_.find(id); }
  Result<std::int64_t> settle_backfill(const store::Record& r) override {
    return db_.settle_backfill(r);
  }
  Result<std::int64_t> settle_backfills(std::span<const store::Record> r, bool progress) override {
    log.push_back("settle of " + std::to_string(r.size()));
    return store::RecordStore::settle_backfills(r, progress);  // settle_backfill of each
  }

  std::vector<int> claims, ends;
  std::vector<std::string> log;  // the writes made one by one, and each batch of ends
  bool refuse_batches = false;
  const store::ClaimLimitSet* claim_under = nullptr;

 private:
  test::FakeRecords& db_;
};

struct Worker {
  Worker() {
    p.runtime->max_active_windows = 8;
    p.runtime->max_active_backfill = 8;
  }
  // Window i, with `rows` in the source (0: an empty window, SKIPPED by pre-validation).
  RecordId add(int i, long rows, Trigger trigger = Trigger::scheduled) {
    p.source->set_rows(test::FakePipeline::window(i).start, rows);
    return records.add(p.runtime->id, test::FakePipeline::window(i), trigger);
  }
  tasks::WorkerEnd run() {
    const tasks::WorkerSource source{[this] { return tasks::claimable({p.runtime}); },
                                     [this] { return !draining.load(); }};
    return tasks::claim_and_run(store, leases, source);
  }

  test::FakeRecords records{kNow};
  Counting store{records};
  test::FakePipeline p = test::fake_pipeline();
  std::atomic<bool> draining{false};
  tasks::LeaseKeeper leases{[this] { return records.connect(); }, 10ms};
};

}  // namespace

TEST_CASE(
    "a claim asks for one window, twice as many after a batch of empty ones, up to the "
    "most, and one again after any other",
    "[tasks][runner][batch]") {
  tasks::BatchSize size;
  std::vector<int> asked;
  for (int i = 0; i < 7; ++i) {
    asked.push_back(size.next());
    size.after(true);
  }
  CHECK(asked == std::vector{1, 2, 4, 8, 16, 32, 32});
  size.after(false);
  CHECK(size.next() == 1);
}

TEST_CASE("empty windows are claimed in growing batches, their ends written together",
          "[tasks][runner][batch][threads]") {
  Worker w;
  for (int i = 0; i < 20; ++i) w.add(i, 0);
  const auto end = w.run();
  CHECK(end.summary.skipped == 20);
  CHECK_FALSE(end.store_error);
  // 1, 2, 4, then the limit of 8: 1 + 2 + 4 + 8 = 15, and the 5 left.
  CHECK(w.store.claims == std::vector{1, 2, 4, 8, 5});
  CHECK(w.store.ends == w.store.claims);
  for (const auto& row : w.records.rows()) {
    CHECK(row.record.status == Status::skipped);
    CHECK(w.records.tasks_of(row.record.run) ==
          std::vector<std::string>{"claim", "pre_validation"});
  }
  CHECK(w.leases.running() == 0);
}

TEST_CASE("a window with data writes the ends waiting before its own",
          "[tasks][runner][batch][threads]") {
  Worker w;
  const auto e0 = w.add(0, 0), e1 = w.add(1, 0), e2 = w.add(2, 0), e3 = w.add(3, 0);
  const auto full = w.add(4, 10);
  const auto e5 = w.add(5, 0), e6 = w.add(6, 0);
  const auto end = w.run();
  CHECK(end.summary.skipped == 6);
  CHECK(end.summary.success == 1);
  CHECK(end.summary.rows == 10);
  CHECK(w.store.claims == std::vector{1, 2, 4});  // the third: e3, full, e5, e6
  const auto id = [](RecordId r) { return std::to_string(r.value); };
  // e3's end is written before the loaded window's first write; e5 and e6's after the batch.
  CHECK(w.store.log ==
        std::vector<std::string>{"ends of 1", "ends of 2", "ends of 1",
                                 "pre_validation " + id(full), "source_to_stage " + id(full),
                                 "stage_to_target " + id(full), "audit " + id(full), "ends of 2"});
  for (const auto r : {e0, e1, e2, e3, e5, e6})
    CHECK(w.records.row(r).record.status == Status::skipped);
  CHECK(w.records.row(full).record.status == Status::success);
}

TEST_CASE("after a window with data the claim is of one window again",
          "[tasks][runner][batch][threads]") {
  Worker w;
  for (int i = 0; i < 3; ++i) w.add(i, 0);
  w.add(3, 10);
  for (int i = 4; i < 8; ++i) w.add(i, 0);
  w.run();
  // 1, 2, then 4 (hour 3 has data, and hours 4 to 6 are in the same batch), then 1, 2.
  CHECK(w.store.claims == std::vector{1, 2, 4, 1});
}

TEST_CASE("a drain gives back the windows of the batch not started yet",
          "[tasks][runner][batch][drain][threads]") {
  Worker w;
  w.add(0, 0);
  w.add(1, 0);
  w.add(2, 0);
  const auto loading = w.add(3, 10);
  const auto after = w.add(4, 0), last = w.add(5, 0);
  w.p.source->on_extract([&] { w.draining = true; });  // SIGTERM while hour 3 loads
  const auto end = w.run();
  CHECK(end.summary.skipped == 3);
  CHECK(end.summary.success == 1);
  CHECK(w.records.row(loading).record.status == Status::success);
  for (const auto r : {after, last}) {
    const auto row = w.records.row(r);
    CHECK(row.record.status == Status::pending);
    CHECK(row.record.retry_attempt == 0);
    CHECK(w.records.tasks_of(row.record.run) ==
          std::vector<std::string>{"claim", "store_validate"});
  }
  CHECK(w.leases.running() == 0);
}

TEST_CASE("a batch of ends the store refuses is written one window at a time",
          "[tasks][runner][batch][threads]") {
  Worker w;
  for (int i = 0; i < 3; ++i) w.add(i, 0);
  w.store.refuse_batches = true;
  const auto end = w.run();
  CHECK(end.summary.skipped == 3);
  CHECK_FALSE(end.store_error);
  for (const auto& row : w.records.rows()) CHECK(row.record.status == Status::skipped);
}

TEST_CASE(
    "every window of a batch is the lease keeper's from the claim on, so the orphan release "
    "never frees one waiting its turn",
    "[tasks][runner][batch][orphans][threads]") {
  Worker w;
  for (int i = 0; i < 3; ++i) w.add(i, 0);  // claims of 1 and 2: the next one asks for 4
  const auto loading = w.add(3, 10);
  const auto waiting = {w.add(4, 0), w.add(5, 0), w.add(6, 0)};
  std::vector<bool> accounted;
  Result<std::int64_t> released = 0;
  w.p.source->on_extract([&] {
    // Hour 3 loads while 4 to 6 wait, claimed; their leases look a day old to the store.
    w.records.advance(std::chrono::hours(24));
    for (const auto r : waiting)
      accounted.push_back(w.leases.accounts_for(w.records.row(r).record));
    released = tasks::release_orphans(w.store, w.leases);
  });
  const auto end = w.run();
  CHECK(w.store.claims == std::vector{1, 2, 4});
  CHECK(accounted == std::vector<bool>(3, true));
  REQUIRE(released);
  CHECK(*released == 0);
  CHECK(end.summary.skipped == 6);
  CHECK(end.summary.success == 1);
  CHECK(w.records.row(loading).record.status == Status::success);
  for (const auto r : waiting) {
    CHECK(w.records.row(r).record.status == Status::skipped);
    CHECK(w.records.tasks_of(w.records.row(r).record.run) ==
          std::vector<std::string>{"claim", "pre_validation"});
  }
}

TEST_CASE("the windows of a claim are counted together: one call to each side per claim",
          "[tasks][runner][batch][threads]") {
  Worker w;
  w.p.target->answer_windows_together();
  w.p.source->answer_windows_together();
  for (int i = 0; i < 20; ++i) w.add(i, 0);
  const auto end = w.run();
  CHECK(end.summary.skipped == 20);
  CHECK(w.store.claims == std::vector{1, 2, 4, 8, 5});
  // The claim of one window counts it alone; every other claim asks each side once.
  CHECK(w.p.target->script().calls("count_each") == 4);
  CHECK(w.p.source->script().calls("has_rows_each") == 4);
  CHECK(w.p.target->script().calls("count") == 1);
  CHECK(w.p.source->script().calls("count") == 1);
  for (const auto& row : w.records.rows()) CHECK(row.record.status == Status::skipped);
  for (const auto& e : w.records.events())
    if (e.task == "pre_validation")
      CHECK(e.message == "source and target both hold 0 rows: already loaded");
}

TEST_CASE(
    "counts taken with a window that loads are taken again after it: rows that came while it "
    "loaded are loaded",
    "[tasks][runner][batch][threads]") {
  Worker w;
  w.p.target->answer_windows_together();
  w.p.source->answer_windows_together();
  for (int i = 0; i < 3; ++i) w.add(i, 0);  // claims of 1 and 2: the next one asks for 4
  const auto full = w.add(3, 10);
  const auto late = w.add(4, 0), last = w.add(5, 0);
  // Hour 4's rows land while hour 3 loads, after its claim counted hour 4 empty.
  w.p.source->on_extract([&] { w.p.source->set_rows(test::FakePipeline::window(4).start, 7); });
  const auto end = w.run();
  CHECK(w.store.claims == std::vector{1, 2, 3});
  CHECK(w.records.row(full).record.status == Status::success);
  CHECK(w.records.row(late).record.status == Status::success);
  CHECK(w.records.row(last).record.status == Status::skipped);
  CHECK(end.summary.rows == 17);
  CHECK(w.p.target->rows(w.p.runtime->id, test::FakePipeline::window(4).start) == 7);
  // Hours 1-2; 3-5; 4-5 after hour 3 loaded; then hour 5 alone after hour 4 loaded.
  CHECK(w.p.target->script().calls("count_each") == 3);
}

TEST_CASE("a window whose target holds rows counts its source alone, its target counted ahead",
          "[tasks][runner][batch][threads]") {
  Worker w;
  w.p.target->answer_windows_together();
  w.p.source->answer_windows_together();
  for (int i = 0; i < 7; ++i)
    if (i != 5) w.add(i, 0);
  const auto loaded = w.add(5, 4);
  w.p.target->set_rows(w.p.runtime->id, test::FakePipeline::window(5).start, 4);  // loaded before
  const auto end = w.run();
  CHECK(end.summary.skipped == 7);
  CHECK(w.store.claims == std::vector{1, 2, 4});
  CHECK(w.p.target->script().calls("count") == 1);  // the first claim's window alone
  CHECK(w.p.source->script().calls("count") == 2);  // that one, and hour 5's count
  int checked = 0;
  for (const auto& e : w.records.events())
    if (e.record == loaded && e.task == "pre_validation") {
      CHECK(e.message == "source and target both hold 4 rows: already loaded");
      ++checked;
    }
  CHECK(checked == 1);
}

TEST_CASE("a failure to count windows together leaves each window of the claim to count its own",
          "[tasks][runner][batch][threads]") {
  Worker w;
  w.p.target->answer_windows_together();
  w.p.source->answer_windows_together();
  for (int i = 0; i < 7; ++i) w.add(i, 0);
  SECTION("the target's count") {
    w.p.target->script().fail("count_each", 1, Error::retryable("connection reset"));
  }
  SECTION("the source's answer") {
    w.p.source->script().fail("has_rows_each", 1, Error::permanent("permission denied"));
  }
  const auto end = w.run();
  CHECK(end.summary.skipped == 7);
  CHECK(end.summary.retries + end.summary.failed == 0);
  CHECK(w.store.claims == std::vector{1, 2, 4});
  // The first claim's window, then both of the second claim's alone; the third together.
  CHECK(w.p.target->script().calls("count") == 3);
  CHECK(w.p.source->script().calls("count") == 3);
  CHECK(w.p.target->script().calls("count_each") == 2);
}

TEST_CASE(
    "a worker walking a backfill settles its request after its last claim of it, each window "
    "once",
    "[tasks][runner][batch][backfill][threads]") {
  Worker w;
  std::vector<RecordId> backfill;
  for (int i = 0; i < 20; ++i) backfill.push_back(w.add(i, 0, Trigger::backfill));
  const auto end = w.run();
  CHECK(end.summary.skipped == 20);
  CHECK(w.store.claims == std::vector{1, 2, 4, 8, 5});
  CHECK(w.store.log.back().starts_with("settle of "));  // after the claim that found none
  auto settled = w.records.settled();
  std::sort(settled.begin(), settled.end());
  CHECK(settled == backfill);
}

TEST_CASE(
    "a window of a pipeline the worker lacks, claimed under another set of limits, is given "
    "back without an attempt",
    "[tasks][runner][batch][threads]") {
  Worker w;
  const test::FakePipeline added = test::fake_pipeline("added");
  const auto stray =
      w.records.add(added.runtime->id, test::FakePipeline::window(0), Trigger::scheduled);
  const auto own = w.add(1, 0);
  const auto reloaded = tasks::claim_limits({w.p.runtime, added.runtime});
  w.store.claim_under = &reloaded;
  const auto end = w.run();
  CHECK_FALSE(end.store_error);
  CHECK(end.summary.skipped == 1);
  const auto row = w.records.row(stray);
  CHECK(row.record.status == Status::pending);
  CHECK(row.record.retry_attempt == 0);
  CHECK(w.records.tasks_of(row.record.run) == std::vector<std::string>{"claim", "store_validate"});
  CHECK(w.records.row(own).record.status == Status::skipped);
  CHECK(w.leases.running() == 0);
}
