// Load modes through the real chain and runner, from YAML, on every SQL target that has them
// (README, Load modes): `append` twice adds the window twice, each run audited on the rows it
// added; `upsert` run again and again leaves one row per key with the newest values, audited
// on the rows holding the window's keys; and what an upsert cannot do is refused with a
// permanent error before anything is written.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "framework/adapters/mysql/statement.hpp"
#include "framework/store/operator.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/config_run.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/test_clickhouse.hpp"

using namespace sluice;

namespace {

// The window: 2024-01-01, the first hour. Source rows 1..5 in it, 6 in the next hour.
constexpr const char* kSource =
    "INSERT INTO src VALUES (1, '2024-01-01 00:00:00+00', 'one', 1), "
    "(2, '2024-01-01 00:10:00+00', 'two', 2), (3, '2024-01-01 00:20:00+00', 'three', 3), "
    "(4, '2024-01-01 00:30:00+00', 'four', 4), (5, '2024-01-01 00:59:59+00', 'five', 5), "
    "(6, '2024-01-01 01:00:00+00', 'next window', 6)";

// A SQL target server and its table `facts` (id, event_time, note, amount).
class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string kind() const = 0;
  // The daemon file's `sink` connection, indented under `connections:`.
  virtual std::string connection() const = 0;
  // `keyed`: id is the table's primary key (ClickHouse: a ReplacingMergeTree ordered by id).
  virtual void create(bool keyed) = 0;
  // A row at `minute` of 2024-01-01.
  virtual void insert(int id, int minute, const std::string& note) = 0;
  // The rows as `id|note` by id (ClickHouse: as FINAL reads them).
  virtual std::vector<std::string> rows() = 0;
};

class PostgresSink final : public Sink {
 public:
  explicit PostgresSink(const test::ChainFixture& f) : f_(f) {}
  std::string kind() const override { return "postgres"; }
  std::string connection() const override {
    return "  sink:\n    kind: postgres\n    url: ${env:PG_URL}\n";
  }
  void create(bool keyed) override {
    f_.exec(std::string("CREATE TABLE facts (id bigint") + (keyed ? " PRIMARY KEY" : "") +
            ", event_time timestamptz NOT NULL, note text, amount numeric(12,2))");
  }
  void insert(int id, int minute, const std::string& note) override {
    f_.exec("INSERT INTO facts VALUES (" + std::to_string(id) +
            ", '2024-01-01T00:00:00Z'::timestamptz + interval '" + std::to_string(minute) +
            " minutes', '" + note + "', 0)");
  }
  std::vector<std::string> rows() override {
    auto c = f_.db().connect();
    std::vector<std::string> out;
    for (const auto& r : test::run_sql(*c, "SELECT id || '|' || note FROM facts ORDER BY id"))
      out.push_back(r[0].c_str());
    return out;
  }

 private:
  const test::ChainFixture& f_;
};

class MariaSink final : public Sink {
 public:
  std::string kind() const override { return "mysql"; }
  std::string connection() const override {
    return "  sink:\n    kind: mysql\n    url: " + my_.url() + "\n";
  }
  void create(bool keyed) override {
    my_.exec(std::string("CREATE TABLE facts (id BIGINT") + (keyed ? " PRIMARY KEY" : "") +
             ", event_time DATETIME(6) NOT NULL, note TEXT, amount DECIMAL(12,2), "
             "KEY (event_time)) CHARACTER SET utf8mb4");
  }
  void insert(int id, int minute, const std::string& note) override {
    my_.exec("INSERT INTO facts VALUES (" + std::to_string(id) +
             ", TIMESTAMP'2024-01-01 00:00:00' + INTERVAL " + std::to_string(minute) +
             " MINUTE, '" + note + "', 0)");
  }
  std::vector<std::string> rows() override {
    auto c = adapters::mysql::Connection::open(my_.params());
    REQUIRE(c);
    auto r = adapters::mysql::query_prepared(
        *c, "SELECT CONCAT(id, '|', note) FROM facts ORDER BY id", {});
    REQUIRE(r);
    std::vector<std::string> out;
    for (const auto& row : *r) out.push_back(row[0].value_or("NULL"));
    return out;
  }

 private:
  test::MysqlDatabase my_;
};

class ClickHouseSink final : public Sink {
 public:
  explicit ClickHouseSink(test::TestClickHouse ch) : ch_(std::move(ch)) {}
  std::string kind() const override { return "clickhouse"; }
  std::string connection() const override {
    return "  sink:\n    kind: clickhouse\n    url: " + ch_.url() +
           "\n    database: " + ch_.database() + "\n";
  }
  void create(bool keyed) override {
    keyed_ = keyed;
    ch_.query_in_database(
        "CREATE TABLE facts (id Int64, event_time DateTime('UTC'), note String, amount "
        "Decimal(12, 2)) ENGINE = " +
        std::string(keyed ? "ReplacingMergeTree ORDER BY id" : "MergeTree ORDER BY event_time"));
  }
  void insert(int id, int minute, const std::string& note) override {
    ch_.query_in_database("INSERT INTO facts VALUES (" + std::to_string(id) +
                          ", toDateTime('2024-01-01 00:00:00', 'UTC') + " +
                          std::to_string(minute * 60) + ", '" + note + "', 0)");
  }
  std::vector<std::string> rows() override {
    const auto body = ch_.query_in_database("SELECT concat(toString(id), '|', note) FROM facts" +
                                            std::string(keyed_ ? " FINAL" : "") + " ORDER BY id");
    std::vector<std::string> out;
    for (std::size_t at = 0; at < body.size();) {
      const auto nl = body.find('\n', at);
      out.push_back(body.substr(at, nl - at));
      at = nl + 1;
    }
    return out;
  }

 private:
  test::TestClickHouse ch_;
  bool keyed_ = false;
};

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;
  std::unique_ptr<Sink> sink;

  // `load`: the target section's load lines.
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const std::string& load) {
    test::write_file(dir.path() / "sluice.yaml",
                     "stage:\n  root: " + f.stage_root().string() +
                         "\nconnections:\n  warehouse:\n    kind: postgres\n    url: "
                         "${env:PG_URL}\n" +
                         sink->connection());
    test::write_file(dir.path() / "pipelines.d" / "facts.yaml",
                     "id: facts\nsource:\n  connection: warehouse\n  table: src\n"
                     "  time_column: event_time\ntarget:\n  connection: sink\n  table: facts\n" +
                         load +
                         "window:\n  granularity: 1h\n  start_date: 2024-01-01\n"
                         "  end_date: 2024-01-01T01:00:00Z\nretries:\n  max: 1\n"
                         "  base_delay: 1s\n  max_delay: 1s\n");
    const auto env = config::Environment::fixed({{"PG_URL", f.db().url()}});
    return test::runtime_of(test::load_test_config(dir.path() / "sluice.yaml", env));
  }

  tasks::RunSummary run(const std::shared_ptr<const tasks::PipelineRuntime>& p) {
    return test::run_until_settled(f, p, test::kNow);
  }

  void rerun(bool force) {
    auto c = f.db().connect();
    store::Operator op(*c, "test");
    const auto n = op.rerun({.pipeline = PipelineId{"facts"}}, Trigger::manual,
                            {.actor = "test", .command = "rerun"}, force);
    REQUIRE(n);
    REQUIRE(*n == 1);
  }

  // `status source_count target_count audit_result` of the window's record.
  std::string record() {
    auto c = f.db().connect();
    const auto r = test::run_sql(*c,
                                 "SELECT concat_ws(' ', pipeline_status, source_count, "
                                 "target_count, coalesce(audit_result, '-')) FROM "
                                 "pipeline_records");
    return r.empty() ? "" : r[0][0].c_str();
  }
  std::string error_message() { return f.error_messages(); }
};

std::unique_ptr<Sink> sink_named(const std::string& kind, const test::ChainFixture& f) {
  if (kind == "postgres") return std::make_unique<PostgresSink>(f);
  if (kind == "mysql") {
    if (!test::mysql_server_url()) return nullptr;
    return std::make_unique<MariaSink>();
  }
  auto ch = test::TestClickHouse::open_or_skip();
  if (!ch) return nullptr;
  return std::make_unique<ClickHouseSink>(std::move(*ch));
}

// A Setup on `kind`'s server with the source's rows, or null (and a warning) without that
// server.
std::unique_ptr<Setup> setup_on(const std::string& kind) {
  auto s = std::make_unique<Setup>();
  s->sink = sink_named(kind, s->f);
  if (!s->sink) {
    WARN("SKIPPED: no " + kind + " server");
    return nullptr;
  }
  s->f.exec(kSource);
  return s;
}

}  // namespace

TEST_CASE("append: each run adds the window's rows, audited on the rows it added",
          "[integration][chain][load_modes]") {
  for (const std::string kind : {"postgres", "mysql"}) {
    DYNAMIC_SECTION(kind) {
      auto s = setup_on(kind);
      if (!s) continue;
      s->sink->create(false);
      s->sink->insert(900, 5, "from elsewhere");
      s->sink->insert(901, 6, "from elsewhere");
      const auto p = s->pipeline("  load: append\n");
      CHECK(s->run(p).success == 1);
      CHECK(s->record() == "SUCCESS 5 5 PASS");
      CHECK(s->sink->rows().size() == 7);

      // Run again: appended again, and the audit still passes on the rows this run added.
      s->rerun(false);
      CHECK(s->run(p).success == 1);
      CHECK(s->record() == "SUCCESS 5 5 PASS");
      const auto rows = s->sink->rows();
      CHECK(rows.size() == 12);
      CHECK(std::count(rows.begin(), rows.end(), "3|three") == 2);
      CHECK(s->f.count("SELECT count(*) FROM pipeline_events WHERE task = 'audit' AND message LIKE "
                       "'%held 7 rows before the load and 12 after%'") == 1);
    }
  }
}

TEST_CASE("upsert: re-running the window leaves one row per key, with the newest values",
          "[integration][chain][load_modes]") {
  for (const std::string kind : {"postgres", "mysql", "clickhouse"}) {
    DYNAMIC_SECTION(kind) {
      auto s = setup_on(kind);
      if (!s) continue;
      s->sink->create(true);
      s->sink->insert(1, 0, "stale");
      s->sink->insert(77, 300, "other window");  // not the window's: untouched
      const auto p = s->pipeline("  load: upsert\n  key: [id]\n");
      CHECK(s->run(p).success == 1);
      INFO(s->error_message());
      CHECK(s->record() == "SUCCESS 5 5 PASS");
      const std::vector<std::string> first{"1|one",  "2|two",  "3|three",
                                           "4|four", "5|five", "77|other window"};
      CHECK(s->sink->rows() == first);

      // Equal counts: loaded already, skipped.
      s->rerun(false);
      CHECK(s->run(p).skipped == 1);
      CHECK(s->sink->rows() == first);

      // The source changed: a forced re-run, twice, updates the rows and doubles none.
      s->f.exec("UPDATE src SET note = 'two, changed' WHERE id = 2");
      auto changed = first;
      changed[1] = "2|two, changed";
      for (int i = 0; i < 2; ++i) {
        s->rerun(true);
        CHECK(s->run(p).success == 1);
        CHECK(s->record() == "SUCCESS 5 5 PASS");
        CHECK(s->sink->rows() == changed);
      }
    }
  }
}

TEST_CASE("upsert refuses, before writing, what would double or drop rows",
          "[integration][chain][load_modes]") {
  struct Case {
    const char* name;
    bool keyed;
    const char* source;             // more rows for the window
    std::vector<std::string> says;  // one of them, as each server's error says it
  };
  const Case cases[] = {
      {"no unique index on the key",
       false,
       nullptr,
       {"unique index on exactly (\"id\")", "UNIQUE index on exactly (`id`)",
        "ReplacingMergeTree table ordered by exactly (`id`)"}},
      {"a key held by two rows of the window",
       true,
       "INSERT INTO src VALUES (3, '2024-01-01 00:40:00+00', 'three again', 3)",
       {"two rows of the window have the same key", "held by more than one row of the window"}},
  };
  for (const std::string kind : {"postgres", "mysql", "clickhouse"}) {
    for (const auto& c : cases) {
      DYNAMIC_SECTION(kind << ": " << c.name) {
        auto s = setup_on(kind);
        if (!s) continue;
        if (c.source) s->f.exec(c.source);
        s->sink->create(c.keyed);
        s->sink->insert(1, 0, "kept");
        const auto p = s->pipeline("  load: upsert\n  key: [id]\n");
        CHECK(s->run(p).failed == 1);
        const std::string error = s->error_message();
        INFO(error);
        CHECK(error.starts_with("permanent: "));
        CHECK(std::any_of(c.says.begin(), c.says.end(), [&](const std::string& text) {
          return error.find(text) != std::string::npos;
        }));
        CHECK(s->sink->rows() == std::vector<std::string>{"1|kept"});
      }
    }
  }
}
