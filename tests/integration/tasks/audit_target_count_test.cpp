// `audit.target_count` through the real chain on PostgreSQL (README, The audit's target
// count): `loaded` compares the source with the rows the load's COPY (or INSERT) said it
// wrote, and says so in the audit's event; a target trigger that drops rows still fails it;
// `recount` counts the target's window again after the commit, as before.
#include <catch2/catch.hpp>

#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

using test::kNow;

// 50 rows in the window (2024-01-01, the first hour), one in the next.
constexpr const char* kSource =
    "INSERT INTO src SELECT i, '2024-01-01T00:00:00Z'::timestamptz + i * interval '1 minute', "
    "'row ' || i, i FROM generate_series(1, 50) i;"
    "INSERT INTO src VALUES (51, '2024-01-01T01:00:00Z', 'next window', 51)";

// A BEFORE INSERT trigger on the target: every 10th row dropped (COPY does not count it).
constexpr const char* kDropTenth =
    "CREATE FUNCTION drop_tenth() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id % 10 = 0 THEN RETURN NULL; END IF; RETURN NEW; END $$;"
    "CREATE TRIGGER drop_tenth BEFORE INSERT ON facts FOR EACH ROW EXECUTE FUNCTION drop_tenth()";

// One written, but outside the window: COPY counts it, a count of the window does not.
constexpr const char* kMoveThird =
    "CREATE FUNCTION move_third() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id = 3 THEN NEW.event_time := NEW.event_time + interval '1 day'; END IF; "
    "RETURN NEW; END $$;"
    "CREATE TRIGGER move_third BEFORE INSERT ON facts FOR EACH ROW EXECUTE FUNCTION move_third()";

struct Load {
  const char* name;
  const char* target;     // the target section's lines after its table
  const char* transform;  // a transform section, or ""
};

// A plain COPY into the table (replace_window, append), and COPY into a temporary table then
// INSERT ... SELECT (a computed column): each reports its own count.
const Load kLoads[] = {
    {"replace_window", "", ""},
    {"append", "  load: append\n", ""},
    {"computed column", "",
     "transform:\n  columns:\n  - name: id\n  - name: event_time\n  - name: note\n"
     "  - name: amount\n    sql: \"length(note)\"\n"},
};

struct Setup {
  test::ChainFixture f;
  test::TempDir dir;

  Setup() {
    f.exec(kSource);
    f.exec(
        "CREATE TABLE facts (id bigint, event_time timestamptz NOT NULL, note text, amount "
        "numeric(12,2))");
  }

  // `sink`: the target's connection, `warehouse` (this PostgreSQL) unless `connections`
  // defines another.
  std::shared_ptr<const tasks::PipelineRuntime> pipeline(const Load& load,
                                                         const std::string& target_count,
                                                         const std::string& sink = "warehouse",
                                                         const std::string& connections = "") {
    return f.runtime_from_yaml(
        dir.path(), "facts.yaml",
        std::string("id: facts\nsource:\n  connection: warehouse\n  table: src\n"
                    "  time_column: event_time\ntarget:\n  connection: ") +
            sink + "\n  table: facts\n" + load.target + load.transform +
            "window:\n  granularity: 1h\n  start_date: 2024-01-01\n"
            "  end_date: 2024-01-01T01:00:00Z\nretries:\n  max: 1\n  base_delay: 1s\n"
            "  max_delay: 1s\naudit:\n  target_count: " +
            target_count + "\n",
        connections);
  }

  tasks::RunSummary run(const std::shared_ptr<const tasks::PipelineRuntime>& p) {
    return test::run_until_settled(f, p, kNow);
  }

  // `status source_count target_count audit_result` of the window's record.
  std::string record() const {
    return text(
        "SELECT concat_ws(' ', pipeline_status, source_count, target_count, "
        "coalesce(audit_result, '-')) FROM pipeline_records");
  }
  std::string audit_message() const {
    return text(
        "SELECT coalesce(max(message), '') FROM pipeline_events WHERE task = 'audit' AND "
        "record_id = (SELECT id FROM pipeline_records)");
  }
  std::string text(const std::string& sql) const {
    auto c = f.db().connect();
    const auto r = test::run_sql(*c, sql);
    return r.empty() ? "" : r[0][0].c_str();
  }
};

constexpr const char* kLoadedSays = "(audit.target_count: loaded)";

}  // namespace

TEST_CASE("audit.target_count loaded: the audit takes the rows the load reported",
          "[integration][chain][audit]") {
  for (const auto& load : kLoads) {
    DYNAMIC_SECTION(load.name) {
      Setup s;
      CHECK(s.run(s.pipeline(load, "loaded")).success == 1);
      INFO(s.f.error_messages());
      CHECK(s.record() == "SUCCESS 50 50 PASS");
      CHECK(s.audit_message() ==
            std::string("target count: the 50 rows the target reported for the load ") +
                kLoadedSays);
      CHECK(s.f.count("SELECT count(*) FROM facts") == 50);
    }
  }
}

TEST_CASE("audit.target_count loaded counts what COPY wrote, not what the window holds after",
          "[integration][chain][audit]") {
  // A row moved out of the window by the target: the load wrote all 50 (loaded passes,
  // though the window now holds 49), and a recount sees 49 (FAIL). Which count the audit
  // took is in its record.
  for (const auto& load : kLoads) {
    DYNAMIC_SECTION(load.name << ": loaded") {
      Setup s;
      s.f.exec(kMoveThird);
      CHECK(s.run(s.pipeline(load, "loaded")).success == 1);
      CHECK(s.record() == "SUCCESS 50 50 PASS");
      CHECK(s.f.count("SELECT count(*) FROM facts WHERE event_time < '2024-01-01T01:00:00Z'") ==
            49);
    }
    DYNAMIC_SECTION(load.name << ": recount") {
      Setup s;
      s.f.exec(kMoveThird);
      CHECK(s.run(s.pipeline(load, "recount")).failed == 1);
      CHECK(s.record() == "FAILED 50 49 FAIL");
      CHECK(s.audit_message().find(kLoadedSays) == std::string::npos);
    }
  }
}

TEST_CASE("a target trigger that drops every 10th row fails the audit in either mode",
          "[integration][chain][audit]") {
  for (const auto& load : kLoads) {
    for (const std::string mode : {"loaded", "recount"}) {
      DYNAMIC_SECTION(load.name << ": " << mode) {
        Setup s;
        s.f.exec(kDropTenth);
        CHECK(s.run(s.pipeline(load, mode)).failed == 1);
        CHECK(s.record() == "FAILED 50 45 FAIL");
        const auto message = s.audit_message();
        INFO(message);
        CHECK(message.starts_with("integrity: audit failed: source 50 rows, target 45 rows"));
        CHECK((message.find("the 45 rows the target reported for the load") != std::string::npos) ==
              (mode == "loaded"));
        CHECK(s.f.count("SELECT count(*) FROM facts") == 45);
      }
    }
  }
}

TEST_CASE("audit.target_count loaded, append: each run is audited on the rows it added",
          "[integration][chain][audit]") {
  Setup s;
  // Rows the target held before: the loaded count is this run's, whatever was there.
  s.f.exec("INSERT INTO facts SELECT * FROM src WHERE id <= 7");
  const auto p = s.pipeline(kLoads[1], "loaded");
  CHECK(s.run(p).success == 1);
  CHECK(s.record() == "SUCCESS 50 50 PASS");
  CHECK(s.f.count("SELECT count(*) FROM facts") == 57);
}

TEST_CASE("audit.target_count loaded on MariaDB takes LOAD DATA's affected rows",
          "[integration][chain][audit][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  // A trigger moves row 3 out of the window (a MariaDB trigger cannot drop a row): the load
  // wrote 50 rows, the window holds 49.
  for (const std::string mode : {"loaded", "recount"}) {
    for (const auto& load : {kLoads[0], kLoads[1]}) {
      DYNAMIC_SECTION(load.name << ": " << mode) {
        Setup s;
        test::MysqlDatabase my;
        my.exec(
            "CREATE TABLE facts (id BIGINT, event_time DATETIME(6) NOT NULL, note TEXT, amount "
            "DECIMAL(12,2), KEY (event_time)) CHARACTER SET utf8mb4");
        my.exec(
            "CREATE TRIGGER move_third BEFORE INSERT ON facts FOR EACH ROW IF NEW.id = 3 THEN SET "
            "NEW.event_time = NEW.event_time + INTERVAL 1 DAY; END IF");
        const auto p =
            s.pipeline(load, mode, "sink", "  sink:\n    kind: mysql\n    url: " + my.url() + "\n");
        INFO(s.f.error_messages());
        if (mode == "loaded") {
          CHECK(s.run(p).success == 1);
          CHECK(s.record() == "SUCCESS 50 50 PASS");
          CHECK(s.audit_message() ==
                std::string("target count: the 50 rows the target reported for the load ") +
                    kLoadedSays);
        } else {
          CHECK(s.run(p).failed == 1);
          CHECK(s.record() == "FAILED 50 49 FAIL");
        }
        CHECK(my.count("SELECT count(*) FROM facts") == 50);
      }
    }
  }
}
