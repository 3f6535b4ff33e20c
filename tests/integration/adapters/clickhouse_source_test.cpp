// ClickHouse -> PostgreSQL through the real chain and runner, on the Debian 12 server: exact
// rows over three windows (one empty), a query source, an error ClickHouse appends to a
// stream it already started, and bad input ending in a classified error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "tasks/runner.hpp"
#include "tests/integration/adapters/clickhouse_cases.hpp"

using namespace sluice;
using namespace sluice::test::ch_cases;
namespace ch_adapter = sluice::adapters::clickhouse;

namespace {

std::shared_ptr<tasks::PipelineRuntime> from_clickhouse(const test::ChainFixture& f,
                                                        ch_adapter::SourceOptions o,
                                                        const std::string& id = "orders") {
  auto p = f.pipeline(kWindows, id);
  p->source = ch_adapter::make_source(std::move(o));
  p->backoff = {std::chrono::seconds(1), std::chrono::seconds(1)};
  return p;
}

adapters::WindowContext window(int hour) {
  const Instant start = test::kFixtureStart + std::chrono::hours(hour);
  return {PipelineId{"orders"}, Window{start, start + std::chrono::hours(1)},
          RunId{"manual__test"}};
}

// Counts what a source sends.
class CountingSink final : public adapters::RowSink {
 public:
  Result<void> begin(std::span<const adapters::Column> c) override {
    columns.assign(c.begin(), c.end());
    return {};
  }
  Result<void> row(std::span<const adapters::Field>) override {
    ++rows;
    return {};
  }
  Result<void> copy_block(std::string_view, std::int64_t n) override {
    rows += n;
    return {};
  }
  Result<void> end() override { return {}; }
  std::vector<adapters::Column> columns;
  std::int64_t rows = 0;
};

}  // namespace

TEST_CASE("ClickHouse -> PostgreSQL: three windows copied exactly, a re-run changes nothing",
          "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  ch->query(ch_table_ddl(ch->database() + ".src", "toDate(event_time)"));
  seed_clickhouse(*ch, ch->database() + ".src");
  const ch_adapter::SourceOptions source{connection(*ch), std::nullopt, "src", "event_time"};

  const auto first = settle(f, from_clickhouse(f, source));
  CHECK(first.success == 2);
  CHECK(first.failed == 0);
  CHECK(postgres_rows(f, "dst") == expected_rows());
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "audit_result = 'PASS' "
                "AND source_count = 3 AND target_count = 3 AND stage_count = 3") == 2);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SKIPPED' AND "
                "source_count = 0 "
                "AND window_start_time = '2024-01-01T01:00:00Z'") == 1);

  f.exec("DELETE FROM dst WHERE id = 4");
  const auto again = settle(f, from_clickhouse(f, source, "orders_again"));
  CHECK(again.success == 1);
  CHECK(postgres_rows(f, "dst") == expected_rows());
}

TEST_CASE("ClickHouse source: a query with the window bounds, counted and extracted per window",
          "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  ch->query(ch_table_ddl(ch->database() + ".src", "toDate(event_time)"));
  seed_clickhouse(*ch, ch->database() + ".src");
  const std::vector<std::pair<std::string, ch_adapter::SourceOptions>> sources = {
      {"query with placeholders",
       {connection(*ch),
        "SELECT id, note FROM src WHERE event_time >= {window_start} AND event_time < {window_end}",
        std::nullopt, ""}},
      {"query filtered on time_column",
       {connection(*ch), "SELECT id, note, event_time FROM src", std::nullopt, "event_time"}},
      {"table", {connection(*ch), std::nullopt, "src", "event_time"}},
  };
  for (const auto& [name, options] : sources) {
    INFO(name);
    auto source = ch_adapter::make_source(options);
    for (int w = 0; w < kWindows; ++w) {
      INFO("window " << w);
      CHECK(*source->count(window(w)) == kPerWindow[w]);
      CHECK(*source->has_rows(window(w)) == (kPerWindow[w] > 0));
      CountingSink sink;
      auto n = source->extract(window(w), sink);
      REQUIRE(n);
      CHECK(*n == kPerWindow[w]);
      CHECK(sink.rows == kPerWindow[w]);
      CHECK(sink.columns.at(0).name == "id");
      CHECK(std::count(sink.columns.begin(), sink.columns.end(), adapters::Column{"note"}) == 1);
    }
  }
}

TEST_CASE("ClickHouse source: an error after the first rows were sent fails the extract",
          "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  auto source = ch_adapter::make_source({connection(*ch),
                                         "SELECT number AS n, throwIf(number = 300000) AS t FROM "
                                         "system.numbers WHERE {window_start} < {window_end} "
                                         "LIMIT 1000000 SETTINGS max_block_size = 1000",
                                         std::nullopt, ""});
  CountingSink sink;
  auto r = source->extract(window(0), sink);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::permanent);
  CHECK(r.error().message.find("Code 395") != std::string::npos);
  CHECK(sink.rows > 0);  // rows had arrived: the error came inside the 200 answer
}

TEST_CASE(
    "ClickHouse -> PostgreSQL bad input: a classified error on the record, no secret, nothing "
    "loaded",
    "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  ch->query(ch_table_ddl(ch->database() + ".src", "toDate(event_time)"));
  seed_clickhouse(*ch, ch->database() + ".src");
  struct Case {
    std::string name;
    std::function<void(ch_adapter::SourceOptions&)> change;
    std::string message;
    int retry_attempt;  // 1: retryable (retried once), 0: permanent
  };
  const std::vector<Case> cases = {
      {"unreachable server", [](auto& o) { o.connection.url = "http://127.0.0.1:1"; },
       "127.0.0.1:1", 1},
      {"wrong password",
       [](auto& o) {
         o.connection.user = "sluice";
         o.connection.password = "wrong-Secret-42";
       },
       "Code 193: Wrong password for user sluice", 0},
      {"password in the URL",
       [](auto& o) {
         o.connection.url = "http://sluice:wrong-Secret-42@" + o.connection.url.substr(7);
       },
       "Code 193", 0},
      {"missing table", [](auto& o) { o.table = "no_such_table"; }, "Code 60: Table", 0},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.name);
    ch_adapter::SourceOptions o{connection(*ch), std::nullopt, "src", "event_time"};
    c.change(o);
    auto p = from_clickhouse(f, o, "bad_" + std::to_string(n++));
    p->max_retries = 1;
    const auto s = settle(f, p);
    CHECK(s.success == 0);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + p->id.value +
                  "' AND pipeline_status = 'FAILED' AND retry_attempt = " +
                  std::to_string(c.retry_attempt) + " AND error_message LIKE '%" + c.message +
                  "%' AND error_message NOT LIKE '%wrong-Secret-42%'") == kWindows);
    CHECK(f.count("SELECT count(*) FROM dst") == 0);
  }
}
