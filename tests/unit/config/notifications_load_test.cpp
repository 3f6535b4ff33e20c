// Every notification key of the daemon file and of a pipeline file reaches the model: what
// the reference documents is what the notifier is given.
#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace std::chrono;

namespace {

constexpr const char* kNotifications = R"(notifications:
  smtp:
    url: smtps://mail.example.com:465
    from: sluice@example.com
    username: robot
    password: ${env:SMTP_PASSWORD}
    starttls: try
  digest_interval: 10m
  max_attempts: 4
  retry_delay: 15s
  max_retry_delay: 3m
  db_down_after: 90s
  email_list: [dba@example.com]
  webhooks:
    - name: chat
      url: https://hooks.example.com/services/T0/B0/${env:HOOK_TOKEN}
      format: slack
      timeout: 3s
      events: [database_down, failure]
)";

constexpr const char* kPipelineChannels = R"(notifications:
  email_list: [team@example.com]
  email_on_failure: false
  email_on_retry: true
  webhooks:
    - url: https://hooks.example.com/orders
      secret: ${env:HOOK_KEY}
      events: [retry, sla_missed]
)";

}  // namespace

TEST_CASE("every notification key of the daemon and of a pipeline is read", "[config][notify]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", std::string(test::kDaemonConfig) + kNotifications);
  test::write_file(dir.path() / "pipelines.d" / "events.yaml",
                   std::string(test::kPipelineConfig) + kPipelineChannels);
  const auto env = config::Environment::fixed(
      {{"SMTP_PASSWORD", "smtp-secret"}, {"HOOK_TOKEN", "tok"}, {"HOOK_KEY", "hmac-key"}});
  auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  if (!loaded) {
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  }
  REQUIRE(loaded);
  const auto& n = loaded->daemon.notifications;
  REQUIRE(n.smtp);
  CHECK(n.smtp->url == "smtps://mail.example.com:465");
  CHECK(n.smtp->from == "sluice@example.com");
  CHECK(n.smtp->username == "robot");
  CHECK(n.smtp->password.reveal() == "smtp-secret");
  CHECK(n.smtp->starttls == config::SmtpConfig::StartTls::try_);
  CHECK(n.digest_interval == minutes(10));
  CHECK(n.max_attempts == 4);
  CHECK(n.retry_delay == seconds(15));
  CHECK(n.max_retry_delay == minutes(3));
  CHECK(n.db_down_after == seconds(90));
  CHECK(n.email_list == std::vector<std::string>{"dba@example.com"});
  REQUIRE(n.webhooks.size() == 1);
  CHECK(n.webhooks[0].name == "chat");
  CHECK(n.webhooks[0].url.reveal() == "https://hooks.example.com/services/T0/B0/tok");
  CHECK(n.webhooks[0].slack);
  CHECK(n.webhooks[0].timeout == seconds(3));
  CHECK(n.webhooks[0].events == std::vector<std::string>{"database_down", "failure"});
  CHECK(n.webhooks[0].secret.reveal().empty());

  REQUIRE(loaded->pipelines.size() == 1);
  const auto& p = loaded->pipelines[0].notifications;
  CHECK(p.email_list == std::vector<std::string>{"team@example.com"});
  CHECK_FALSE(p.email_on_failure);
  CHECK(p.email_on_retry);
  REQUIRE(p.webhooks.size() == 1);
  CHECK_FALSE(p.webhooks[0].slack);  // format: json, the default
  CHECK(p.webhooks[0].timeout == seconds(10));
  CHECK(p.webhooks[0].secret.reveal() == "hmac-key");
  CHECK(p.webhooks[0].events == std::vector<std::string>{"retry", "sla_missed"});
  CHECK(p.webhooks[0].name == "webhook1");  // a channel needs a name: its position makes one
}
