#pragma once
// The rows both ClickHouse pair tests move: three hourly windows from 2024-01-01T00:00Z, the
// middle one empty; NULLs, an empty string, a text `\N`, unicode, quotes, tabs, backslashes,
// carriage returns and newlines inside values; rows exactly on window edges (a row at a
// window's end belongs to the next window; the last one to no window at all).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/copy_text.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/test_clickhouse.hpp"

namespace sluice::test::ch_cases {

using Row = std::vector<std::optional<std::string>>;  // id, event_time (UTC), note, amount

inline const std::vector<Row> kRows = {
    {"1", "2024-01-01 00:00:00", "tab\there", "1.25"},  // on window 0's start
    {"2", "2024-01-01 00:30:00", std::nullopt, std::nullopt},
    {"3", "2024-01-01 00:59:59", "quote ' and \"dq\" and back\\slash", "2.50"},
    {"4", "2024-01-01 02:00:00", "line\nbreak\r ünïcödé ✓ 日本", "3.75"},  // on window 1's end
    {"5", "2024-01-01 02:59:59", "\\N", "0.00"},                           // text, not NULL
    {"6", "2024-01-01 02:15:00", "", "-7.10"},                             // empty, not NULL
    {"7", "2024-01-01 03:00:00", "on the last window's end", "9.00"},      // in no window
};
inline constexpr int kWindows = 3;
inline const std::vector<std::int64_t> kPerWindow = {3, 0, 3};
// The rows the three windows hold (all but the last).
inline std::vector<Row> expected_rows() {
  return {kRows.begin(), kRows.end() - 1};
}

inline std::string pg_literal(const std::optional<std::string>& v) {
  if (!v) return "NULL";
  std::string out = "E'";
  for (char c : *v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "''"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "'";
}

inline void seed_postgres(const ChainFixture& f, const std::string& table) {
  for (const auto& r : kRows) {
    f.exec(fmt::format("INSERT INTO {} VALUES ({}, {}::timestamptz, {}, {})", table, *r[0],
                       pg_literal(*r[1] + "+00"), pg_literal(r[2]), pg_literal(r[3])));
  }
}

inline std::string ch_table_ddl(const std::string& qualified, const std::string& partition_by) {
  return "CREATE TABLE " + qualified +
         " (id Int64, event_time DateTime, note Nullable(String), amount Nullable(Decimal(12, 2))) "
         "ENGINE = MergeTree PARTITION BY " +
         partition_by + " ORDER BY (event_time, id)";
}

// Sent as TabSeparated (COPY text), the format the source reads back.
inline void seed_clickhouse(TestClickHouse& ch, const std::string& qualified) {
  std::string sql = "INSERT INTO " + qualified + " FORMAT TabSeparated\n";
  for (const auto& r : kRows) {
    std::vector<adapters::Field> fields;
    for (const auto& v : r) fields.push_back(v ? adapters::Field(*v) : std::nullopt);
    adapters::copy_text::append_row(sql, fields);
  }
  ch.query(sql);
}

// A TabSeparated answer as rows of values.
inline std::vector<Row> decode(std::string_view tsv) {
  std::vector<Row> rows;
  adapters::copy_text::Decoder decoder;
  std::vector<adapters::Field> fields;
  while (*decoder.next(tsv, fields)) {
    Row row;
    for (const auto& f : fields) row.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    rows.push_back(std::move(row));
  }
  return rows;
}

inline std::vector<Row> clickhouse_rows(TestClickHouse& ch, const std::string& qualified) {
  return decode(ch.query("SELECT id, toString(event_time), note, amount FROM " + qualified +
                         " ORDER BY id FORMAT TabSeparated"));
}

inline std::vector<Row> postgres_rows(const ChainFixture& f, const std::string& table) {
  auto c = f.db().connect();
  const auto result =
      run_sql(*c,
              "SELECT id, to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), note, "
              "amount FROM " +
                  table + " ORDER BY id");
  std::vector<Row> rows;
  for (const auto& r : result) {
    Row row;
    for (const auto& field : r)
      row.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
    rows.push_back(std::move(row));
  }
  return rows;
}

inline adapters::clickhouse::ConnectionOptions connection(const TestClickHouse& ch) {
  adapters::clickhouse::ConnectionOptions o;
  o.url = ch.url();
  o.database = ch.database();
  o.timeout = std::chrono::seconds(60);
  o.connect_timeout = std::chrono::seconds(2);
  return o;
}

inline const Instant kNow = kFixtureStart + std::chrono::hours(24 * 365);

// Runs the pipeline until none of its windows is PENDING or IN_PROGRESS (retries included).
inline tasks::RunSummary settle(ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p) {
  tasks::Runner runner(f.runner_options(2), {p});
  tasks::RunSummary total;
  for (int i = 0; i < 20; ++i) {
    auto s = runner.run_once(kNow);
    if (!s) FAIL(s.error().message);
    total.success += s->success;
    total.skipped += s->skipped;
    total.failed += s->failed;
    total.retries += s->retries;
    if (f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status IN ('PENDING', "
                "'IN_PROGRESS')") == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  return total;
}

}  // namespace sluice::test::ch_cases
