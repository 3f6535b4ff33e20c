// The first value a query selects (what `run_if.sql` asks), on each real server: the window
// bound into it, a true and a false comparison as each server writes them, no row and NULL
// alike as nothing, and an error for a query the server refuses.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/sql_runner.hpp"
#include "tasks/run_if.hpp"
#include "tests/integration/adapters/sql_servers.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

const Instant kStart = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);

adapters::WindowContext window_ctx() {
  return {PipelineId{"cond"}, Window{kStart, kStart + 1h}, RunId{"manual__cond"}, nullptr, nullptr};
}

void first_values(test::SqlServer& s) {
  INFO(s.name());
  s.exec("CREATE TABLE src (id " + s.integer() + ", ts " + s.timestamp() + ", note " + s.text() +
         ")" + s.table_suffix());
  s.exec("INSERT INTO src VALUES (1, " + s.ts("2024-03-10 08:30:00") + ", 'ready')");
  auto runner = s.runner("src", "ts");
  const auto ask = [&](const std::string& query) {
    return runner->first_value(window_ctx(), query, "run_if.sql");
  };
  const std::string in_window = " FROM src WHERE ts >= :window_start AND ts < :window_end";

  auto yes = ask("SELECT count(*) > 0" + in_window);
  REQUIRE(yes);
  REQUIRE(*yes);
  CHECK(tasks::truth_of(**yes) == true);

  auto no = ask("SELECT count(*) > 1" + in_window);
  REQUIRE(no);
  REQUIRE(*no);
  CHECK(tasks::truth_of(**no) == false);

  // The first column of the first row; the other columns do not matter.
  auto text = ask("SELECT note, id" + in_window);
  REQUIRE(text);
  CHECK(*text == std::optional<std::string>("ready"));

  auto day = ask("SELECT count(*) FROM src WHERE " + s.date_of("ts") + " = :target_day");
  REQUIRE(day);
  CHECK(*day == std::optional<std::string>("1"));

  auto none = ask("SELECT id FROM src WHERE ts < :window_start");
  REQUIRE(none);
  CHECK_FALSE(*none);

  auto null = ask("SELECT NULL");
  REQUIRE(null);
  CHECK_FALSE(*null);

  auto refused = ask("SELECT done FROM no_such_table");
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Contains("no_such_table"));
}

}  // namespace

TEST_CASE("SQL runner: the first value a query selects, for run_if.sql",
          "[integration][sql][run_if]") {
  test::for_each_sql_server(first_values);
}
