// Which channels hear which events: the `events` choices, the e-mail switches, the daemon's
// own channels, and the registry's list of kinds.
#include <catch2/catch.hpp>

#include "framework/notify/directory.hpp"

using namespace sluice;
using namespace sluice::notify;

TEST_CASE("every kind's name reads back", "[notify][event]") {
  for (int i = 0; i <= static_cast<int>(EventKind::test); ++i) {
    const auto k = static_cast<EventKind>(i);
    CHECK(parse_event_kind(to_string(k)) == k);
  }
  CHECK_FALSE(parse_event_kind("failure"));  // a choice, not a kind
  CHECK_FALSE(parse_event_kind(""));
}

TEST_CASE("`failure` covers audit mismatches, the other choices are one kind each",
          "[notify][event]") {
  const auto s = kinds_of_choices({"failure"});
  CHECK(s.has(EventKind::window_failed));
  CHECK(s.has(EventKind::audit_mismatch));
  CHECK_FALSE(s.has(EventKind::window_retry));
  CHECK(kinds_of_choices({"retry", "success", "sla_missed"}).names() ==
        std::vector<std::string>{"window_retry", "window_succeeded", "sla_missed"});
  CHECK(kinds_of_choices({}).empty());
}

namespace {

config::Config config_with_channels() {
  config::Config c;
  c.daemon.notifications.smtp =
      config::SmtpConfig{.url = "smtp://127.0.0.1:2525", .from = "sluice@example.com"};
  c.daemon.notifications.email_list = {"oncall@example.com"};
  c.daemon.notifications.webhooks.push_back(
      {.name = "fleet", .events = {"database_down", "config_error"}});
  config::PipelineConfig orders;
  orders.id = PipelineId{"orders"};
  orders.notifications.email_list = {"team@example.com"};
  orders.notifications.email_on_retry = true;
  orders.notifications.webhooks.push_back({.name = "ops", .events = {"failure"}});
  orders.notifications.webhooks.push_back({.name = "wins", .events = {"success"}});
  c.pipelines.push_back(orders);
  config::PipelineConfig quiet;
  quiet.id = PipelineId{"quiet"};
  quiet.notifications.email_on_failure = false;
  c.pipelines.push_back(quiet);
  return c;
}

std::vector<std::string> ids(const std::vector<const Channel*>& channels) {
  std::vector<std::string> out;
  for (const auto* c : channels) out.push_back(c->id);
  return out;
}

}  // namespace

TEST_CASE("a directory names each event's channels, the pipeline's then the daemon's",
          "[notify][directory]") {
  const Directory d(config_with_channels(), {"broken"});
  using V = std::vector<std::string>;
  CHECK(ids(d.subscribers("orders", EventKind::window_failed)) == V{"email", "webhook:ops"});
  CHECK(ids(d.subscribers("orders", EventKind::window_retry)) == V{"email"});
  CHECK(ids(d.subscribers("orders", EventKind::window_succeeded)) == V{"webhook:wins"});
  CHECK(ids(d.subscribers("orders", EventKind::config_error)) ==
        V{"email", "daemon/email", "daemon/webhook:fleet"});
  CHECK(ids(d.subscribers("quiet", EventKind::window_failed)).empty());
  // A quarantined pipeline has no channels of its own: the daemon's hear of it.
  CHECK(d.knows("broken"));
  CHECK(ids(d.subscribers("broken", EventKind::config_error)) ==
        V{"daemon/email", "daemon/webhook:fleet"});
  CHECK_FALSE(d.knows("elsewhere"));
  CHECK(d.find("orders", "webhook:ops") != nullptr);
  CHECK(d.find("quiet", "webhook:ops") == nullptr);
  CHECK(d.find("", "daemon/webhook:fleet") != nullptr);
  CHECK(d.kinds_of("quiet").names() == V{"config_error", "database_down", "database_back"});
}

TEST_CASE("without an SMTP server no e-mail channel exists", "[notify][directory]") {
  auto c = config_with_channels();
  c.daemon.notifications.smtp.reset();
  const Directory d(c);
  CHECK(d.find("orders", "email") == nullptr);
  CHECK(d.find("", "daemon/email") == nullptr);
  CHECK(ids(d.subscribers("orders", EventKind::window_failed)) ==
        std::vector<std::string>{"webhook:ops"});
}
