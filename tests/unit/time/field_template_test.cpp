#include <date/date.h>
#include <catch2/catch.hpp>

#include "framework/time/field_template.hpp"
#include "tests/unit/time/helpers.hpp"

using namespace sluice;
using namespace sluice::time;
using namespace sluice::time::test;
using std::chrono::hours;

TEST_CASE("field templates render per window in the pipeline's zone", "[time][template]") {
  const Zone zurich = locate_zone("Europe/Zurich").value();
  const Granularity hourly = Granularity::parse("1h").value();
  // 23:00 UTC on Mar 9 is already Mar 10 in Zurich.
  const TemplateContext ctx{"orders", Window{utc(2024, 3, 9, 23), utc(2024, 3, 10, 0)}, zurich,
                            hourly};
  struct Case {
    const char* name;
    const char* text;
    const char* rendered;
  };
  const Case cases[] = {
      {"path", "{pipeline}/{window_start:%Y/%m/%d/%H}", "orders/2024/03/10/00"},
      {"target day", "{target_day}", "2024-03-10"},
      {"target day formatted", "{target_day:%Y%m%d}", "20240310"},
      {"default instant form", "{window_start}", "2024-03-10T00:00:00+01:00"},
      {"end", "{window_end:%H:%M %Z}", "01:00 CET"},
      {"offset", "{window_end:%z}", "+0100"},
      {"interval", "{time_interval}", "1h"},
      {"literal braces", "{{{pipeline}}}", "{orders}"},
      {"plain text", "static", "static"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto t = FieldTemplate::parse(c.text);
    REQUIRE(t);
    CHECK(t->text() == c.text);
    CHECK(t->render(ctx) == c.rendered);
  }
}

TEST_CASE("field template errors name the placeholder and the column", "[time][template]") {
  struct Case {
    const char* text;
    const char* message_part;
  };
  const Case cases[] = {
      {"{pipeline}/{window_begin}",
       "unknown placeholder {window_begin} at column 12 (did you mean {window_start}?)"},
      {"{nonsense_here}", "unknown placeholder {nonsense_here} at column 1 (known:"},
      {"{pipeline", "unclosed '{' at column 1"},
      {"a}b", "unmatched '}' at column 2"},
      {"{pipeline:%Y}", "placeholder {pipeline} at column 1 takes no format"},
      {"{window_start:}", "empty format"},
      {"{window_start:%Q}", "unknown conversion '%Q'"},
      {"{window_start:%Y%}", "lone '%'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto t = FieldTemplate::parse(c.text);
    REQUIRE_FALSE(t);
    CHECK_THAT(t.error(), Catch::Contains(c.message_part));
  }
  auto both = FieldTemplate::parse("{a}{b}");
  REQUIRE_FALSE(both);
  CHECK_THAT(both.error(),
             Catch::Contains("{a} at column 1") && Catch::Contains("{b} at column 4"));
}
