// A SQL pipeline's runner on each real server (PostgreSQL, MariaDB, ClickHouse), the same
// cases on each: a window loads exactly its rows and a rerun changes nothing, the window is
// bound into the statements (and a `:window_start` inside a string left alone), rows
// inserted outside the window are refused with nothing kept, and the deadline ends a slow
// insert with the window as it was.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

#include <date/date.h>

#include "framework/adapters/sql_runner.hpp"
#include "tests/integration/adapters/sql_servers.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

const Instant kStart = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);

adapters::WindowContext window_ctx(Deadline* deadline = nullptr) {
  return {PipelineId{"sql"}, Window{kStart, kStart + 1h}, RunId{"manual__sql"}, nullptr, deadline};
}

// src: four rows in the window (one of them noted ':window_start'), one on each side of it.
// dst: a stale row in the window, which the load replaces, and one after it, which stays.
void seed(test::SqlServer& s) {
  s.exec("CREATE TABLE src (id " + s.integer() + ", ts " + s.timestamp() + ", note " + s.text() +
         ")" + s.table_suffix());
  s.exec("CREATE TABLE dst (id " + s.integer() + ", ts " + s.timestamp() + ", note " + s.text() +
         ")" + s.table_suffix());
  const auto row = [&](int id, const char* ts, const char* note) {
    return "(" + std::to_string(id) + ", " + s.ts(ts) + ", '" + note + "')";
  };
  s.exec("INSERT INTO src VALUES " + row(1, "2024-03-10 08:00:00", "at the start") + ", " +
         row(2, "2024-03-10 08:59:59", "last second") + ", " +
         row(3, "2024-03-10 09:00:00", "at the end: next window") + ", " +
         row(4, "2024-03-10 07:59:59", "before") + ", " + row(5, "2024-03-10 08:30:00", "") + ", " +
         row(6, "2024-03-10 08:31:00", ":window_start"));
  s.exec("INSERT INTO dst VALUES " + row(99, "2024-03-10 08:10:00", "stale") + ", " +
         row(100, "2024-03-10 10:00:00", "next window"));
}

const std::string kInsert =
    "INSERT INTO dst SELECT id, ts, note FROM src WHERE ts >= :window_start AND ts < :window_end";

void window_loads_exactly(test::SqlServer& s) {
  seed(s);
  auto runner = s.runner("dst", "ts");
  for (int run = 0; run < 2; ++run) {
    auto rows = runner->run_window(window_ctx(), {kInsert, std::nullopt, std::nullopt});
    INFO(s.name() << " run " << run);
    REQUIRE(rows);
    CHECK(*rows == 4);
    CHECK(s.count("SELECT count(*) FROM dst") == 5);
    CHECK(s.count("SELECT count(*) FROM dst WHERE id IN (1, 2, 5, 6, 100)") == 5);
  }
  auto held = runner->count_window(window_ctx());
  REQUIRE(held);
  CHECK(*held == 4);
}

void binds_the_window(test::SqlServer& s) {
  seed(s);
  auto runner = s.runner("dst", "ts");
  // Bound as text, ':window_start' would make the note comparison false for every row.
  auto n = runner->count(window_ctx(),
                         "SELECT count(*) FROM src WHERE ts >= :window_start AND ts < :window_end "
                         "AND note <> ':window_start' -- :window_end\n");
  REQUIRE(n);
  CHECK(*n == 3);
  // :target_day is the window's local date (UTC here), a date on each server.
  auto day = runner->count(window_ctx(),
                           "SELECT count(*) FROM src WHERE " + s.date_of("ts") + " = :target_day");
  REQUIRE(day);
  CHECK(*day == 6);
  // A custom delete, bound the same way.
  auto rows = runner->run_window(window_ctx(), {kInsert, s.custom_delete(), std::nullopt});
  REQUIRE(rows);
  CHECK(*rows == 4);
  CHECK(s.count("SELECT count(*) FROM dst") == 5);
}

void refuses_rows_outside(test::SqlServer& s) {
  seed(s);
  auto runner = s.runner("dst", "ts");
  auto rows = runner->run_window(
      window_ctx(), {"INSERT INTO dst SELECT id, ts, note FROM src WHERE ts >= :window_start AND "
                     "ts <= :window_end",
                     std::nullopt, std::nullopt});
  REQUIRE_FALSE(rows);
  CHECK(rows.error().kind == ErrorKind::integrity);
  CHECK_THAT(rows.error().message, Contains("the insert wrote 5 rows"));
  // Nothing kept: the stale row is still there, the rows of the window are not.
  CHECK(s.count("SELECT count(*) FROM dst") == 2);
  CHECK(s.count("SELECT count(*) FROM dst WHERE id = 99") == 1);
}

void deadline_ends_a_slow_insert(test::SqlServer& s) {
  seed(s);
  auto runner = s.runner("dst", "ts");
  Deadline deadline(Deadline::Clock::now() + 1500ms);
  Watchdog watchdog(deadline);
  const auto t0 = Deadline::Clock::now();
  auto rows = runner->run_window(
      window_ctx(&deadline),
      {kInsert + " AND " + s.slow_condition() + s.slow_settings(), std::nullopt, std::nullopt});
  const auto took = Deadline::Clock::now() - t0;
  REQUIRE_FALSE(rows);
  INFO(rows.error().message);
  CHECK(rows.error().kind == ErrorKind::retryable);
  CHECK(took < 8s);
  s.settle();
  CHECK(s.count("SELECT count(*) FROM dst WHERE id = 99") == 1);
  CHECK(s.count("SELECT count(*) FROM dst") == 2);
}

}  // namespace

TEST_CASE("SQL runner: a window loads exactly its rows and a rerun changes nothing",
          "[integration][sql]") {
  test::for_each_sql_server(window_loads_exactly);
}

TEST_CASE("SQL runner: the window is bound, and placeholders inside literals are left alone",
          "[integration][sql]") {
  test::for_each_sql_server(binds_the_window);
}

TEST_CASE("SQL runner: rows inserted outside the window are refused and nothing is kept",
          "[integration][sql]") {
  test::for_each_sql_server(refuses_rows_outside);
}

TEST_CASE("SQL runner: the deadline ends a slow insert and the window is left as it was",
          "[integration][sql][timeout][threads]") {
  test::for_each_sql_server(deadline_ends_a_slow_insert);
}
