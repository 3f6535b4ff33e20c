// The notification keys: a pipeline's channels (pipeline.notifications) and the daemon's
// (notifications: SMTP, digests, retries and the fleet's own channels).
#include "framework/adapters/common_keys.hpp"
#include "framework/config/keys.hpp"
#include "framework/schema/key_table.hpp"

namespace sluice::config {
namespace {

std::string check_email_address(std::string_view text) {
  const auto at = text.find('@');
  const bool ok = at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
                  text.find_first_of(" \t\r\n,;<>\"") == std::string_view::npos &&
                  text.find('@', at + 1) == std::string_view::npos;
  if (ok) return {};
  return "'" + std::string(text) + "' is not an email address";
}

std::string check_channel_name(std::string_view text) {
  const bool ok = !text.empty() && text.size() <= 63 &&
                  text.find_first_not_of(
                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789_-") == std::string_view::npos;
  if (ok) return {};
  return "a webhook name is 1 to 63 letters, digits, '_' or '-'";
}

std::string check_smtp_url(std::string_view text) {
  if (text.starts_with("smtp://") || text.starts_with("smtps://")) {
    const auto rest = text.substr(text.find("://") + 3);
    if (!rest.empty() && rest.front() != '/' && rest.find('@') == std::string_view::npos) return {};
    return "give the SMTP server as smtp://HOST[:PORT] or smtps://HOST[:PORT] (the user and "
           "password go in `username` and `password`)";
  }
  return "an SMTP URL starts with smtp:// (STARTTLS per `starttls`) or smtps:// (TLS)";
}

// The events a channel may subscribe to; `failure` covers an audit mismatch and a failed
// check as well (it is how that window failed).
const std::vector<std::string_view> kPipelineEvents{
    "failure",          "retry",         "success",         "audit_mismatch", "sla_missed",
    "stale_lock_freed", "backfill_done", "backfill_failed", "config_error",   "check_failed",
    "check_warning"};

KeyTable webhook_table(std::string_view title, std::vector<std::string_view> events,
                       std::string_view default_events) {
  return KeyTable{
      title,
      "A URL that receives a JSON POST per message (one event, or a digest of several).",
      {
          {.name = "name",
           .type = KeyType::string,
           .description = "The channel's name in `notifications list` and `notifications "
                          "test` (`webhook:NAME`).",
           .default_value = "(webhook1, webhook2, ... by position)",
           .check = check_channel_name},
          {.name = "url",
           .type = KeyType::string,
           .description = "Webhook URL (often a secret itself: `${env:SLACK_WEBHOOK}`).",
           .required = true,
           .secret = Secrecy::opaque,
           .check = adapters::check_http_url},
          {.name = "events",
           .type = KeyType::choice_list,
           .description = "Events that are posted.",
           .default_value = default_events,
           .choices = std::move(events)},
          {.name = "format",
           .type = KeyType::choice,
           .description = "`json`: sluice's documented body; `slack`: a Slack-compatible "
                          "`{\"text\": ...}` body.",
           .default_value = "json",
           .choices = {"json", "slack"}},
          {.name = "secret",
           .type = KeyType::string,
           .description = "When set, each POST carries `X-Sluice-Signature: sha256=HEX`, the "
                          "HMAC-SHA256 of the body with this key.",
           .secret = Secrecy::opaque},
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest a POST may take; slower is a failed attempt (retried).",
           .default_value = "10s"},
      }};
}

const KeyTable& pipeline_webhook_keys() {
  static const KeyTable t = webhook_table("pipeline.notifications.webhooks[]", kPipelineEvents,
                                          "[failure, sla_missed, backfill_failed, config_error]");
  return t;
}

const KeyTable& daemon_webhook_keys() {
  static const KeyTable t = [] {
    auto events = kPipelineEvents;
    events.emplace_back("database_down");
    return webhook_table("notifications.webhooks[]", std::move(events),
                         "[failure, sla_missed, backfill_failed, config_error, database_down]");
  }();
  return t;
}

const KeyTable& smtp_keys() {
  static const KeyTable t{
      "notifications.smtp",
      "The mail server e-mail notifications go through (libcurl).",
      {
          {.name = "url",
           .type = KeyType::string,
           .description = "`smtp://HOST[:PORT]` (port 587 by default; STARTTLS per "
                          "`starttls`) or `smtps://HOST[:PORT]` (TLS from the start, 465).",
           .required = true,
           .check = check_smtp_url},
          {.name = "from",
           .type = KeyType::string,
           .description = "Sender address.",
           .required = true,
           .check = check_email_address},
          {.name = "username",
           .type = KeyType::string,
           .description = "Login, when the server wants one.",
           .default_value = "''"},
          {.name = "password",
           .type = KeyType::string,
           .description = "Password of `username` (`${env:...}` or `${file:...}`).",
           .secret = Secrecy::opaque},
          {.name = "starttls",
           .type = KeyType::choice,
           .description = "For `smtp://`: `required` refuses a server without STARTTLS, `try` "
                          "uses it when offered, `off` never (a local relay).",
           .default_value = "required",
           .choices = {"required", "try", "off"}},
          {.name = "timeout",
           .type = KeyType::duration,
           .description = "Longest one message may take to send.",
           .default_value = "30s"},
      }};
  return t;
}

}  // namespace

const KeyTable& pipeline_notifications_keys() {
  static const KeyTable t{
      "pipeline.notifications",
      "Who hears about this pipeline's windows: e-mail and webhooks.",
      {
          {.name = "email_list",
           .type = KeyType::string_list,
           .description = "Addresses that get the e-mails (needs `notifications.smtp` in the "
                          "daemon file).",
           .default_value = "[]",
           .check = check_email_address},
          {.name = "email_on_failure",
           .type = KeyType::boolean,
           .description = "E-mail when a window fails for good (an audit mismatch or a failed "
                          "check included), a data check of severity warn fails, the pipeline "
                          "misses its SLA, a backfill fails or the file is quarantined.",
           .default_value = "true"},
          {.name = "email_on_retry",
           .type = KeyType::boolean,
           .description = "E-mail when a window is retried.",
           .default_value = "false"},
          {.name = "webhooks",
           .type = KeyType::section_list,
           .description = "Webhooks.",
           .default_value = "[]",
           .section = &pipeline_webhook_keys()},
      }};
  return t;
}

const KeyTable& daemon_notifications_keys() {
  static const KeyTable t{
      "notifications",
      "How notifications are sent, and the fleet's own channels.",
      {
          {.name = "smtp",
           .type = KeyType::section,
           .description = "Mail server; without it no e-mail is sent (`validate` says so "
                          "when a pipeline lists addresses).",
           .section = &smtp_keys()},
          {.name = "digest_interval",
           .type = KeyType::duration,
           .description = "At most one message per pipeline and channel in this time; what "
                          "comes meanwhile is sent as one digest. `0s`: every event at once.",
           .default_value = "5m",
           .min = 0},
          {.name = "max_attempts",
           .type = KeyType::integer,
           .description = "Attempts at a message before it is given up.",
           .default_value = "10",
           .min = 1,
           .max = 1000},
          {.name = "retry_delay",
           .type = KeyType::duration,
           .description = "Wait before the second attempt; doubled at each attempt.",
           .default_value = "10s"},
          {.name = "max_retry_delay",
           .type = KeyType::duration,
           .description = "Longest wait between attempts.",
           .default_value = "10m"},
          {.name = "db_down_after",
           .type = KeyType::duration,
           .description = "The database unreachable this long is told to the daemon's "
                          "channels (sent directly: there is no outbox without it), and again "
                          "when it is back.",
           .default_value = "2m"},
          {.name = "email_list",
           .type = KeyType::string_list,
           .description = "Addresses that get the fleet's events: `database_down`, and "
                          "`config_error` of any pipeline.",
           .default_value = "[]",
           .check = check_email_address},
          {.name = "webhooks",
           .type = KeyType::section_list,
           .description = "Webhooks that get the listed events of every pipeline (and "
                          "`database_down`).",
           .default_value = "[]",
           .section = &daemon_webhook_keys()},
      }};
  return t;
}

}  // namespace sluice::config
