// Transforms: casts as a table of cases, and the sink that selects, renames, casts and
// computes columns.
#include <catch2/catch.hpp>

#include "framework/time/zone.hpp"
#include "framework/transform/transform.hpp"

using namespace sluice;
using namespace sluice::transform;
using adapters::Column;
using adapters::Field;

namespace {

struct Recorder final : adapters::RowSink {
  Result<void> begin(std::span<const Column> c) override {
    columns.assign(c.begin(), c.end());
    return {};
  }
  Result<void> row(std::span<const Field> fields) override {
    std::vector<std::optional<std::string>> r;
    for (const auto& f : fields) r.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    rows.push_back(r);
    return {};
  }
  Result<void> end() override { return {}; }
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

const Instant kStart = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);

time::TemplateContext window() {
  return {"orders", Window{kStart, kStart + std::chrono::hours(1)}, time::utc_zone(),
          *time::Granularity::parse("1h")};
}

OutputColumn column(std::string name, std::string from, Cast cast = Cast::none) {
  return {std::move(name), std::move(from), cast, std::nullopt, {"pipelines.d/orders.yaml", 12, 7},
          std::nullopt};
}

}  // namespace

TEST_CASE("casts check and normalise values", "[transform]") {
  struct Case {
    const char* name;
    Cast cast;
    const char* in;
    const char* out;  // nullptr: an error
  };
  const Case cases[] = {
      {"integer", Cast::integer, "-42", "-42"},
      {"integer with +", Cast::integer, "+7", "7"},
      {"integer refuses a fraction", Cast::integer, "1.5", nullptr},
      {"integer refuses text", Cast::integer, "12abc", nullptr},
      {"integer refuses empty", Cast::integer, "", nullptr},
      {"number with fraction", Cast::number, "3.25", "3.25"},
      {"number with exponent", Cast::number, "-1.5e-3", "-1.5e-3"},
      {"number like .5", Cast::number, ".5", ".5"},
      {"number refuses a lone dot", Cast::number, ".", nullptr},
      {"number refuses text", Cast::number, "1,5", nullptr},
      {"boolean yes", Cast::boolean, "Yes", "true"},
      {"boolean 0", Cast::boolean, "0", "false"},
      {"boolean refuses maybe", Cast::boolean, "maybe", nullptr},
      {"timestamp plain", Cast::timestamp, "2024-03-10 08:00:00", "2024-03-10 08:00:00+00"},
      {"timestamp ISO with offset", Cast::timestamp, "2024-03-10T10:30:00+02:00",
       "2024-03-10 08:30:00+00"},
      {"timestamp negative offset over midnight", Cast::timestamp, "2024-03-09T23:00-05",
       "2024-03-10 04:00:00+00"},
      {"timestamp Z and fraction", Cast::timestamp, "2024-03-10T08:00:00.5Z",
       "2024-03-10 08:00:00.500000+00"},
      {"timestamp from epoch seconds", Cast::timestamp, "1710057600", "2024-03-10 08:00:00+00"},
      {"timestamp from a date", Cast::timestamp, "2024-03-10", "2024-03-10 00:00:00+00"},
      {"timestamp refuses Feb 30", Cast::timestamp, "2024-02-30 00:00:00", nullptr},
      {"timestamp refuses 25 o'clock", Cast::timestamp, "2024-03-10 25:00:00", nullptr},
      {"timestamp refuses a zone name", Cast::timestamp, "2024-03-10 08:00:00 CET", nullptr},
      {"date", Cast::date, "2024-03-10", "2024-03-10"},
      {"date of a timestamp, in UTC", Cast::date, "2024-03-10T01:00:00+03:00", "2024-03-09"},
      {"date refuses text", Cast::date, "yesterday", nullptr},
      {"text unchanged", Cast::text, "a\tb", "a\tb"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto r = cast_value(c.cast, c.in);
      if (c.out) {
        REQUIRE(r);
        CHECK(*r == c.out);
      } else {
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == ErrorKind::permanent);
        CHECK_THAT(r.error().message, Catch::Contains(std::string("'") + c.in + "' is not"));
      }
    }
  }
}

TEST_CASE("a transform selects, renames, casts and computes columns", "[transform]") {
  Spec spec;
  spec.columns = {column("order_id", "id", Cast::integer), column("total", "amount", Cast::number),
                  column("at", "event_time", Cast::timestamp)};
  OutputColumn loaded{"loaded_for", "",
                      Cast::none,   *time::FieldTemplate::parse("{pipeline}/{window_start:%H}"),
                      {},           std::nullopt};
  spec.columns.push_back(loaded);
  Recorder out;
  TransformSink sink(spec, window(), out);
  const std::vector<Column> source{{"id"}, {"event_time"}, {"note"}, {"amount"}};
  REQUIRE(sink.begin(source));
  CHECK(out.columns == std::vector<Column>{{"order_id"}, {"total"}, {"at"}, {"loaded_for"}});
  REQUIRE(sink.row(std::vector<Field>{"+1", "2024-03-10T09:30:00+01:00", "dropped", std::nullopt}));
  REQUIRE(sink.copy_block("2\t2024-03-10 08:45:00\tx\t2.50\n", 1));
  using R = std::vector<std::optional<std::string>>;
  CHECK(out.rows == std::vector<R>{R{"1", std::nullopt, "2024-03-10 08:30:00+00", "orders/08"},
                                   R{"2", "2.50", "2024-03-10 08:45:00+00", "orders/08"}});
}

TEST_CASE("transform errors name the column, its place in the file and the row", "[transform]") {
  Recorder out;
  SECTION("a source column that does not exist") {
    Spec spec;
    spec.columns = {column("when", "event_tme")};
    TransformSink sink(spec, window(), out);
    auto r = sink.begin(std::vector<Column>{{"id"}, {"event_time"}});
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::permanent);
    CHECK(r.error().message ==
          "pipelines.d/orders.yaml:12:7: transform column 'when': the source has no column "
          "'event_tme' "
          "(did you mean 'event_time'?); it has: id, event_time");
  }
  SECTION("a value that does not fit its cast") {
    Spec spec;
    spec.columns = {column("id", "id", Cast::integer)};
    TransformSink sink(spec, window(), out);
    REQUIRE(sink.begin(std::vector<Column>{{"id"}}));
    REQUIRE(sink.row(std::vector<Field>{"1"}));
    auto r = sink.row(std::vector<Field>{"two"});
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "pipelines.d/orders.yaml:12:7: transform column 'id', row 2: 'two' is not an integer");
  }
}

TEST_CASE("without a transform rows pass unchanged", "[transform]") {
  Spec spec;
  Recorder out;
  TransformSink sink(spec, window(), out);
  REQUIRE(sink.begin(std::vector<Column>{{"a"}, {"b"}}));
  REQUIRE(sink.row(std::vector<Field>{"1", std::nullopt}));
  CHECK(out.columns == std::vector<Column>{{"a"}, {"b"}});
  CHECK(out.rows.size() == 1);
}

TEST_CASE("SQL columns are left to the target: the stage gets the other columns",
          "[transform][sql]") {
  Spec spec;
  spec.columns = {column("order_id", "id", Cast::integer), column("total", "amount")};
  OutputColumn cents = column("cents", "");
  cents.sql = "total * 100";
  cents.where = {"pipelines.d/orders.yaml", 18, 7};
  spec.columns.insert(spec.columns.begin() + 1, cents);
  CHECK(spec.reshapes_rows());
  const auto computed = spec.computed_by_target();
  REQUIRE(computed.size() == 1);
  CHECK(computed[0].name == "cents");
  CHECK(computed[0].sql == "total * 100");
  CHECK(computed[0].origin == "pipelines.d/orders.yaml:18:7");

  Recorder out;
  TransformSink sink(spec, window(), out);
  REQUIRE(sink.begin(std::vector<Column>{{"id"}, {"amount"}}));
  CHECK(out.columns == std::vector<Column>{{"order_id"}, {"total"}});
  REQUIRE(sink.row(std::vector<Field>{"+3", "1.25"}));
  using R = std::vector<std::optional<std::string>>;
  CHECK(out.rows == std::vector<R>{R{"3", "1.25"}});
}

TEST_CASE("with only SQL columns the source's rows are staged unchanged", "[transform][sql]") {
  Spec spec;
  OutputColumn lowered = column("lowered", "");
  lowered.sql = "lower(note)";
  spec.columns = {lowered};
  CHECK_FALSE(spec.reshapes_rows());
  CHECK(spec.computed_by_target().size() == 1);
  Recorder out;
  TransformSink sink(spec, window(), out);
  REQUIRE(sink.begin(std::vector<Column>{{"id"}, {"note"}}));
  CHECK(out.columns == std::vector<Column>{{"id"}, {"note"}});
  REQUIRE(sink.copy_block("1\tAbC\n2\t\\N\n", 2));
  using R = std::vector<std::optional<std::string>>;
  CHECK(out.rows == std::vector<R>{R{"1", "AbC"}, R{"2", std::nullopt}});
}
