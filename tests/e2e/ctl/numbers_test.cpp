// Whole-number arguments of every sluicectl command: an id or count that is out of range, or
// not plainly decimal, is refused with exit 2 naming the option and the text, never clamped
// or read as hex or octal. The largest valid id still reaches the database.
#include <catch2/catch.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;

namespace {

using Env = test::CtlEnv;

// Out of range, signed, blank, hex, octal, exponent, trailing junk, non-ASCII digits.
const std::vector<std::string> kBadIds{
    "99999999999999999999",
    "9223372036854775808",
    "18446744073709551617",
    "0",
    "-1",
    "-9223372036854775808",
    "12abc",
    "+5",
    " 5",
    "5 ",
    "0x10",
    "010",
    "1e3",
    "1.0",
    "\xef\xbc\x95",  // fullwidth 5
};

}  // namespace

TEST_CASE("every command refuses a record id that is not one, with exit 2, changing nothing",
          "[e2e][ctl][numbers]") {
  Env e;
  const auto before = test::database_fingerprint(*e.c);
  // How each command takes an id; `=` keeps a leading '-' a value, not an option.
  const std::vector<std::pair<const char*, std::function<std::vector<std::string>(std::string)>>>
      commands{
          {"records show",
           [](std::string id) {
             return std::vector<std::string>{"records", "show", "--", id};
           }},
          {"records list --id",
           [](std::string id) {
             return std::vector<std::string>{"records", "list", "--id=" + id};
           }},
          {"rerun --id",
           [](std::string id) {
             return std::vector<std::string>{"-y", "rerun", "copy_events", "--id=" + id};
           }},
          {"clear --id",
           [](std::string id) {
             return std::vector<std::string>{"-y", "clear", "copy_events", "--id=" + id};
           }},
          {"locks release --id",
           [](std::string id) {
             return std::vector<std::string>{"-y", "locks", "release", "--id=" + id};
           }},
      };
  for (const auto& [name, args] : commands) {
    for (const auto& id : kBadIds) {
      INFO(name << " '" << id << "'");
      const auto r = e.ctl(args(id));
      INFO(r.out << r.err);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains("'" + id + "' is not a record id"));
      CHECK(r.out.empty());
    }
  }
  CHECK(test::database_fingerprint(*e.c) == before);

  // The largest id is asked for as it is, not as a clamped neighbour.
  const auto largest = e.ctl({"records", "show", "9223372036854775807"});
  CHECK(largest.exit_code == 2);
  CHECK_THAT(largest.err, Catch::Contains("no record 9223372036854775807"));
  const auto listed = e.ctl({"records", "list", "--id", "9223372036854775807", "--id", "7"});
  INFO(listed.err);
  CHECK(listed.exit_code == 0);
}

TEST_CASE("every count option refuses what is not a whole number in its range",
          "[e2e][ctl][numbers]") {
  Env e;
  struct Option {
    std::vector<std::string> command;
    std::string flag;
    std::string largest;  // accepted
  };
  for (const auto& o : std::vector<Option>{
           {{"records", "list"}, "--limit", "1000000"},
           {{"cron", "next", "@daily"}, "--count", "100000"},
           {{"windows", "preview", "copy_events"}, "--limit", "100000"},
           {{"run-once", "copy_events"}, "--workers", "1024"},
       }) {
    const std::string one_more = std::to_string(std::stoll(o.largest) + 1);
    for (const std::string& bad :
         std::vector<std::string>{"0", "-1", one_more, "99999999999999999999", "4294967297", "0x10",
                                  "010", "+5", " 5", "1e3", "abc", "2.5"}) {
      auto args = o.command;
      args.push_back(o.flag + "=" + bad);
      INFO(o.flag << " '" << bad << "'");
      const auto r = e.ctl(args);
      INFO(r.out << r.err);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::Contains("'" + bad + "' is not a count (a whole number from 1 to " +
                                        o.largest + ")"));
    }
  }
}

TEST_CASE("backfill's seconds refuse nan, infinity and what is out of range",
          "[e2e][ctl][numbers]") {
  Env e;
  for (const auto& [flag, bad] : std::vector<std::pair<std::string, std::string>>{
           {"--poll-interval", "nan"},
           {"--poll-interval", "inf"},
           {"--poll-interval", "1e999"},
           {"--poll-interval", "0.01"},
           {"--poll-interval", "abc"},
           {"--timeout", "nan"},
           {"--timeout", "-1"},
           {"--timeout", "1e8"},
       }) {
    INFO(flag << " " << bad);
    const auto r = e.ctl({"backfill", "copy_events", "--from", "2024-01-01", "--to", "2024-01-02",
                          "--wait", flag + "=" + bad});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("'" + bad + "' is not a number"));
  }
}
