// Data checks seen by an operator: `sluicectl validate` refusing a check with its place, and
// `records show` listing a window's checks after its events (table and JSON), a failed check
// of severity error in the record's audit_result and error.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;

namespace {

// copy_events' windows, with checks: 4 rows in the window of 00:00, one note NULL.
// `extra`: keys before `checks:` (line 15 on).
void write_checked(const test::CtlEnv& e, const std::string& checks,
                   const std::string& extra = "") {
  test::write_file(e.dir.path() / "pipelines.d" / "checked.yaml",
                   "id: checked\nsource:\n  connection: db\n  table: src\n  time_column: "
                   "event_time\ntarget:\n  connection: db\n  table: dst\nwindow:\n  granularity: "
                   "1h\n  start_date: \"2024-01-01\"\n  end_date: \"2024-01-01T01:00:00Z\"\n"
                   "retries:\n  max: 0\n" +
                       extra + "checks:\n" + checks);
  test::run_sql(*e.c,
                "INSERT INTO src VALUES (1, '2024-01-01T00:00Z', 'a'), (2, '2024-01-01T00:15Z', "
                "NULL), (3, '2024-01-01T00:30Z', E'ünï \"q\"'), (3, '2024-01-01T00:45Z', 'd')");
}

}  // namespace

TEST_CASE("records show lists a window's data checks after its events", "[e2e][ctl][checks]") {
  test::CtlEnv e;
  write_checked(e,
                "  - {not_null: [note], severity: warn}\n"
                "  - unique: [event_time]\n"
                "  - {name: ids, sql: 'SELECT count(DISTINCT id) FROM dst WHERE event_time >= "
                ":window_start AND event_time < :window_end', min: 3, max: 3}\n");
  const auto run = e.ctl({"run-once", "checked"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string id =
      std::to_string(e.count("SELECT id FROM pipeline_records WHERE pipeline_id = 'checked' AND "
                             "pipeline_status = 'SUCCESS'"));

  const auto show = e.ctl({"records", "show", id});
  INFO(show.err);
  REQUIRE(show.exit_code == 0);
  const auto at = show.out.find("\nchecks:\nAT ");
  REQUIRE(at != std::string::npos);
  CHECK(show.out.find("\nevents:\n") < at);
  const std::string table = show.out.substr(at);
  CHECK(table.find("CHECK") != std::string::npos);
  CHECK(table.find("SEVERITY") != std::string::npos);
  CHECK(table.find("not_null_note") != std::string::npos);
  CHECK(table.find("1 row of the window with NULL in note") != std::string::npos);
  CHECK(table.find("FAILED") != std::string::npos);
  CHECK(table.find("passed") != std::string::npos);
  CHECK(table.find("returned 3 (min 3, max 3)") != std::string::npos);

  const auto json = nlohmann::json::parse(e.ctl({"-o", "json", "records", "show", id}).out);
  REQUIRE(json["checks"].size() == 3);
  CHECK(json["checks"][0]["check_name"] == "not_null_note");
  CHECK(json["checks"][0]["passed"] == false);
  CHECK(json["checks"][0]["severity"] == "warn");
  CHECK(json["checks"][0]["observed"] == "1");
  CHECK(json["checks"][1]["kind"] == "unique");
  CHECK(json["checks"][1]["passed"] == true);
  CHECK(json["checks"][2]["observed"] == "3");
  CHECK(json["checks"][0]["run_id"] == json["dag_run_id"]);
  CHECK(json["audit_result"] == "PASS");
}

TEST_CASE("a failed check of severity error shows in the record and the list",
          "[e2e][ctl][checks]") {
  test::CtlEnv e;
  write_checked(e, "  - unique: [id]\n");
  const auto run = e.ctl({"run-once", "checked"});
  INFO(run.err);
  const auto json = nlohmann::json::parse(
      e.ctl({"-o", "json", "records", "show",
             std::to_string(e.count("SELECT id FROM pipeline_records WHERE pipeline_id = "
                                    "'checked'"))})
          .out);
  CHECK(json["pipeline_status"] == "FAILED");
  CHECK(json["audit_result"] == "CHECK_FAILED");
  CHECK(json["error_message"] ==
        "integrity: check 'unique_id' failed: 1 duplicate row: 1 value of (id) appears more "
        "than once");
  CHECK(json["checks"][0]["passed"] == false);
  const auto list = e.ctl({"records", "list", "-p", "checked"});
  CHECK(list.out.find("integrity: check 'unique_id' failed") != std::string::npos);
}

TEST_CASE("validate refuses a check with the file, line and column of its mistake",
          "[e2e][ctl][checks]") {
  test::CtlEnv e;
  write_checked(e, "  - not_null: [id, nte]\n",
                "ddl: CREATE TABLE dst (id int, event_time timestamptz, note text)\n");
  const auto r = e.ctl({"validate"});
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("checked.yaml:17:20: checks[0].not_null[1]: unknown column 'nte'") !=
        std::string::npos);
}
