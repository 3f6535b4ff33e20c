// The ClickHouse target's streamed load (start_load) on the Debian 12 server, both load
// methods: what a commit leaves is exactly the rows put, a load abandoned or refused leaves no
// row of itself, even after ClickHouse has written some of its blocks, and a load again
// replaces the window instead of adding to it.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/integration/adapters/clickhouse_cases.hpp"

using namespace sluice;
using namespace sluice::test::ch_cases;
namespace ch_adapter = sluice::adapters::clickhouse;

namespace {

const std::vector<adapters::Column> kColumns = {{"id"}, {"event_time"}, {"note"}, {"amount"}};
const adapters::WindowContext kWindow0{
    PipelineId{"orders"}, Window{test::kFixtureStart, test::kFixtureStart + std::chrono::hours(1)},
    RunId{"manual__load_test"}};
// More rows than one INSERT block (max_insert_block_size, 1048576): ClickHouse writes the
// first block while the rest is still coming.
constexpr std::int64_t kMoreThanABlock = 1'300'000;

std::string copy_text(const std::vector<Row>& rows) {
  std::string out;
  for (const auto& row : rows) {
    std::vector<adapters::Field> fields;
    for (const auto& v : row) fields.push_back(v ? adapters::Field(*v) : std::nullopt);
    adapters::copy_text::append_row(out, fields);
  }
  return out;
}

// Rows [from, to) of window 0, ids from 1000 on so they never meet kRows.
std::string generated(std::int64_t from, std::int64_t to) {
  std::string out;
  for (std::int64_t i = from; i < to; ++i)
    out += fmt::format("{}\t2024-01-01 00:{:02}:{:02}\t\\N\t{}.5\n", 1000 + i, i / 60 % 60, i % 60,
                       i % 100);
  return out;
}

// Puts `rows` generated rows in blocks of 10000.
void put_generated(adapters::TargetLoad& load, std::int64_t rows) {
  for (std::int64_t i = 0; i < rows; i += 10'000) {
    auto r = load.put(generated(i, std::min(rows, i + 10'000)));
    REQUIRE(r);
  }
}

struct Method {
  std::string name;
  ch_adapter::LoadMethod method;
};
const std::vector<Method> kMethods = {
    {"delete_insert", ch_adapter::LoadMethod::delete_insert},
    {"replace_partition", ch_adapter::LoadMethod::replace_partition}};

std::unique_ptr<adapters::Target> hourly_target(test::TestClickHouse& ch, const std::string& table,
                                                ch_adapter::LoadMethod method) {
  ch.query(ch_table_ddl(ch.database() + "." + table, "toStartOfHour(event_time)"));
  return ch_adapter::make_target({.connection = connection(ch),
                                  .table = table,
                                  .time_column = "event_time",
                                  .method = method,
                                  .partition_expression = "toStartOfHour(event_time)"});
}

long long staging_tables(test::TestClickHouse& ch) {
  return ch.count("system.tables WHERE database = '" + ch.database() +
                  "' AND name LIKE '%sluice%'");
}

}  // namespace

TEST_CASE("a streamed ClickHouse load commits exactly the rows put, replacing the window",
          "[integration][clickhouse][threads]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  for (const auto& m : kMethods) {
    DYNAMIC_SECTION(m.name) {
      const std::string table = ch->database() + ".dst";
      auto target = hourly_target(*ch, "dst", m.method);
      // A row the load must replace (window 0) and one it must not touch (window 2).
      ch->query("INSERT INTO " + table + " FORMAT TabSeparated\n" +
                copy_text({{"99", "2024-01-01 00:10:00", "stale", "1.00"}, kRows[4]}));
      for (int attempt = 0; attempt < 2; ++attempt) {
        INFO("attempt " << attempt);
        auto load = target->start_load(kWindow0, kColumns);
        REQUIRE(load);
        REQUIRE(*load);
        // One row alone, then two, then enough to make several chunks.
        REQUIRE((*load)->put(copy_text({kRows[0]})));
        REQUIRE((*load)->put(copy_text({kRows[1], kRows[2]})));
        put_generated(**load, 50'000);
        auto committed = (*load)->commit();
        REQUIRE(committed);
        CHECK(*target->count(kWindow0) == 50'003);
      }
      CHECK(clickhouse_rows(*ch, table + " WHERE id < 1000") ==
            std::vector<Row>{kRows[0], kRows[1], kRows[2], kRows[4]});
      CHECK(ch->query("SELECT count(), sum(id), uniqExact(id) FROM " + table +
                      " WHERE id >= 1000") == "50000\t1299975000\t50000\n");
      CHECK(staging_tables(*ch) == 0);
    }
  }
}

TEST_CASE("an empty streamed ClickHouse load empties the window", "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  for (const auto& m : kMethods) {
    DYNAMIC_SECTION(m.name) {
      auto target = hourly_target(*ch, "dst", m.method);
      ch->query("INSERT INTO " + ch->database() + ".dst FORMAT TabSeparated\n" +
                copy_text({kRows[0], kRows[4]}));
      auto load = target->start_load(kWindow0, kColumns);
      REQUIRE(load);
      REQUIRE((*load)->commit());
      CHECK(*target->count(kWindow0) == 0);
      CHECK(ch->count(ch->database() + ".dst") == 1);  // window 2's row
    }
  }
}

TEST_CASE("an abandoned streamed ClickHouse load leaves none of its rows",
          "[integration][clickhouse][threads]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  struct Case {
    std::string name;
    std::int64_t rows;  // put before the load is dropped
  };
  const std::vector<Case> cases = {
      {"nothing put", 0},
      {"less than a chunk (never sent)", 3},
      {"a few chunks (ClickHouse has written nothing yet)", 20'000},
      {"more than an INSERT block (ClickHouse has written the first)", kMoreThanABlock},
  };
  for (const auto& m : kMethods) {
    for (const auto& c : cases) {
      DYNAMIC_SECTION(m.name << ": " << c.name) {
        const std::string table = ch->database() + ".dst";
        auto target = hourly_target(*ch, "dst", m.method);
        ch->query("INSERT INTO " + table + " FORMAT TabSeparated\n" +
                  copy_text({kRows[0], kRows[4]}));
        {
          auto load = target->start_load(kWindow0, kColumns);
          REQUIRE(load);
          put_generated(**load, c.rows);
          if (c.rows == kMoreThanABlock) {
            // The case is what it says: rows of the load are in ClickHouse already, in the
            // target (delete_insert) or in the staging table (replace_partition).
            const std::string where = m.method == ch_adapter::LoadMethod::delete_insert
                                          ? table
                                          : "merge('" + ch->database() + "', '__sluice_')";
            long long written = 0;
            for (int i = 0; i < 100 && written == 0; ++i) {
              std::this_thread::sleep_for(std::chrono::milliseconds(100));
              written = ch->count(where + " WHERE id >= 1000");
            }
            REQUIRE(written > 0);
          }
        }
        // delete_insert emptied the window when the load started; replace_partition never
        // touched the target. Nothing of the load arrives late either.
        const auto before = m.method == ch_adapter::LoadMethod::delete_insert
                                ? std::vector<Row>{kRows[4]}
                                : std::vector<Row>{kRows[0], kRows[4]};
        CHECK(clickhouse_rows(*ch, table) == before);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        CHECK(clickhouse_rows(*ch, table) == before);
        CHECK(staging_tables(*ch) == 0);
      }
    }
  }
}

TEST_CASE(
    "a streamed ClickHouse load refused after blocks were written: a permanent error, none of "
    "its rows left",
    "[integration][clickhouse]") {
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return;
  for (const auto& m : kMethods) {
    DYNAMIC_SECTION(m.name) {
      const std::string table = ch->database() + ".dst";
      auto target = hourly_target(*ch, "dst", m.method);
      auto load = target->start_load(kWindow0, kColumns);
      REQUIRE(load);
      put_generated(**load, kMoreThanABlock);
      // A row ClickHouse cannot read (a Decimal that is not a number); the error comes back
      // from a later put() or from commit().
      Result<void> r = (*load)->put("1\t2024-01-01 00:00:01\tbad\tnot a number\n");
      if (r) r = (*load)->commit();
      REQUIRE_FALSE(r);
      CHECK(r.error().kind == ErrorKind::permanent);
      // 18.16 reports it as code 27 or 72, depending on where its parser stops.
      CHECK_THAT(r.error().message, Catch::StartsWith("ClickHouse INSERT into dst: Code ") &&
                                        Catch::Contains("Cannot parse"));
      load->reset();
      CHECK(ch->count(table) == 0);
      CHECK(staging_tables(*ch) == 0);
    }
  }
}
