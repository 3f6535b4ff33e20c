// Batched generation (tasks/generation.cpp, store::Records::last_window_ends and
// insert_pending_each) on PostgreSQL: the same records as generate_due one pipeline at a time
// for pipelines of several granularities, zones and catchup settings; a pipeline whose insert
// the database refuses is named alone while the others are generated; two daemons generating
// the same ticks at once make one record per window, with no deadlock between their inserts.
#include <catch2/catch.hpp>

#include <thread>

#include "framework/store/records.hpp"
#include "tasks/runner.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

const Instant kStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};

std::shared_ptr<tasks::PipelineRuntime> pipeline(const std::string& id, const char* granularity,
                                                 const char* zone) {
  auto p = std::make_shared<tasks::PipelineRuntime>();
  p->id = PipelineId{id};
  p->source_name = "src";
  p->target_name = "dst";
  p->windows.granularity = *time::Granularity::parse(granularity);
  p->windows.zone = *time::locate_zone(zone);
  p->windows.start = kStart;
  p->windows.catchup = true;
  return p;
}

// Several granularities, zones (Kolkata's half hour), a stability lag, catchup off, an end, a
// start still to come, business fields.
tasks::Runtimes mix() {
  auto hourly = pipeline("hourly", "1h", "UTC");
  auto latest = pipeline("latest_only", "1h", "Europe/Berlin");
  latest->windows.catchup = false;
  auto lagged = pipeline("lagged", "2h", "America/New_York");
  lagged->windows.x_time_back = *time::parse_duration("90m");
  auto daily = pipeline("daily", "1d", "Europe/Paris");
  daily->business_fields.emplace("day", *time::FieldTemplate::parse("{pipeline}/{target_day}"));
  auto quarter = pipeline("quarter", "15m", "Asia/Kolkata");
  quarter->windows.end = kStart + 30h;
  auto later = pipeline("later", "1h", "UTC");
  later->windows.start = kStart + std::chrono::hours(24 * 365);
  return {hourly, latest, lagged, daily, quarter, later};
}

// Counts the inserts of one pipeline alone: a batch the server refused (a deadlock between
// two daemons' inserts would be one) is redone that way.
class CountedRecords final : public store::Records {
 public:
  using Records::Records;
  int alone = 0;
  Result<std::int64_t> insert_pending(std::span<const store::NewRecord> records) override {
    ++alone;
    return Records::insert_pending(records);
  }
};

// Every record as text, in one order: what two databases are compared by.
std::vector<std::string> records_of(store::Connection& c) {
  std::vector<std::string> out;
  for (const auto& row : test::run_sql(
           c,
           "SELECT concat_ws(' ', pipeline_id, window_start_time, window_end_time, target_day, "
           "time_interval, trigger, source_name, target_name, business_fields::text, "
           "pipeline_status) FROM pipeline_records ORDER BY pipeline_id, window_start_time"))
    out.push_back(row[0].as<std::string>());
  return out;
}

}  // namespace

TEST_CASE("batched generation makes the records generate_due makes one pipeline at a time",
          "[integration][generation]") {
  test::MigratedDatabase batched_db, alone_db;
  const auto& batched_c = batched_db.c;
  const auto& alone_c = alone_db.c;
  // The same history in both: hourly has made three windows, and a backfill ahead of them.
  for (auto* c : {batched_c.get(), alone_c.get()})
    test::run_sql(*c,
                  "INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
                  "window_end_time, time_interval, trigger) SELECT 'hourly', '2024-01-01', "
                  "'2024-01-01'::timestamptz + n * interval '1 hour', "
                  "'2024-01-01'::timestamptz + (n + 1) * interval '1 hour', '1h', "
                  "CASE WHEN n = 20 THEN 'backfill' ELSE 'scheduled' END "
                  "FROM unnest(ARRAY[0, 1, 2, 20]) n");
  store::Records batched(*batched_c, "test:1"), alone(*alone_c, "test:2");
  const auto pipelines = mix();
  // Ticks a day and a half in, then two days later, then a year later.
  for (const auto at : {kStart + 36h + 10min, kStart + 84h + 10min, kStart + 24h * 366}) {
    const auto report = tasks::generate_all(batched, pipelines, at, {.batch = 7});
    CHECK(report.failed.empty());
    CHECK_FALSE(report.lost);
    std::int64_t created = 0;
    for (const auto& p : pipelines) created += tasks::generate_due(alone, *p, at, 7).value();
    CHECK(report.created == created);
  }
  const auto made = records_of(*batched_c);
  CHECK(made == records_of(*alone_c));
  CHECK(made.size() > 9000);
  // The newest windows as the batched read finds them, in the order asked, unknown ones empty.
  const std::vector<PipelineId> ids{{"daily"}, {"nobody"}, {"hourly"}};
  const auto ends = batched.last_window_ends(ids);
  REQUIRE(ends);
  REQUIRE(ends->size() == 3);
  CHECK((*ends)[0] == batched.last_window_end(ids[0]).value());
  CHECK_FALSE((*ends)[1]);
  CHECK((*ends)[2] == kStart + 24h * 366);
}

TEST_CASE("a pipeline whose insert the database refuses is named alone, the others are made",
          "[integration][generation]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  // A rule of the operator's own, refusing one pipeline's rows.
  test::run_sql(*c,
                "CREATE FUNCTION refuse_broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.pipeline_id = 'broken' THEN RAISE EXCEPTION 'broken is refused here'; "
                "END IF; RETURN NEW; END $$; CREATE TRIGGER refuse_broken BEFORE INSERT ON "
                "pipeline_records FOR EACH ROW EXECUTE FUNCTION refuse_broken()");
  tasks::Runtimes pipelines;
  for (const char* id : {"first", "broken", "last"}) {
    auto p = pipeline(id, "1h", "UTC");
    p->windows.end = kStart + 5h;
    pipelines.push_back(p);
  }
  store::Records records(*c, "test:1");
  const auto report = tasks::generate_all(records, pipelines, kStart + 24h, {.batch = 1000});
  CHECK(report.created == 10);
  REQUIRE(report.failed.size() == 1);
  CHECK(report.failed[0].first == PipelineId{"broken"});
  CHECK_THAT(report.failed[0].second.message, Catch::Contains("broken is refused here"));
  CHECK_FALSE(report.lost);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'first'") == 5);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'broken'") == 0);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'last'") == 5);
}

TEST_CASE("two daemons generating the same ticks at once make one record per window",
          "[integration][generation][threads]") {
  test::TestDatabase db;
  db.migrate();
  tasks::Runtimes pipelines;
  for (int i = 0; i < 300; ++i)
    pipelines.push_back(pipeline("p" + std::to_string(i), i % 2 ? "1h" : "30m", "UTC"));
  constexpr int kTicks = 6;
  std::vector<tasks::GenerateReport> reports[2];
  int alone[2] = {0, 0};
  {
    std::vector<std::thread> daemons;
    for (int d = 0; d < 2; ++d)
      daemons.emplace_back([&, d] {
        auto c = db.connect();
        CountedRecords records(*c, "host" + std::to_string(d) + ":1");
        // Each tick an hour on: one or two windows per pipeline, 64 per statement, in the
        // same order on both daemons (as the same config gives).
        for (int tick = 1; tick <= kTicks; ++tick)
          reports[d].push_back(tasks::generate_all(
              records, pipelines, kStart + std::chrono::hours(tick), {.batch = 64}));
        alone[d] = records.alone;
      });
    for (auto& t : daemons) t.join();
  }
  std::int64_t created = 0;
  for (const auto& list : reports)
    for (const auto& r : list) {
      CHECK(r.failed.empty());
      CHECK_FALSE(r.lost);
      created += r.created;
    }
  CHECK(alone[0] == 0);
  CHECK(alone[1] == 0);
  auto c = db.connect();
  const std::int64_t windows = 150 * kTicks + 150 * 2 * kTicks;
  CHECK(created == windows);
  CHECK(test::count(*c, "SELECT count(*) FROM pipeline_records") == windows);
  CHECK(test::count(*c,
                    "SELECT count(*) FROM (SELECT DISTINCT pipeline_id, window_start_time "
                    "FROM pipeline_records) d") == windows);
}
