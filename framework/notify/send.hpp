#pragma once
// Putting one message on the wire: a webhook POST or an e-mail over SMTP (both libcurl).
// The verdict follows the receiver: a webhook's 2xx is delivered, 429 and 5xx (and any
// transport failure) are tried again later, any other answer is given up; for SMTP a refused
// login or recipient is given up, the rest tried again. Errors never quote a secret (a
// webhook's URL is one: Slack's carry their token in the path).
#include <optional>
#include <string>
#include <vector>

#include "framework/config/model.hpp"
#include "framework/core/instant.hpp"

namespace sluice::notify {

enum class Verdict { delivered, retry, give_up };

struct SendResult {
  Verdict verdict = Verdict::delivered;
  std::string error{};                   // empty when delivered
  std::optional<Seconds> retry_after{};  // a 429's or 503's Retry-After
};

// `sha256=` and the lower-case hex HMAC-SHA256 of `body` keyed with `key`: the
// X-Sluice-Signature header.
std::string signature(std::string_view key, std::string_view body);

SendResult send_webhook(const config::Webhook& hook, const std::string& message_id,
                        const std::string& body, Instant now);

SendResult send_email(const config::SmtpConfig& smtp, const std::vector<std::string>& to,
                      const std::string& text);

}  // namespace sluice::notify
