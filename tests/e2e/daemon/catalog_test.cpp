// The pipeline catalog with two sluiced processes on one database, driven over HTTP: a
// pipeline created, updated (twice at once from the same version), rolled back and deleted
// through the API is followed by both daemons; each window records the version it ran with;
// a file pipeline's text is stored once however many daemons load it.
#include <catch2/catch.hpp>

#include <future>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/api_services.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_client.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Hourly windows of `table` into dst from 2024-01-01 to `end`.
std::string definition(const std::string& end, const std::string& table = "src",
                       const std::string& comment = "") {
  return "# the catalog's copy" + comment +
         "\nid: cat\nsource:\n  connection: db\n  table: " + table +
         "\n  time_column: event_time\ntarget:\n  connection: db\n  table: dst\n"
         "schedule:\n  cron: \"0 * * * *\"\n  timezone: UTC\nwindow:\n  granularity: 1h\n"
         "  start_date: \"2024-01-01\"\n  end_date: \"" +
         end + "\"\nmax_active_windows: 4\n";
}

struct Fleet {
  test::TestDatabase db;
  std::unique_ptr<store::Connection> c;
  test::TempDir dir;
  std::unique_ptr<test::DaemonProcess> a, b;
  unsigned short port = 0;

  Fleet()
      : c(test::prepared(db, test::slow_source_sql(0) +
                                 ";INSERT INTO src_data SELECT g, '2024-01-01'::timestamptz + g * "
                                 "interval '1 hour' + interval '10 minutes', 'x' "
                                 "FROM generate_series(1, 9) g;"
                                 "CREATE VIEW src_slow AS SELECT id, event_time, note "
                                 "FROM src_data WHERE slow_gate(1.5);"
                                 "CREATE TABLE dst_file (LIKE src_data)")) {
    test::DaemonSettings settings;
    settings.http = test::api_http_section().substr(std::string("http:\n").size());
    test::write_daemon_file(dir.path(), settings);
    test::write_pipeline(dir.path(), "filed", "src", "dst_file", "2024-01-01",
                         "2024-01-01T02:00:00Z");
    a = std::make_unique<test::DaemonProcess>(dir.path(), db.url(), "a");
    b = std::make_unique<test::DaemonProcess>(dir.path(), db.url(), "b");
    const bool serving =
        test::eventually([&] { return (port = test::served_port(a->log())) != 0; }, 20s) &&
        test::eventually([&] { return test::served_port(b->log()) != 0; }, 20s);
    INFO(a->log() << b->log());
    REQUIRE(serving);
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  test::HttpAnswer send(const std::string& method, const std::string& path,
                        const std::string& body = "", const std::string& if_match = "",
                        const char* token = test::kAdminToken) const {
    return test::http_request(url(path), {.method = method,
                                          .token = token,
                                          .body = body,
                                          .content_type = "application/yaml",
                                          .if_match = if_match});
  }
  std::int64_t count(const std::string& where) const {
    return test::count(
        *c, "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'cat' AND " + where);
  }
  // Both daemons logged a reload naming what changed.
  bool both_logged(const std::string& text, std::size_t times) const {
    const auto seen = [&](const std::string& log) {
      std::size_t n = 0;
      for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
      return n >= times;
    };
    return seen(a->log()) && seen(b->log());
  }
};

}  // namespace

TEST_CASE("two daemons follow the catalog: create, update, concurrent updates, rollback, delete",
          "[e2e][daemon][catalog]") {
  Fleet f;

  // A file pipeline's text is stored once, by whichever daemon came first.
  REQUIRE(test::eventually(
      [&] {
        return test::count(*f.c,
                           "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'filed' "
                           "AND pipeline_status IN ('SUCCESS', 'SKIPPED')") == 2;
      },
      30s));
  CHECK(test::count(*f.c,
                    "SELECT count(*) FROM pipeline_definitions WHERE pipeline_id = 'filed' "
                    "AND origin = 'file'") == 1);
  CHECK(test::count(*f.c,
                    "SELECT count(*) FROM pipeline_records r JOIN pipeline_definitions d "
                    "ON d.pipeline_id = r.pipeline_id AND d.version = r.config_version "
                    "WHERE r.pipeline_id = 'filed' AND d.origin = 'file'") == 2);

  // Create: both daemons load it at once (NOTIFY), and its windows record version 1.
  const auto v1 = definition("2024-01-01T03:00:00Z");
  const auto created = f.send("POST", "/api/v1/pipelines", v1);
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(json::parse(created.body)["version"] == 1);
  const auto posted = std::chrono::steady_clock::now();
  REQUIRE(test::eventually([&] { return f.both_logged("added cat", 1); }, 10s));
  // The issue asks for a second; under the sanitizers and a loaded CI machine the NOTIFY
  // path measured 50-300 ms. The poll (1 s here) is the fallback.
  WARN("both daemons reloaded after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - posted)
                                             .count()
                                      << " ms");
  REQUIRE(test::eventually(
      [&] { return f.count("pipeline_status IN ('SUCCESS', 'SKIPPED')") == 3; }, 30s));
  CHECK(f.count("config_version = 1") == 3);

  // Update from version 1: the new windows carry version 2, the old keep 1.
  CHECK(f.send("PUT", "/api/v1/pipelines/cat", definition("2024-01-01T06:00:00Z")).status == 428);
  const auto updated =
      f.send("PUT", "/api/v1/pipelines/cat", definition("2024-01-01T06:00:00Z"), "\"1\"");
  INFO(updated.body);
  REQUIRE(updated.status == 200);
  REQUIRE(test::eventually(
      [&] { return f.count("pipeline_status IN ('SUCCESS', 'SKIPPED')") == 6; }, 30s));
  CHECK(f.count("config_version = 1 AND window_start_time < '2024-01-01T03:00Z'") == 3);
  CHECK(f.count("config_version = 2 AND window_start_time >= '2024-01-01T03:00Z'") == 3);
  // Which definition loaded a window: the record says.
  const auto id = test::count(*f.c,
                              "SELECT id FROM pipeline_records WHERE pipeline_id = 'cat' AND "
                              "window_start_time = '2024-01-01T04:00Z'");
  const auto shown = test::http_request(f.url("/api/v1/records/" + std::to_string(id)),
                                        {.token = test::kViewerToken});
  REQUIRE(shown.status == 200);
  const auto loaded_by = json::parse(shown.body)["definition"];
  CHECK(loaded_by["version"] == 2);
  CHECK(loaded_by["origin"] == "catalog");
  CHECK(loaded_by["created_by"] == "root");

  // Two updates from version 2 at once: one lands, the other is told another came first.
  auto put = [&](const std::string& tag) {
    return f.send("PUT", "/api/v1/pipelines/cat", definition("2024-01-01T06:00:00Z", "src", tag),
                  "\"2\"");
  };
  auto first = std::async(std::launch::async, put, " (left)");
  auto second = std::async(std::launch::async, put, " (right)");
  const std::multiset<int> statuses{first.get().status, second.get().status};
  CHECK(statuses == std::multiset<int>{200, 412});
  CHECK(test::count(
            *f.c, "SELECT max(version) FROM pipeline_definitions WHERE pipeline_id = 'cat'") == 3);

  // Rollback to 1: version 4 is version 1's exact text.
  const auto back = test::http_request(f.url("/api/v1/pipelines/cat/rollback"),
                                       {.method = "POST",
                                        .token = test::kAdminToken,
                                        .body = R"({"to": 1, "comment": "back to three hours"})"});
  INFO(back.body);
  REQUIRE(back.status == 200);
  CHECK(json::parse(back.body)["version"] == 4);
  const auto v4 =
      test::http_request(f.url("/api/v1/pipelines/cat/versions/4"), {.token = test::kViewerToken});
  REQUIRE(v4.status == 200);
  CHECK(json::parse(v4.body)["yaml"] == v1);

  // Deleting while windows run: they finish, no window is made after, records stay.
  const auto slow = f.send("PUT", "/api/v1/pipelines/cat",
                           definition("2024-01-01T09:00:00Z", "src_slow"), "\"4\"");
  INFO(slow.body);
  REQUIRE(slow.status == 200);
  REQUIRE(test::eventually([&] { return f.count("pipeline_status = 'IN_PROGRESS'") > 0; }, 30s));
  const auto deleted = f.send("DELETE", "/api/v1/pipelines/cat", "", "\"5\"");
  INFO(deleted.body);
  REQUIRE(deleted.status == 200);
  const auto running_at_delete = test::count(
      *f.c,
      "SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'cat' AND pipeline_status "
      "= 'IN_PROGRESS'");
  REQUIRE(test::eventually([&] { return f.both_logged("removed cat", 1); }, 10s));
  const auto records = f.count("true");
  REQUIRE(test::eventually([&] { return f.count("pipeline_status = 'IN_PROGRESS'") == 0; }, 30s));
  CHECK(f.count("pipeline_status = 'FAILED'") == 0);
  CHECK(f.count("window_start_time >= '2024-01-01T06:00Z' AND pipeline_status IN ('SUCCESS', "
                "'SKIPPED')") >= running_at_delete);
  std::this_thread::sleep_for(2s);  // two polls: still nothing new, nothing claimed
  CHECK(f.count("true") == records);
  CHECK(f.count("pipeline_status = 'IN_PROGRESS'") == 0);

  // Every change has its audit row, by the admin token's name.
  CHECK(test::count(*f.c,
                    "SELECT count(*) FROM audit_log WHERE pipeline_id = 'cat' AND actor = 'root' "
                    "AND command LIKE 'pipeline %'") == 6);
  INFO(f.a->log());
  CHECK_FALSE(f.a->log_contains(test::kAdminToken));
}
