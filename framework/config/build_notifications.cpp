// pipeline.notifications and the daemon file's notifications, from checked fields.
#include <algorithm>

#include "framework/config/build.hpp"

namespace sluice::config {
namespace {

std::chrono::milliseconds millis(const time::Duration& d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d.fixed);
}

std::vector<Webhook> build_webhooks(const Fields& f, const CheckContext& ctx) {
  std::vector<Webhook> out;
  const auto& list = f.list("webhooks");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Fields& h = list[i];
    Webhook w;
    w.name = h.string_or("name", "webhook" + std::to_string(i + 1));
    w.url = h.value_or<Secret>("url", {});
    w.events = h.value_or<std::vector<std::string>>("events", {});
    w.slack = h.string_or("format", "json") == "slack";
    w.secret = h.value_or<Secret>("secret", {});
    w.timeout = millis(duration_of(h, "timeout"));
    // The name keys the channel's digest clock and its deliveries: two of one name would
    // share them.
    if (std::any_of(out.begin(), out.end(), [&](const Webhook& o) { return o.name == w.name; }))
      h.error(*ctx.diags, "name", "the webhook name '" + w.name + "' is given twice");
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

Notifications build_notifications(const Fields& f, const CheckContext& ctx) {
  Notifications n;
  n.email_list = f.value_or<std::vector<std::string>>("email_list", {});
  n.email_on_failure = f.value_or<bool>("email_on_failure", true);
  n.email_on_retry = f.value_or<bool>("email_on_retry", false);
  n.webhooks = build_webhooks(f, ctx);
  return n;
}

NotificationSettings build_notification_settings(const Fields& f, const CheckContext& ctx) {
  NotificationSettings s;
  // An absent section still has its Fields (its defaults, for `config show`): only a
  // written one configures a mail server.
  const Fields* smtp = f.is_set("smtp") ? f.section("smtp") : nullptr;
  if (smtp) {
    SmtpConfig m;
    m.url = smtp->string_or("url");
    m.from = smtp->string_or("from");
    m.username = smtp->string_or("username");
    m.password = smtp->value_or<Secret>("password", {});
    const auto starttls = smtp->string_or("starttls", "required");
    m.starttls = starttls == "off"   ? SmtpConfig::StartTls::off
                 : starttls == "try" ? SmtpConfig::StartTls::try_
                                     : SmtpConfig::StartTls::required;
    m.timeout = millis(duration_of(*smtp, "timeout"));
    if (!m.password.empty() && m.username.empty())
      smtp->error(*ctx.diags, "username", "a password needs a username");
    s.smtp = std::move(m);
  }
  s.digest_interval = duration_of(f, "digest_interval").fixed;
  s.max_attempts = static_cast<int>(f.value_or<std::int64_t>("max_attempts", 10));
  s.retry_delay = duration_of(f, "retry_delay").fixed;
  s.max_retry_delay = duration_of(f, "max_retry_delay").fixed;
  if (s.max_retry_delay < s.retry_delay)
    f.error(*ctx.diags, "max_retry_delay", "shorter than retry_delay");
  s.db_down_after = duration_of(f, "db_down_after").fixed;
  s.email_list = f.value_or<std::vector<std::string>>("email_list", {});
  s.webhooks = build_webhooks(f, ctx);
  if (!s.email_list.empty() && !s.smtp)
    ctx.warning(f.where_of("email_list"), f.path_of("email_list"),
                "no e-mail is sent: notifications.smtp (the mail server) is not set");
  return s;
}

}  // namespace sluice::config
