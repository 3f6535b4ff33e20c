// The notification outbox on a real PostgreSQL, with real receivers: a local HTTP sink for
// webhooks and Debian's aiosmtpd for e-mail. What is written with its cause, what is sent
// once, retried, given up, or gathered into a digest.
#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "framework/notify/notifier.hpp"
#include "framework/store/registry.hpp"
#include "tests/integration/notify/outbox_fixture.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/mail_sink.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using namespace sluice::notify;
using namespace std::chrono_literals;
using nlohmann::json;

using namespace sluice::test::outbox;

TEST_CASE("an event is written with its cause, and only for kinds some channel hears",
          "[integration][notify][outbox]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  finish_window(*c, "unregistered", 0);
  CHECK(outbox_rows(*c) == 0);  // no daemon registered a channel for it

  register_kinds(*c, "orders", {"window_failed", "audit_mismatch", "stale_lock_freed"});
  finish_window(*c, "orders", 1);
  const auto row = test::run_sql(*c,
                                 "SELECT event, run_id, message, window_start = "
                                 "'2024-03-10T01:00Z', record_id IS NOT NULL FROM notifications");
  REQUIRE(row.size() == 1);
  CHECK(row[0][0].as<std::string>() == "window_failed");
  CHECK(row[0][1].as<std::string>() == "run-orders-1");
  CHECK(row[0][2].as<std::string>() == "permanent: boom 1");
  CHECK(row[0][3].as<bool>());
  CHECK(row[0][4].as<bool>());

  // A retry nobody listens to, and a success: nothing.
  finish_window(*c, "orders", 2, "PENDING", "RETRY");
  finish_window(*c, "orders", 3, "SUCCESS", "SUCCESS", "audit");
  CHECK(outbox_rows(*c) == 1);
  // An audit that failed the window is an audit mismatch.
  finish_window(*c, "orders", 4, "FAILED", "FAILED", "audit");
  CHECK(outbox_rows(*c, "event = 'audit_mismatch'") == 1);
  // A stale lock freed (and the window out of retries): both.
  finish_window(*c, "orders", 5, "FAILED", "EXPIRED", "stale_lock_cleanup");
  CHECK(outbox_rows(*c, "event = 'stale_lock_freed'") == 1);
  CHECK(outbox_rows(*c, "event = 'window_failed'") == 2);

  // A change rolled back notifies nobody.
  test::run_sql(*c, "BEGIN");
  finish_window(*c, "orders", 6);
  test::run_sql(*c, "ROLLBACK");
  CHECK(outbox_rows(*c) == 4);

  // A backfill that ends.
  register_kinds(*c, "orders", {"backfill_done", "backfill_failed"});
  test::run_sql(*c,
                "INSERT INTO backfill_requests (pipeline_id, from_time, to_time, status) "
                "VALUES ('orders', '2024-03-01', '2024-03-02', 'RUNNING');"
                "UPDATE backfill_requests SET status = 'DONE'");
  CHECK(outbox_rows(*c, "event = 'backfill_done' AND backfill_id IS NOT NULL") == 1);
}

TEST_CASE("a webhook answering 500 twice then 200 gets the message once, signed, attempts kept",
          "[integration][notify][webhook]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  std::atomic<int> calls{0};
  test::HttpTestServer sink([&](const test::HttpRequest&) {
    return test::HttpResponse::json("{}", ++calls <= 2 ? 500 : 200);
  });
  const auto config = webhook_config(sink.base_url(), {"orders"});
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 9);
  Outbox outbox(*c, "test:1");
  pass_until(outbox, d, [&] { return calls >= 3; });
  pass_until(outbox, d, [&] {
    return test::count(*c, "SELECT count(*) FROM notification_deliveries WHERE status = 'sent'") ==
           1;
  });
  const auto requests = sink.requests();
  REQUIRE(requests.size() == 3);
  // One message: the same id at every attempt, so a receiver may drop a repeat.
  CHECK(requests[0].header("x-sluice-delivery") == requests[2].header("x-sluice-delivery"));
  for (const auto& r : requests) {
    CHECK(r.header("x-sluice-signature") == signature(kSigningKey, r.body));
    CHECK(r.body.find(kSecretUrlPart) == std::string::npos);
    CHECK(r.body.find(kSigningKey) == std::string::npos);
  }
  const auto body = json::parse(requests[2].body);
  CHECK(body["events"][0]["window"]["start"] == "2024-03-10T10:00:00+01:00");
  CHECK(body["events"][0]["window"]["zone"] == "Europe/Paris");
  CHECK(body["events"][0]["run_id"] == "run-orders-9");
  CHECK(body["events"][0]["link"].get<std::string>().starts_with(
      "https://sluice.example/#/records/"));
  auto list = outbox.list({});
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().status == "sent");
  CHECK(list->front().attempts == 3);
  CHECK(list->front().last_error.empty());
  // Nothing is sent twice.
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  CHECK(sink.request_count() == 3);
}

TEST_CASE("a webhook answering 400 is given up, with the error visible and no secret in it",
          "[integration][notify][webhook]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::HttpTestServer sink([&](const test::HttpRequest&) {
    return test::HttpResponse::json("{\"error\":\"no\"}", 400);
  });
  const auto config = webhook_config(sink.base_url(), {"orders"});
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 1);
  Outbox outbox(*c, "test:1");
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  auto list = outbox.list({.status = std::string("given_up")});
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().attempts == 1);
  CHECK(list->front().last_error.find("HTTP 400") != std::string::npos);
  CHECK(list->front().last_error.find(kSecretUrlPart) == std::string::npos);
  CHECK(sink.request_count() == 1);
  // A receiver that is not there at all: tried again, never given up at once.
  finish_window(*c, "orders", 2);
  const auto gone = webhook_config("http://127.0.0.1:9", {"orders"});
  const Directory d2(gone);
  REQUIRE(run_pass(outbox, d2, wire_sender(d2), {}, false));
  auto pending = outbox.list({.status = std::string("pending")});
  REQUIRE(pending);
  REQUIRE(pending->size() == 1);
  CHECK(pending->front().attempts == 1);
  CHECK(pending->front().last_error.find(kSecretUrlPart) == std::string::npos);
  CHECK(pending->front().last_error.find("[webhook URL]") != std::string::npos);
}

TEST_CASE("one sender per stream: a daemon finds the stream another one holds busy",
          "[integration][notify][outbox]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  auto other = db.connect();
  const Directory d(webhook_config("http://127.0.0.1:9", {"orders"}));
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 1);
  Outbox outbox(*c, "a:1");
  REQUIRE(outbox.expand(d) == 1);
  // Two calls: a BEGIN later in the same query string would hold the INSERT uncommitted.
  test::run_sql(*other, "INSERT INTO notification_streams VALUES ('orders', 'webhook:sink', NULL)");
  test::run_sql(*other, "BEGIN; SELECT * FROM notification_streams FOR UPDATE");
  int sent = 0;
  const Sender count = [&](const Channel&, const Message&) {
    ++sent;
    return SendResult{};
  };
  auto streams = outbox.streams(d);
  REQUIRE(streams);
  REQUIRE(streams->size() == 1);
  auto busy = outbox.deliver(d, streams->front(), count);
  REQUIRE(busy);
  CHECK(busy->what == StreamResult::What::busy);
  CHECK(sent == 0);
  test::run_sql(*other, "ROLLBACK");  // the holder died
  auto done = outbox.deliver(d, streams->front(), count);
  REQUIRE(done);
  CHECK(done->what == StreamResult::What::sent);
  CHECK(sent == 1);
  auto again = outbox.deliver(d, streams->front(), count);
  REQUIRE(again);
  CHECK(again->what != StreamResult::What::sent);
  CHECK(sent == 1);
}

TEST_CASE("1,000 failures within the digest interval make one digest per pipeline and channel",
          "[integration][notify][digest]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  std::mutex mutex;
  std::vector<json> bodies;
  test::HttpTestServer sink([&](const test::HttpRequest& r) {
    std::lock_guard lock(mutex);
    bodies.push_back(json::parse(r.body));
    return test::HttpResponse::json("{}");
  });
  const Directory d(webhook_config(sink.base_url(), {"orders", "billing"}, 3s));
  for (const auto* p : {"orders", "billing"}) register_kinds(*c, p, d.kinds_of(p).names());
  Outbox outbox(*c, "test:1");
  // The first failure of each goes at once.
  finish_window(*c, "orders", 0);
  finish_window(*c, "billing", 0);
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  CHECK(sink.request_count() == 2);
  // 999 more of orders and 1 more of billing, within the interval: held back.
  fail_windows(*c, "orders", 1, 999);
  finish_window(*c, "billing", 1);
  auto r = run_pass(outbox, d, wire_sender(d), {}, false);
  REQUIRE(r);
  CHECK(sink.request_count() == 2);
  CHECK(r->next <= 3s);
  pass_until(outbox, d, [&] { return sink.request_count() >= 4; });
  std::this_thread::sleep_for(500ms);
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  std::lock_guard lock(mutex);
  REQUIRE(bodies.size() == 4);
  std::map<std::string, std::vector<json>> by_pipeline;
  for (const auto& b : bodies) by_pipeline[b["pipeline"]].push_back(b);
  CHECK(by_pipeline["orders"][1]["count"] == 999);
  CHECK(by_pipeline["orders"][1]["digest"] == true);
  CHECK(by_pipeline["orders"][1]["listed"] == kMaxListed);
  CHECK(by_pipeline["billing"][1]["count"] == 1);
  CHECK(test::count(*c, "SELECT count(*) FROM notification_deliveries WHERE status <> 'sent'") ==
        0);
  CHECK(test::count(*c, "SELECT count(DISTINCT message_id) FROM notification_deliveries") == 4);
}

TEST_CASE("e-mail goes through a real SMTP server, a refused STARTTLS is given up",
          "[integration][notify][email]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::MailSink mail;
  config::Config config;
  config.daemon.notifications.digest_interval = 0s;
  config.daemon.notifications.smtp =
      config::SmtpConfig{.url = mail.url(),
                         .from = "sluice@example.com",
                         .starttls = config::SmtpConfig::StartTls::off};
  config::PipelineConfig p;
  p.id = PipelineId{"orders"};
  p.zone = time::utc_zone();
  p.notifications.email_list = {"team@example.com", "oncall@example.com"};
  p.notifications.email_on_retry = true;
  config.pipelines.push_back(p);
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 1);
  finish_window(*c, "orders", 2, "SUCCESS", "SUCCESS", "audit");  // not asked for
  Outbox outbox(*c, "test:1");
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  auto messages = mail.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("Subject: [sluice] orders: window failed") != std::string::npos);
  CHECK(messages[0].find("To: team@example.com, oncall@example.com") != std::string::npos);
  CHECK(messages[0].find("run ID: run-orders-1") != std::string::npos);
  // A retry, asked for by email_on_retry: one more.
  finish_window(*c, "orders", 3, "PENDING", "RETRY");
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  CHECK(mail.messages().size() == 2);

  // The server offers no STARTTLS: `required` refuses to send in clear.
  config.daemon.notifications.smtp->starttls = config::SmtpConfig::StartTls::required;
  const Directory strict(config);
  finish_window(*c, "orders", 4);
  REQUIRE(run_pass(outbox, strict, wire_sender(strict), {}, false));
  CHECK(mail.messages().size() == 2);
  auto given_up = outbox.list({.status = std::string("given_up")});
  REQUIRE(given_up);
  REQUIRE(given_up->size() == 1);
  CHECK(given_up->front().last_error.find("SMTP") != std::string::npos);
}

TEST_CASE("a window late past its SLA is notified once", "[integration][notify][sla]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  config::Config config = webhook_config("http://127.0.0.1:9", {"orders"});
  config.pipelines[0].notifications.webhooks[0].events = {"sla_missed"};
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  test::run_sql(*c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
        time_interval, pipeline_status)
    VALUES ('orders', '2024-01-01', now() - interval '4 hours', now() - interval '3 hours', '1h', 'PENDING'),
           ('orders', '2024-01-01', now() - interval '2 hours', now() - interval '1 hour', '1h', 'PENDING'),
           ('orders', '2024-01-01', now() - interval '5 hours', now() - interval '4 hours', '1h', 'SUCCESS'),
           ('orders', '2024-01-01', now() - interval '50 hours', now() - interval '49 hours', '1h',
            'FAILED'))");
  Outbox outbox(*c, "test:1");
  const std::vector<std::pair<std::string, Seconds>> slas{{"orders", Seconds(7200)}};
  // Only the first: the second is within its SLA, the third done, the fourth older than a day.
  CHECK(outbox.record_late_windows(d, slas) == 1);
  CHECK(outbox.record_late_windows(d, slas) == 0);
  CHECK(outbox_rows(*c, "event = 'sla_missed' AND message LIKE 'still PENDING %'") == 1);
}
