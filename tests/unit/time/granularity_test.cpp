#include <catch2/catch.hpp>

#include "framework/time/granularity.hpp"

using namespace sluice::time;
using Unit = Granularity::Unit;

TEST_CASE("granularities under a day divide 24h, longer ones are 1d, 1w or 1mo",
          "[time][granularity]") {
  struct Case {
    const char* text;
    Unit unit;
    long long step;
    const char* label;
  };
  const Case cases[] = {
      {"1m", Unit::sub_day, 60, "1m"},       {"15m", Unit::sub_day, 900, "15m"},
      {"90m", Unit::sub_day, 5400, "1h30m"}, {"2h", Unit::sub_day, 7200, "2h"},
      {"8h", Unit::sub_day, 28800, "8h"},    {"30s", Unit::sub_day, 30, "30s"},
      {"1d", Unit::day, 86400, "1d"},        {"24h", Unit::day, 86400, "1d"},
      {"1w", Unit::week, 604800, "1w"},      {"7d", Unit::week, 604800, "1w"},
      {"1mo", Unit::month, 0, "1mo"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto g = Granularity::parse(c.text);
    REQUIRE(g);
    CHECK(g->unit() == c.unit);
    CHECK(g->step().count() == c.step);
    CHECK(g->to_string() == c.label);
  }
}

TEST_CASE("granularity errors say what to use instead", "[time][granularity]") {
  struct Case {
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"7m", "granularity 7m does not divide 24h"},
      {"5h", "granularity 5h does not divide 24h"},
      {"2d", "granularity 2d is not supported (use 1d, 1w or 1mo)"},
      {"25h", "granularity 1d1h is not supported"},
      {"2w", "not supported"},
      {"3mo", "not supported"},
      {"1mo1d", "not supported"},
      {"0m", "greater than zero"},
      {"fast", "granularity: "},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto g = Granularity::parse(c.text);
    REQUIRE_FALSE(g);
    CHECK_THAT(g.error(), Catch::Contains(c.message_part));
  }
}
