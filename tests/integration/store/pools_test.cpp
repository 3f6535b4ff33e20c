// Shared pools in the claim (sql/migrations/0014_pools.sql) on a real PostgreSQL: a pool's
// size bounds the slots its running windows hold, whatever pipeline, trigger or claimer they
// belong to; windows of several slots; priorities ordering the claims; freed slots; claimers
// racing for the last slot without a deadlock; the use read back for status and metrics.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "framework/store/pools.hpp"
#include "framework/store/records.hpp"
#include "tests/support/claim_fixture.hpp"

using namespace sluice;

namespace {

// The pipeline and window start of what `records` claims now, or "" when nothing.
std::string claim(store::Records& records, const std::vector<store::ClaimLimit>& limits) {
  auto r = records.claim(limits);
  REQUIRE(r);
  if (!*r) return "";
  return (*r)->pipeline.value + " " + format_utc((*r)->window.start);
}

void finish(store::Connection& c, const std::string& claimed, const std::string& status) {
  const auto space = claimed.find(' ');
  test::run_sql(c, fmt::format("UPDATE pipeline_records SET pipeline_status = '{}' WHERE "
                               "pipeline_id = '{}' AND window_start_time = '{}'",
                               status, claimed.substr(0, space), claimed.substr(space + 1)));
}

}  // namespace

TEST_CASE_METHOD(test::ClaimFixture,
                 "a pool's size bounds its running windows over every pipeline and claimer",
                 "[integration][store][pools]") {
  auto other = db.connect();
  for (const char* p : {"a", "b", "c", "free"}) hours_of(*c, p, "2024-01-01T00:00Z", 3);
  store::Records host_a(*c, "host-a:1"), host_b(*other, "host-b:1");
  const std::vector<store::ClaimLimit> limits{in_pool("a", "wh", 2), in_pool("b", "wh", 2),
                                              in_pool("c", "wh", 2)};
  const auto first = claim(host_a, limits);
  const auto second = claim(host_b, limits);
  CHECK(first == "a 2024-01-01T00:00:00Z");
  CHECK(second == "b 2024-01-01T00:00:00Z");
  CHECK(claim(host_a, limits).empty());
  CHECK(claim(host_b, limits).empty());
  CHECK(slots_in_use(*c, "wh") == 2);
  // The claim writes the pool and slots it took; the claim event is there as before.
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pool = 'wh' AND "
                    "pool_slots = 1 AND pipeline_status = 'IN_PROGRESS'") == 2);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_events WHERE task = 'claim'") == 2);

  // A pipeline in no pool is not held back by a full one.
  auto free = claim(host_a, {in_pool("a", "wh", 2), {.pipeline = PipelineId{"free"}, .live = 10}});
  CHECK(free == "free 2024-01-01T00:00:00Z");
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'free' AND "
                    "pipeline_status = 'IN_PROGRESS' AND pool IS NULL AND pool_slots IS "
                    "NULL") == 1);

  // Every way out of IN_PROGRESS frees the slot: success, failure, a return to PENDING.
  finish(*c, first, "SUCCESS");
  CHECK(claim(host_b, limits) == "c 2024-01-01T00:00:00Z");
  CHECK(claim(host_a, limits).empty());
  finish(*c, second, "FAILED");
  CHECK(claim(host_a, limits) == "a 2024-01-01T01:00:00Z");
  CHECK(claim(host_b, limits).empty());
  finish(*c, "c 2024-01-01T00:00:00Z", "PENDING");
  CHECK(claim(host_b, limits) == "c 2024-01-01T00:00:00Z");  // back to PENDING: the oldest
  CHECK(slots_in_use(*c, "wh") == 2);
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "a window takes its pool_slots, and one that does not fit holds back those after it",
    "[integration][store][pools]") {
  hours_of(*c, "heavy", "2024-01-01T00:00Z", 2);
  hours_of(*c, "light", "2024-01-01T02:00Z", 2);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{in_pool("heavy", "dw", 4, 3),
                                              in_pool("light", "dw", 4, 1)};
  const auto heavy = claim(records, limits);
  CHECK(heavy == "heavy 2024-01-01T00:00:00Z");
  CHECK(slots_in_use(*c, "dw") == 3);
  CHECK(test::count(*c,
                    "SELECT pool_slots FROM pipeline_records WHERE pipeline_id = 'heavy' "
                    "AND pipeline_status = 'IN_PROGRESS'") == 3);
  // One slot is free, but the next window in claim order (heavy's, older) needs three: the
  // light window after it waits too, so the heavy pipeline is never starved by light ones.
  CHECK(claim(records, limits).empty());
  finish(*c, heavy, "SUCCESS");
  CHECK(claim(records, limits) == "heavy 2024-01-01T01:00:00Z");
  const auto light = claim(records, limits);
  CHECK(light == "light 2024-01-01T02:00:00Z");
  CHECK(slots_in_use(*c, "dw") == 4);
  CHECK(claim(records, limits).empty());
  finish(*c, light, "SUCCESS");
  CHECK(claim(records, limits) == "light 2024-01-01T03:00:00Z");
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "a higher priority of few slots goes before an older window of many",
                 "[integration][store][pools]") {
  hours_of(*c, "heavy", "2024-01-01T00:00Z", 2);
  hours_of(*c, "light", "2024-01-01T05:00Z", 3);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{in_pool("heavy", "dw", 4, 4, 0),
                                              in_pool("light", "dw", 4, 1, 1)};
  CHECK(claim(records, limits) == "light 2024-01-01T05:00:00Z");
  CHECK(claim(records, limits) == "light 2024-01-01T06:00:00Z");
  CHECK(claim(records, limits) == "light 2024-01-01T07:00:00Z");
  CHECK(claim(records, limits).empty());  // heavy needs the whole pool
  for (const char* w : {"05", "06", "07"})
    finish(*c, std::string("light 2024-01-01T") + w + ":00:00Z", "SUCCESS");
  CHECK(claim(records, limits) == "heavy 2024-01-01T00:00:00Z");
  CHECK(slots_in_use(*c, "dw") == 4);
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "priority orders the claims inside a pool: higher first, then the oldest window",
                 "[integration][store][pools]") {
  hours_of(*c, "low", "2024-01-01T00:00Z", 2);
  hours_of(*c, "high", "2024-01-01T05:00Z", 2);
  hours_of(*c, "mid_old", "2024-01-01T02:00Z", 1);
  hours_of(*c, "mid_new", "2024-01-01T03:00Z", 1);
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{
      in_pool("low", "one", 1, 1, 0), in_pool("mid_new", "one", 1, 1, 5),
      in_pool("high", "one", 1, 1, 9), in_pool("mid_old", "one", 1, 1, 5)};
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    const auto got = claim(records, limits);
    REQUIRE_FALSE(got.empty());
    CHECK(claim(records, limits).empty());  // the pool of one is full meanwhile
    order.push_back(got);
    finish(*c, got, "SUCCESS");
  }
  CHECK(order == std::vector<std::string>{"high 2024-01-01T05:00:00Z", "high 2024-01-01T06:00:00Z",
                                          "mid_old 2024-01-01T02:00:00Z",
                                          "mid_new 2024-01-01T03:00:00Z",
                                          "low 2024-01-01T00:00:00Z", "low 2024-01-01T01:00:00Z"});
  CHECK(claim(records, limits).empty());
}

TEST_CASE_METHOD(test::ClaimFixture, "backfill windows take pool slots too, after the live ones",
                 "[integration][store][pools]") {
  hours_of(*c, "orders", "2023-06-01T00:00Z", 3, "backfill");
  hours_of(*c, "orders", "2024-01-01T00:00Z", 1);
  hours_of(*c, "refunds", "2023-06-01T00:00Z", 2, "backfill");
  store::Records records(*c, "host:1");
  const std::vector<store::ClaimLimit> limits{in_pool("orders", "wh", 3, 1, 0),
                                              in_pool("refunds", "wh", 3, 1, 0)};
  // Live before backfill, as without pools; then the backfill windows, oldest first.
  CHECK(claim(records, limits) == "orders 2024-01-01T00:00:00Z");
  CHECK(claim(records, limits) == "orders 2023-06-01T00:00:00Z");
  CHECK(claim(records, limits) == "refunds 2023-06-01T00:00:00Z");
  CHECK(claim(records, limits).empty());
  CHECK(slots_in_use(*c, "wh") == 3);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pool = 'wh' AND "
                    "pipeline_status = 'IN_PROGRESS' AND trigger = 'backfill'") == 2);
  finish(*c, "refunds 2023-06-01T00:00:00Z", "SUCCESS");
  CHECK(claim(records, limits) == "orders 2023-06-01T01:00:00Z");
}

TEST_CASE_METHOD(
    test::ClaimFixture,
    "slots held under another claimer's view of the pool count, whatever the sizes say",
    "[integration][store][pools]") {
  hours_of(*c, "a", "2024-01-01T00:00Z", 4);
  store::Records big(*c, "big:1");
  // A daemon whose file gives the pool 3 slots ran two windows of 1 and 2 slots...
  CHECK(claim(big, {in_pool("a", "wh", 3, 1)}) == "a 2024-01-01T00:00:00Z");
  CHECK(claim(big, {in_pool("a", "wh", 3, 2)}) == "a 2024-01-01T01:00:00Z");
  // ...so one whose file says 2 claims nothing, and the first one nothing more either.
  store::Records small(*c, "small:1");
  CHECK(claim(small, {in_pool("a", "wh", 2, 1)}).empty());
  CHECK(claim(big, {in_pool("a", "wh", 3, 1)}).empty());
  // Pools are told apart by name: another pool of the same pipeline set is empty.
  CHECK(claim(small, {in_pool("a", "other", 1, 1)}) == "a 2024-01-01T02:00:00Z");
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "paused pipelines, limits and upstream frontiers still hold inside a pool",
                 "[integration][store][pools]") {
  hours_of(*c, "paused", "2024-01-01T00:00Z", 2);
  hours_of(*c, "limited", "2024-01-01T01:00Z", 3);
  test::run_sql(*c,
                "INSERT INTO pipelines (pipeline_id, paused, paused_by, paused_at) VALUES "
                "('paused', true, 'me', now())");
  store::Records records(*c, "host:1");
  auto limited = in_pool("limited", "wh", 5);
  limited.live = 1;
  const std::vector<store::ClaimLimit> limits{in_pool("paused", "wh", 5), limited};
  CHECK(claim(records, limits) == "limited 2024-01-01T01:00:00Z");
  CHECK(claim(records, limits).empty());  // room in the pool, none in max_active_windows
  CHECK(slots_in_use(*c, "wh") == 1);
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "claimers racing for a pool's last slots never exceed it and never deadlock",
                 "[integration][store][pools]") {
  // Six pipelines in two pools that cross: every claimer sees both, in its own order.
  for (int i = 0; i < 6; ++i)
    hours_of(*c, fmt::format("p{}", i), "2024-01-01T00:00Z", 40, i % 2 ? "backfill" : "scheduled");
  constexpr int kClaimers = 8;
  std::atomic<int> errors{0}, claims{0}, over{0};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    auto w = db.connect();
    while (!done) {
      if (slots_in_use(*w, "x") > 3 || slots_in_use(*w, "y") > 2) ++over;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<std::thread> claimers;
  for (int t = 0; t < kClaimers; ++t) {
    claimers.emplace_back([&, t] {
      auto conn = db.connect();
      auto finisher = db.connect();
      store::Records records(*conn, fmt::format("claimer:{}", t));
      std::vector<store::ClaimLimit> limits;
      for (int i = 0; i < 6; ++i) {
        const int p = (i + t) % 6;
        limits.push_back(in_pool(fmt::format("p{}", p), p < 3 ? "x" : "y", p < 3 ? 3 : 2,
                                 p == 0 ? 2 : 1, p % 3));
      }
      for (int n = 0; n < 30; ++n) {
        auto r = records.claim(limits);
        if (!r) {
          UNSCOPED_INFO(r.error().message);
          ++errors;
          continue;
        }
        if (!*r) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        ++claims;
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        test::run_sql(*finisher, fmt::format("UPDATE pipeline_records SET pipeline_status = "
                                             "'SUCCESS' WHERE id = {}",
                                             (*r)->id.value));
      }
    });
  }
  for (auto& t : claimers) t.join();
  done = true;
  watcher.join();
  CHECK(errors == 0);
  CHECK(over == 0);
  CHECK(claims > 20);
  // Nothing is left running, and the claims were all recorded once each.
  CHECK(test::count(*c,
                    "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                    "'IN_PROGRESS'") == 0);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_events WHERE task = 'claim'") == claims);
}

TEST_CASE_METHOD(test::ClaimFixture,
                 "the pools' use reads back: slots, running and waiting windows, and a freed slot "
                 "wakes the daemons",
                 "[integration][store][pools]") {
  auto listener = db.connect();
  hours_of(*c, "a", "2024-01-01T00:00Z", 4);
  hours_of(*c, "b", "2024-01-01T00:00Z", 2);
  hours_of(*c, "stopped", "2024-01-01T00:00Z", 5);
  test::run_sql(*c,
                "INSERT INTO pipelines (pipeline_id, paused, paused_by, paused_at) VALUES "
                "('stopped', true, 'me', now())");
  // One of b's windows waits for its retry's delay: not waiting for the pool yet.
  test::run_sql(*c,
                "UPDATE pipeline_records SET next_attempt_at = now() + interval '1 hour' "
                "WHERE pipeline_id = 'b' AND window_start_time = '2024-01-01T01:00Z'");
  store::Records records(*c, "host:1");
  const auto claimed = claim(records, {in_pool("a", "wh", 5, 2), in_pool("b", "wh", 5, 1)});
  REQUIRE(claimed == "a 2024-01-01T00:00:00Z");
  const std::vector<std::string> pools{"wh", "idle"};
  const std::vector<store::PoolMember> members{{"a", "wh"}, {"b", "wh"}, {"stopped", "wh"}};
  auto use = store::pool_use(*c, pools, members);
  REQUIRE(use);
  REQUIRE(use->size() == 2);
  CHECK((*use)[0].pool == "wh");
  CHECK((*use)[0].slots_used == 2);
  CHECK((*use)[0].running == 1);
  CHECK((*use)[0].waiting == 4);  // a's three and b's first
  CHECK((*use)[1].pool == "idle");
  CHECK((*use)[1].slots_used == 0);
  CHECK((*use)[1].waiting == 0);

  struct Heard : pqxx::notification_receiver {
    using pqxx::notification_receiver::notification_receiver;
    std::vector<std::string> payloads;
    void operator()(const std::string& payload, int) override { payloads.push_back(payload); }
  } heard(*listener, "sluice_records");
  finish(*c, claimed, "SUCCESS");
  for (int i = 0; i < 20 && heard.payloads.empty(); ++i) listener->await_notification(0, 100'000);
  CHECK(heard.payloads == std::vector<std::string>{"a"});
}
