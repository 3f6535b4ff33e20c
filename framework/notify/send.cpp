#include "framework/notify/send.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include <curl/curl.h>
#include <fmt/format.h>

#include "framework/net/http_client.hpp"
#include "framework/schema/credentials.hpp"

namespace sluice::notify {
namespace {

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  if (what.empty()) return text;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
  return text;
}

// The URL (whole, or as the client redacted it) and the signing key leave no message.
std::string scrub(std::string text, const config::Webhook& hook) {
  const std::string url = hook.url.reveal();
  text = replace_all(std::move(text), url, "[webhook URL]");
  text = replace_all(std::move(text), net::redact_url(url), "[webhook URL]");
  return hook.secret.reveal().empty() ? text : config::scrub_secret(text, hook.secret.reveal());
}

struct Upload {
  const std::string* text;
  std::size_t sent = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, u->text->size() - u->sent);
  std::copy_n(u->text->data() + u->sent, n, buffer);  // a byte count, not a C string
  u->sent += n;
  return n;
}

}  // namespace

std::string signature(std::string_view key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &length);
  std::string out = "sha256=";
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", mac[i]);
  return out;
}

SendResult send_webhook(const config::Webhook& hook, const std::string& message_id,
                        const std::string& body, Instant now) {
  net::HttpOptions options;
  options.total_timeout = hook.timeout;
  options.connect_timeout = std::min(hook.timeout, std::chrono::milliseconds(10'000));
  options.low_speed_time = Seconds(0);
  net::HttpClient client(options);
  net::HttpRequest request{.method = "POST", .url = hook.url.reveal(), .body = body};
  request.headers = {"Content-Type: application/json", "User-Agent: sluice",
                     "X-Sluice-Delivery: " + message_id};
  if (!hook.secret.reveal().empty())
    request.headers.push_back("X-Sluice-Signature: " + signature(hook.secret.reveal(), body));
  auto response = client.perform(request);
  if (!response) {
    return {.verdict =
                response.error().kind == ErrorKind::retryable ? Verdict::retry : Verdict::give_up,
            .error = scrub(response.error().message, hook)};
  }
  if (response->ok()) return {};
  const long status = response->status;
  SendResult r{
      .verdict =
          status == 429 || (status >= 500 && status < 600) ? Verdict::retry : Verdict::give_up,
      .error = scrub(net::classify_status(status, "webhook", response->body).message, hook)};
  if (const auto after = response->header("retry-after"))
    r.retry_after = net::parse_retry_after(*after, now);
  return r;
}

SendResult send_email(const config::SmtpConfig& smtp, const std::vector<std::string>& to,
                      const std::string& text) {
  net::global_init();
  CURL* curl = curl_easy_init();
  if (!curl) return {.verdict = Verdict::retry, .error = "SMTP: could not create a handle"};
  char message[CURL_ERROR_SIZE] = {0};
  Upload upload{&text};
  curl_slist* rcpt = nullptr;
  for (const auto& r : to) rcpt = curl_slist_append(rcpt, ("<" + r + ">").c_str());
  const std::string from = "<" + smtp.from + ">";
  curl_easy_setopt(curl, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(smtp.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<std::int64_t>(smtp.timeout.count(), 10'000)));
  if (smtp.url.starts_with("smtp://")) {
    const long use_ssl = smtp.starttls == config::SmtpConfig::StartTls::required ? CURLUSESSL_ALL
                         : smtp.starttls == config::SmtpConfig::StartTls::try_   ? CURLUSESSL_TRY
                                                                                 : CURLUSESSL_NONE;
    curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
  }
  if (!smtp.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, smtp.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, smtp.password.reveal().c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  const CURLcode code = curl_easy_perform(curl);
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (code == CURLE_OK) return {};
  std::string text_of_error = message[0] ? message : curl_easy_strerror(code);
  if (!text_of_error.empty() && text_of_error.back() == '\n') text_of_error.pop_back();
  if (!smtp.password.reveal().empty())
    text_of_error = config::scrub_secret(text_of_error, smtp.password.reveal());
  // 5xx replies (a refused login, sender or recipient) will be refused again; 4xx and
  // transport failures may pass later.
  const bool permanent = code == CURLE_LOGIN_DENIED || code == CURLE_USE_SSL_FAILED ||
                         code == CURLE_UNSUPPORTED_PROTOCOL || (reply >= 500 && reply < 600);
  return {.verdict = permanent ? Verdict::give_up : Verdict::retry,
          .error = fmt::format("SMTP {}: {}", smtp.url, text_of_error) +
                   (reply ? fmt::format(" (reply {})", reply) : std::string())};
}

}  // namespace sluice::notify
