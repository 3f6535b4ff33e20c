// `sluicectl cron next`, the built binary: its output form and its answers to bad input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"

using namespace sluice;

namespace {

test::ProcessResult sluicectl(std::vector<std::string> args) {
  args.insert(args.begin(), (test::binary_dir() / "daemon" / "sluicectl").string());
  return test::run_process(args);
}

}  // namespace

TEST_CASE("sluicectl cron next prints instants in the zone, one per line", "[e2e][cron]") {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* out;
  };
  const Case cases[] = {
      {"UTC by default",
       {"cron", "next", "*/20 * * * *", "--after", "2024-01-01T00:00:00Z", "-n", "3"},
       "2024-01-01T00:20:00+00:00\n2024-01-01T00:40:00+00:00\n2024-01-01T01:00:00+00:00\n"},
      {"a gap fires at its end; a bare date is local midnight",
       {"cron", "next", "30 2 * * *", "--zone", "America/Los_Angeles", "--after", "2024-03-10",
        "-n", "2"},
       "2024-03-10T03:00:00-07:00\n2024-03-11T02:30:00-07:00\n"},
      {"fields given as separate arguments, an offset instant",
       {"cron", "next", "0", "9", "*", "*", "mon-fri", "--zone", "Asia/Kathmandu", "--after",
        "2024-01-05T09:00:00+05:45", "-n", "1"},
       "2024-01-08T09:00:00+05:45\n"},
      {"a macro",
       {"cron", "next", "@monthly", "--after", "2024-02-15T00:00:00Z", "-n", "1"},
       "2024-03-01T00:00:00+00:00\n"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto r = sluicectl(c.args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == c.out);
    CHECK(r.err.empty());
  }
}

TEST_CASE("sluicectl -o json cron next prints a JSON array", "[e2e][cron]") {
  const auto r = sluicectl({"-o", "json", "cron", "next", "30 1 * * *", "--zone", "Europe/Zurich",
                            "--after", "2024-10-26T12:00:00Z", "-n", "2"});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out) ==
        nlohmann::json::array({"2024-10-27T01:30:00+02:00", "2024-10-28T01:30:00+01:00"}));
}

TEST_CASE("sluicectl cron next exits 2 with the reason on bad input", "[e2e][cron]") {
  struct Case {
    std::vector<std::string> args;
    const char* reason;
  };
  const Case cases[] = {
      {{"cron", "next", "61 * * * *"},
       "sluicectl: cron next: minute field: 61 is out of range 0-59"},
      {{"cron", "next", "0 0 30 2 *"},
       "cron next: expression can never fire: day 30 does not exist in February"},
      {{"cron", "next", "@reboot"}, "@reboot is not supported"},
      {{"cron", "next", "* * * *"}, "expected 5 fields"},
      {{"cron", "next", "@daily", "--zone", "Europe/Zurch"},
       "cron next: --zone: unknown time zone 'Europe/Zurch' (did you mean 'Europe/Zurich'?)"},
      {{"cron", "next", "@daily", "--after", "2024-03-10T10:00:00"},
       "cron next: --after: invalid instant '2024-03-10T10:00:00'"},
      {{"cron", "next", "@daily", "-n", "0"},
       "--count: '0' is not a count (a whole number from 1 to 100000)"},
      {{"cron", "next", "@daily", "-n", "many"}, "--count"},
      {{"cron", "next"}, "expression is required"},
  };
  for (const auto& c : cases) {
    INFO(c.reason);
    const auto r = sluicectl(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains(c.reason));
  }
}
