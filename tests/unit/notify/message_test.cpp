// What a notification says: subjects, the documented JSON body, Slack's text, the e-mail as
// sent, and the signature, from fixed inputs.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "framework/notify/message.hpp"
#include "framework/notify/send.hpp"

using namespace sluice;
using namespace sluice::notify;
using nlohmann::json;

namespace {

Instant at(std::int64_t s) {
  return Instant(Seconds(s));
}

Event failed_window() {
  Event e;
  e.id = 7;
  e.kind = EventKind::window_failed;
  e.pipeline = "orders";
  e.record_id = 42;
  e.window_start = at(1710061200);  // 2024-03-10T09:00:00Z, 01:00 in Los Angeles (PST)
  e.window_end = at(1710064800);
  e.run_id = "run-abc";
  e.message = "permanent: relation \"src\" does not exist";
  e.at = at(1710068400);
  return e;
}

Message single(const Event& e) {
  return Message{.id = "10-10",
                 .pipeline = e.pipeline,
                 .channel = "webhook:ops",
                 .events = {e},
                 .count = 1,
                 .by_kind = {{e.kind, 1}},
                 .sent_at = at(1710068460),
                 .host = "db1:42"};
}

RenderContext la() {
  return {.zone = *time::locate_zone("America/Los_Angeles"),
          .public_url = "https://sluice.example"};
}

}  // namespace

TEST_CASE("a single event's subject names pipeline, event and window in the pipeline's zone",
          "[notify][message]") {
  // The hour the clocks spring forward: it ends at 03:00 PDT, there is no 02:00 that day.
  CHECK(subject(single(failed_window()), la()) ==
        "[sluice] orders: window failed: window 2024-03-10T01:00:00-08:00 to "
        "2024-03-10T03:00:00-07:00 (America/Los_Angeles)");
  auto ctx = la();
  ctx.zone = *time::locate_zone("Asia/Kolkata");
  CHECK(subject(single(failed_window()), ctx) ==
        "[sluice] orders: window failed: window 2024-03-10T14:30:00+05:30 to "
        "2024-03-10T15:30:00+05:30 (Asia/Kolkata)");
}

TEST_CASE("the webhook body follows the documented schema", "[notify][message]") {
  const auto body = json::parse(webhook_json(single(failed_window()), la()));
  CHECK(body["type"] == "sluice.notification");
  CHECK(body["version"] == 1);
  CHECK(body["id"] == "10-10");
  CHECK(body["pipeline"] == "orders");
  CHECK(body["channel"] == "webhook:ops");
  CHECK(body["digest"] == false);
  CHECK(body["count"] == 1);
  CHECK(body["listed"] == 1);
  CHECK(body["host"] == "db1:42");
  CHECK(body["sent_at"] == "2024-03-10T11:01:00Z");
  const auto& e = body["events"][0];
  CHECK(e["event"] == "window_failed");
  CHECK(e["record_id"] == 42);
  CHECK(e["run_id"] == "run-abc");
  CHECK(e["window"]["start"] == "2024-03-10T01:00:00-08:00");
  CHECK(e["window"]["zone"] == "America/Los_Angeles");
  CHECK(e["message"] == "permanent: relation \"src\" does not exist");
  CHECK(e["link"] == "https://sluice.example/#/records/42");
  CHECK(e["backfill_id"].is_null());
}

TEST_CASE("without a public URL there is no link", "[notify][message]") {
  auto ctx = la();
  ctx.public_url.clear();
  const auto body = json::parse(webhook_json(single(failed_window()), ctx));
  CHECK(body["events"][0]["link"].is_null());
  CHECK(text_body(single(failed_window()), ctx).find("https://") == std::string::npos);
}

TEST_CASE("a digest counts every event, lists the first ones and says how many more",
          "[notify][message]") {
  Message m = single(failed_window());
  m.events.clear();
  m.count = 0;
  m.by_kind.clear();
  for (int i = 0; i < 1000; ++i) {
    auto e = failed_window();
    e.kind = i % 4 == 0 ? EventKind::window_retry : EventKind::window_failed;
    if (m.events.size() < kMaxListed) m.events.push_back(e);
    ++m.by_kind[e.kind];
    ++m.count;
  }
  CHECK(subject(m, la()) == "[sluice] orders: 1000 events (window failed 750, window retried 250)");
  const auto body = json::parse(webhook_json(m, la()));
  CHECK(body["digest"] == true);
  CHECK(body["count"] == 1000);
  CHECK(body["listed"] == kMaxListed);
  CHECK(body["events"].size() == kMaxListed);
  CHECK(text_body(m, la()).find("... and 950 more") != std::string::npos);
}

TEST_CASE("Slack gets one text field with the facts", "[notify][message]") {
  const auto body = json::parse(slack_json(single(failed_window()), la()));
  REQUIRE(body.size() == 1);
  const std::string text = body["text"];
  CHECK(text.find("orders") != std::string::npos);
  CHECK(text.find("run ID: run-abc") != std::string::npos);
  CHECK(text.find("https://sluice.example/#/records/42") != std::string::npos);
}

TEST_CASE("the e-mail has CRLF lines under 998 bytes and no header injection",
          "[notify][message]") {
  auto e = failed_window();
  e.message = std::string(5000, 'x') + "\nSubject: forged\r\n.\r\nmore";
  const auto text =
      email_text(single(e), la(), "sluice@example.com", {"a@example.com", "b@example.com"});
  CHECK(
      text.starts_with("From: sluice@example.com\r\nTo: a@example.com, b@example.com\r\n"
                       "Subject: [sluice] orders: window failed"));
  const auto body_at = text.find("\r\n\r\n");
  REQUIRE(body_at != std::string::npos);
  CHECK(text.substr(0, body_at).find("forged") == std::string::npos);  // only in the body
  std::size_t line_start = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '\n') {
      CHECK(i > 0);
      CHECK(text[i - 1] == '\r');  // no bare LF
      CHECK(i - line_start < 998);
      line_start = i + 1;
    }
  }
  // The error text is bounded (2,000 bytes with the marker), whatever the server said.
  CHECK(text.size() < 4000);
}

TEST_CASE("bytes that are not UTF-8 in an error become visible escapes, not a broken body",
          "[notify][message]") {
  auto e = failed_window();
  e.message = std::string("bad \xff\xfe byte");
  const auto body = json::parse(webhook_json(single(e), la()));
  CHECK(body["events"][0]["message"] == "bad \\xff\\xfe byte");
}

TEST_CASE("the signature is HMAC-SHA256 of the body (RFC 4231 case 2)", "[notify][send]") {
  CHECK(signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(signature("other", "what do ya want for nothing?") !=
        signature("Jefe", "what do ya want for nothing?"));
}
