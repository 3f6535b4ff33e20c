// Notifications end to end: real sluiced processes, a window that fails for good, a webhook
// sink and an SMTP server. One message each per failure, none for success; a daemon killed
// between the failure's commit and its delivery loses nothing: another sends it, once; and a
// database gone past `db_down_after` is told once, and its return once.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "framework/notify/send.hpp"
#include "tests/e2e/daemon/harness.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/mail_sink.hpp"
#include "tests/support/private_cluster.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// One window of `broken` fails for good at once (its source table does not exist, a
// permanent error); `fine` loads its one window.
void write_pipelines(const std::filesystem::path& dir, const std::string& hook_url) {
  const std::string channels =
      "notifications:\n  email_list: [team@example.com]\n"
      "  webhooks:\n    - name: sink\n      url: " +
      hook_url + "\n      secret: ${env:HOOK_SECRET}\n";
  test::write_pipeline(dir, "broken", "no_such_table", "dst", "2024-01-01T00:00:00Z",
                       "2024-01-01T01:00:00Z", channels);
  test::write_pipeline(dir, "fine", "src", "dst", "2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z",
                       channels);
}

std::string notifications_section(const std::string& smtp_url) {
  return "notifications:\n  digest_interval: 0s\n  retry_delay: 1s\n  smtp:\n    url: " + smtp_url +
         "\n    from: sluice@example.com\n    starttls: 'off'\n";
}

constexpr const char* kSetup =
    "CREATE TABLE src (id int, event_time timestamptz);"
    "CREATE TABLE dst (LIKE src);"
    "INSERT INTO src VALUES (1, '2024-01-01T00:30Z')";

}  // namespace

TEST_CASE("a failing window sends one webhook and one e-mail, a success sends none",
          "[e2e][daemon][notify]") {
  test::TestDatabase db;
  auto c = test::prepared(db, kSetup);
  test::MailSink mail;
  std::mutex mutex;
  std::vector<test::HttpRequest> hooks;
  test::HttpTestServer sink([&](const test::HttpRequest& r) {
    std::lock_guard lock(mutex);
    hooks.push_back(r);
    return test::HttpResponse::json("{}");
  });
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.extra = notifications_section(mail.url());
  test::write_daemon_file(dir.path(), settings);
  write_pipelines(dir.path(), sink.base_url() + "/hook");
  test::DaemonProcess daemon(dir.path(), db.url(), "sluiced", {{"HOOK_SECRET", "s3cret-key-42"}});
  REQUIRE(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM pipeline_records WHERE pipeline_status IN "
                           "('FAILED', 'SUCCESS')") == 2 &&
               sink.request_count() >= 1 && !mail.messages().empty();
      },
      60s));
  std::this_thread::sleep_for(2s);  // anything more would come now
  daemon.signal(SIGTERM);
  CHECK(daemon.wait().exit_code == 0);
  std::lock_guard lock(mutex);
  REQUIRE(hooks.size() == 1);
  const auto body = json::parse(hooks[0].body);
  CHECK(body["pipeline"] == "broken");
  CHECK(body["events"][0]["event"] == "window_failed");
  CHECK(body["events"][0]["window"]["start"] == "2024-01-01T00:00:00+00:00");
  CHECK_FALSE(body["events"][0]["run_id"].is_null());
  CHECK(hooks[0].header("x-sluice-signature") == notify::signature("s3cret-key-42", hooks[0].body));
  const auto mails = mail.messages();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0].find("Subject: [sluice] broken: window failed") != std::string::npos);
  // The secret is in no body, mail or log line.
  CHECK(hooks[0].body.find("s3cret-key-42") == std::string::npos);
  CHECK(mails[0].find("s3cret-key-42") == std::string::npos);
  CHECK_FALSE(daemon.log_contains("s3cret-key-42"));
  CHECK(test::count(*c, "SELECT count(*) FROM notification_deliveries WHERE status = 'sent'") == 2);
}

TEST_CASE(
    "a daemon killed after the failure committed and before delivery: another delivers "
    "it, once",
    "[e2e][daemon][notify]") {
  test::TestDatabase db;
  auto c = test::prepared(db, kSetup);
  auto holder = db.connect();
  test::MailSink mail;
  test::HttpTestServer sink(
      [&](const test::HttpRequest&) { return test::HttpResponse::json("{}"); });
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.extra = notifications_section(mail.url());
  test::write_daemon_file(dir.path(), settings);
  write_pipelines(dir.path(), sink.base_url() + "/hook");
  // The streams of `broken` are held, as by a daemon in the middle of sending: the first
  // daemon commits the failure and its outbox rows, and cannot send them.
  test::run_sql(*holder,
                "INSERT INTO notification_streams VALUES ('broken', 'email', NULL), "
                "('broken', 'webhook:sink', NULL)");
  test::run_sql(*holder, "BEGIN; SELECT * FROM notification_streams FOR UPDATE");
  {
    test::DaemonProcess first(dir.path(), db.url(), "first", {{"HOOK_SECRET", "k"}});
    REQUIRE(test::eventually(
        [&] {
          return test::count(*c,
                             "SELECT count(*) FROM notification_deliveries WHERE status = "
                             "'pending'") == 2;
        },
        60s));
    first.signal(SIGKILL);
    first.wait();
  }
  test::run_sql(*holder, "ROLLBACK");
  CHECK(sink.request_count() == 0);
  CHECK(mail.messages().empty());
  test::DaemonProcess second(dir.path(), db.url(), "second", {{"HOOK_SECRET", "k"}});
  REQUIRE(test::eventually(
      [&] {
        return test::count(*c,
                           "SELECT count(*) FROM notification_deliveries WHERE status = "
                           "'sent'") == 2;
      },
      30s));
  std::this_thread::sleep_for(2s);
  second.signal(SIGTERM);
  second.wait();
  CHECK(sink.request_count() == 1);
  CHECK(mail.messages().size() == 1);
}

TEST_CASE(
    "the database gone longer than db_down_after is told to the daemon's webhooks, and its "
    "return",
    "[e2e][daemon][notify][restart]") {
  test::PrivateCluster pg(61001);
  test::prepared(pg.url(), kSetup);
  test::HttpTestServer sink(
      [&](const test::HttpRequest&) { return test::HttpResponse::json("{}"); });
  test::TempDir dir;
  test::DaemonSettings settings;
  settings.extra =
      "notifications:\n  db_down_after: 2s\n  retry_delay: 1s\n  webhooks:\n"
      "    - name: fleet\n      url: " +
      sink.base_url() + "/fleet\n      events: [database_down]\n";
  test::write_daemon_file(dir.path(), settings);
  test::write_pipeline(dir.path(), "fine", "src", "dst", "2024-01-01T00:00:00Z",
                       "2024-01-01T01:00:00Z");
  test::DaemonProcess daemon(dir.path(), pg.url());
  const auto loaded = [&] {
    auto c = store::connect(pg.url());
    return c && test::count(**c,
                            "SELECT count(*) FROM pipeline_records WHERE "
                            "pipeline_status = 'SUCCESS'") == 1;
  };
  REQUIRE(test::eventually(loaded, 60s));
  pg.stop();
  REQUIRE(test::eventually([&] { return sink.request_count() >= 1; }, 60s));
  pg.start();
  REQUIRE(test::eventually([&] { return sink.request_count() >= 2; }, 60s));
  std::this_thread::sleep_for(2s);
  daemon.signal(SIGTERM);
  daemon.wait();
  const auto requests = sink.requests();
  INFO(daemon.log());
  REQUIRE(requests.size() == 2);  // once each way, not once per failed reconnection
  const auto down = json::parse(requests[0].body);
  const auto back = json::parse(requests[1].body);
  CHECK(down["events"][0]["event"] == "database_down");
  CHECK(back["events"][0]["event"] == "database_back");
  CHECK(back["events"][0]["message"].get<std::string>().find("reachable again") !=
        std::string::npos);
  CHECK(down.dump().find("sluice_restart") == std::string::npos);  // no password, no URL
}
