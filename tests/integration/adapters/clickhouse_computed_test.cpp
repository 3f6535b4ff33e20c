// PostgreSQL -> ClickHouse with columns the target computes (`transform.columns[].sql`), on the
// Debian 12 server, with both load methods: values exact, a re-run replaces a window, and a
// bad expression fails the window for good with nothing loaded and no scratch table left.
#include <catch2/catch.hpp>

#include "tests/integration/adapters/clickhouse_cases.hpp"

using namespace sluice;
using namespace sluice::test::ch_cases;
namespace ch_adapter = sluice::adapters::clickhouse;

namespace {

const std::vector<adapters::ComputedColumn> kComputed{
    {"cents", "toInt64(amount * 100)", "pipelines.d/orders.yaml:20:5"},
    {"note_bytes", "length(note)", "pipelines.d/orders.yaml:22:5"}};

// id, cents, note_bytes of every row the windows hold, worked out here from the rows.
std::vector<Row> expected_computed() {
  std::vector<Row> out;
  for (const auto& r : expected_rows()) {
    std::optional<std::string> cents, bytes;
    if (r[3]) {
      const double amount = std::stod(*r[3]);
      cents = std::to_string(static_cast<long long>(amount * 100 + (amount < 0 ? -0.5 : 0.5)));
    }
    if (r[2]) bytes = std::to_string(r[2]->size());
    out.push_back({r[0], cents, bytes});
  }
  return out;
}

std::shared_ptr<tasks::PipelineRuntime> computing(const test::ChainFixture& f,
                                                  ch_adapter::TargetOptions o,
                                                  std::vector<adapters::ComputedColumn> computed,
                                                  const std::string& id) {
  auto p = f.pipeline(kWindows, id);
  p->target = ch_adapter::make_target(std::move(o));
  REQUIRE(p->target->compute_columns(std::move(computed)));
  p->backoff = {std::chrono::seconds(1), std::chrono::seconds(1)};
  return p;
}

}  // namespace

TEST_CASE("PostgreSQL -> ClickHouse: SQL columns computed by the target, with both load methods",
          "[integration][clickhouse][transform]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  test::ChainFixture f;
  seed_postgres(f, "src");
  for (const auto method :
       {ch_adapter::LoadMethod::delete_insert, ch_adapter::LoadMethod::replace_partition}) {
    const bool by_delete = method == ch_adapter::LoadMethod::delete_insert;
    const std::string table = by_delete ? "by_delete" : "by_partition";
    const std::string dst = ch->database() + "." + table;
    INFO(table);
    ch->query("CREATE TABLE " + dst +
              " (id Int64, event_time DateTime, note Nullable(String), amount Nullable(Decimal(12, "
              "2)), cents Nullable(Int64), note_bytes Nullable(UInt64)) ENGINE = MergeTree "
              "PARTITION BY toStartOfHour(event_time) ORDER BY (event_time, id)");
    const ch_adapter::TargetOptions target{.connection = connection(*ch),
                                           .table = table,
                                           .time_column = "event_time",
                                           .method = method,
                                           .partition_expression = "toStartOfHour(event_time)"};
    const auto computed_rows = [&] {
      return decode(ch->query("SELECT id, cents, note_bytes FROM " + dst +
                              " ORDER BY id FORMAT TabSeparated"));
    };

    const auto first = settle(f, computing(f, target, kComputed, table));
    CHECK(first.success == 2);
    CHECK(clickhouse_rows(*ch, dst) == expected_rows());
    CHECK(computed_rows() == expected_computed());
    CHECK(ch->count("system.tables WHERE database = '" + ch->database() +
                    "' AND name LIKE '%sluice%'") == 0);

    // A window that lost a row is loaded again, computed again, and not doubled.
    ch->query("ALTER TABLE " + dst + " DELETE WHERE id = 1");
    ch->wait_for_mutations();
    const auto again = settle(f, computing(f, target, kComputed, table + "_again"));
    CHECK(again.success == 1);
    CHECK(computed_rows() == expected_computed());

    // An expression the server rejects: permanent, named, and the windows end empty.
    ch->query("TRUNCATE TABLE " + dst);
    const auto bad =
        settle(f, computing(f, target, {{"cents", "amont * 100", "pipelines.d/orders.yaml:20:5"}},
                            table + "_bad"));
    CHECK(bad.failed == 2);
    CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + table +
                  "_bad' AND pipeline_status = 'FAILED' AND retry_attempt = 0 AND "
                  "error_message LIKE 'permanent: ClickHouse INSERT into " +
                  table +
                  " with the computed columns ''cents'' (pipelines.d/orders.yaml:20:5): Code 47: "
                  "Unknown identifier: amont%'") == 2);
    CHECK(ch->count(dst) == 0);
    CHECK(ch->count("system.tables WHERE database = '" + ch->database() +
                    "' AND name LIKE '%sluice%'") == 0);
  }
}
