// The limits a channel's settings put on delivery, on a real PostgreSQL with real receivers:
// `max_attempts` ends the retries, a webhook's `timeout` cuts a receiver that hangs, and an
// SMTP server that wants a login gets `username` and the secret `password`.
#include <catch2/catch.hpp>

#include <atomic>

#include "tests/integration/notify/outbox_fixture.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/mail_sink.hpp"

using namespace sluice;
using namespace sluice::notify;
using namespace sluice::test::outbox;
using namespace std::chrono_literals;

TEST_CASE("a receiver answering 503 at every attempt is given up after max_attempts",
          "[integration][notify][webhook]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  test::HttpTestServer sink(
      [&](const test::HttpRequest&) { return test::HttpResponse::json("{}", 503); });
  auto config = webhook_config(sink.base_url(), {"orders"});
  config.daemon.notifications.max_attempts = 3;
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 1);
  Outbox outbox(*c, "test:1");
  pass_until(outbox, d, [&] {
    return test::count(*c,
                       "SELECT count(*) FROM notification_deliveries WHERE status = "
                       "'given_up'") == 1;
  });
  auto list = outbox.list({.status = std::string("given_up")});
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().attempts == 3);
  CHECK(list->front().last_error.find("HTTP 503") != std::string::npos);
  CHECK(sink.request_count() == 3);
  // Given up is final: later passes send nothing more.
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  CHECK(sink.request_count() == 3);
}

TEST_CASE("a receiver slower than the webhook's timeout is cut off and tried again",
          "[integration][notify][webhook]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  std::atomic<int> calls{0};
  test::HttpTestServer sink([&](const test::HttpRequest&) {
    auto r = test::HttpResponse::json("{}");
    if (++calls == 1) r.delay = 5s;  // hangs at first, answers at once later
    return r;
  });
  auto config = webhook_config(sink.base_url(), {"orders"});
  config.pipelines[0].notifications.webhooks[0].timeout = 300ms;
  const Directory d(config);
  register_kinds(*c, "orders", d.kinds_of("orders").names());
  finish_window(*c, "orders", 1);
  Outbox outbox(*c, "test:1");
  REQUIRE(run_pass(outbox, d, wire_sender(d), {}, false));
  auto pending = outbox.list({.status = std::string("pending")});
  REQUIRE(pending);
  REQUIRE(pending->size() == 1);
  CHECK(pending->front().attempts == 1);
  INFO(pending->front().last_error);
  CHECK(pending->front().last_error.find("timed out") != std::string::npos);
  CHECK(pending->front().last_error.find(kSecretUrlPart) == std::string::npos);
  pass_until(outbox, d, [&] {
    return test::count(*c, "SELECT count(*) FROM notification_deliveries WHERE status = 'sent'") ==
           1;
  });
  CHECK(calls == 2);
}

TEST_CASE("an SMTP server that wants a login gets username and password, none is refused",
          "[integration][notify][email]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  constexpr const char* kPassword = "pa55-w0rd-for-smtp";
  test::MailSink mail(test::MailSink::Login{"sluice", kPassword});
  config::Config config;
  config.daemon.notifications.digest_interval = 0s;
  config.daemon.notifications.max_attempts = 1;
  config.daemon.notifications.smtp =
      config::SmtpConfig{.url = mail.url(),
                         .from = "sluice@example.com",
                         .starttls = config::SmtpConfig::StartTls::off};
  config::PipelineConfig p;
  p.id = PipelineId{"orders"};
  p.zone = time::utc_zone();
  p.notifications.email_list = {"team@example.com"};
  config.pipelines.push_back(p);
  Outbox outbox(*c, "test:1");
  {
    // Without a login the server refuses the message: nothing arrives, the error is kept.
    const Directory anonymous(config);
    register_kinds(*c, "orders", anonymous.kinds_of("orders").names());
    finish_window(*c, "orders", 1);
    REQUIRE(run_pass(outbox, anonymous, wire_sender(anonymous), {}, false));
  }
  CHECK(mail.messages().empty());
  auto given_up = outbox.list({.status = std::string("given_up")});
  REQUIRE(given_up);
  REQUIRE(given_up->size() == 1);
  INFO(given_up->front().last_error);
  CHECK(given_up->front().last_error.find("SMTP") != std::string::npos);

  config.daemon.notifications.smtp->username = "sluice";
  config.daemon.notifications.smtp->password =
      config::Secret::literal(kPassword, config::Secrecy::opaque);
  const Directory login(config);
  finish_window(*c, "orders", 2);
  REQUIRE(run_pass(outbox, login, wire_sender(login), {}, false));
  const auto messages = mail.messages();
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].find("run ID: run-orders-2") != std::string::npos);
  CHECK(messages[0].find(kPassword) == std::string::npos);
  auto sent = outbox.list({.status = std::string("sent")});
  REQUIRE(sent);
  CHECK(sent->size() == 1);
}
