// A worker killed between the audit and its stage cleanup leaves the window's stage behind:
// sluiced's cleanup duty removes it (and a FAILED window's past `stage.keep_failed`), and
// `sluicectl run-once` does the same; stages a run may still need, or that no record
// explains, stay.
#include <catch2/catch.hpp>

#include <signal.h>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const Instant kStart = Instant{date::sys_days{date::year{2024} / 1 / 1}};

// Writes a complete stage of window `hour` of `pipeline`, as a killed worker leaves it.
fs::path leave_stage(const fs::path& root, const std::string& pipeline, int hour) {
  adapters::LocalStage stage(root);
  const adapters::WindowContext ctx{
      PipelineId{pipeline},
      Window{kStart + std::chrono::hours(hour), kStart + std::chrono::hours(hour + 1)},
      RunId{"scheduled__killed"}};
  auto writer = stage.open_writer(ctx);
  REQUIRE(writer);
  REQUIRE((*writer)->begin(std::vector<adapters::Column>{{"id"}}));
  REQUIRE((*writer)->row(std::vector<adapters::Field>{std::string_view("1")}));
  REQUIRE((*writer)->commit());
  return stage.window_dir(ctx);
}

// Window `hour`'s record FAILED `age` ago (its last update back-dated past the touch trigger).
void failed_since(store::Connection& c, int hour, const std::string& age) {
  test::run_sql(c,
                "ALTER TABLE pipeline_records DISABLE TRIGGER pipeline_records_touch;"
                "UPDATE pipeline_records SET pipeline_status = 'FAILED', "
                "record_last_updated_time = now() - interval '" +
                    age + "' WHERE window_start_time = '" +
                    format_utc(kStart + std::chrono::hours(hour)) +
                    "';"
                    "ALTER TABLE pipeline_records ENABLE TRIGGER pipeline_records_touch");
}

}  // namespace

TEST_CASE("sluiced's cleanup removes the stage a killed worker left, and keeps the others",
          "[e2e][daemon][stage]") {
  test::TestDatabase db;
  auto c = test::prepared(db,
                          "CREATE TABLE src (id int, event_time timestamptz, note text);"
                          "CREATE TABLE dst (LIKE src);"
                          "INSERT INTO src SELECT i, '2024-01-01'::timestamptz + i * interval "
                          "'20 minutes', 'n' FROM generate_series(0, 8) i");
  test::TempDir dir;
  test::write_daemon_file(dir.path(), {});
  // keep_failed under the stage section the harness writes.
  const fs::path daemon_file = dir.path() / "sluice.yaml";
  std::string text = test::read_file(daemon_file);
  const std::string stage_section = "stage:\n  root: stage\n";
  REQUIRE(text.find(stage_section) != std::string::npos);
  text.replace(text.find(stage_section), stage_section.size(),
               stage_section + "  keep_failed: 1h\n");
  test::write_file(daemon_file, text);
  test::write_pipeline(dir.path(), "swept", "src", "dst", "2024-01-01", "2024-01-01T03:00:00Z");
  {
    test::DaemonProcess first(dir.path(), db.url(), "first");
    REQUIRE(test::eventually(
        [&] {
          return test::count(*c,
                             "SELECT count(*) FROM pipeline_records WHERE pipeline_status = "
                             "'SUCCESS'") == 3;
        },
        30s));
    first.signal(SIGKILL);
    first.wait();
  }
  const fs::path root = dir.path() / "stage";
  CHECK_FALSE(fs::exists(root / "swept" / "20240101T000000Z"));  // the chain cleaned up
  failed_since(*c, 1, "2 hours");
  failed_since(*c, 2, "10 minutes");
  const fs::path success = leave_stage(root, "swept", 0);  // killed after the audit
  const fs::path failed_old = leave_stage(root, "swept", 1);
  const fs::path failed_new = leave_stage(root, "swept", 2);
  const fs::path unknown = leave_stage(root, "swept", 5);  // no record
  const fs::path other = leave_stage(root, "elsewhere", 0);

  test::DaemonProcess second(dir.path(), db.url(), "second");
  CHECK(test::eventually([&] { return !fs::exists(success) && !fs::exists(failed_old); }, 30s));
  CHECK(fs::exists(failed_new));
  CHECK(fs::exists(unknown));
  CHECK(fs::exists(other));
  second.signal(SIGTERM);
  const auto r = second.wait();
  INFO(second.log());
  CHECK(r.exit_code == 0);
  CHECK(second.log_contains("stage sweep: removed the stage of 2 finished window(s)"));
  CHECK(test::count(*c, "SELECT count(*) FROM dst") == 9);
}

TEST_CASE("run-once sweeps the stage of finished windows and says how many", "[e2e][ctl][stage]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::create_ctl_tables(*c);
  test::TempDir dir;
  const auto config = test::write_ctl_config(dir).string();
  auto first = test::run_ctl({"-c", config, "-o", "json", "run-once", "copy_events"}, db.url());
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(nlohmann::json::parse(first.out)["stage_swept"] == 0);
  const fs::path left = leave_stage(dir.path() / "stage", "copy_events", 3);
  auto second = test::run_ctl({"-c", config, "-o", "json", "run-once", "copy_events"}, db.url());
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(nlohmann::json::parse(second.out)["stage_swept"] == 1);
  CHECK_FALSE(fs::exists(left));
}
