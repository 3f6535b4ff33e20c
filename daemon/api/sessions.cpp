#include "daemon/api/sessions.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon/api/auth.hpp"

namespace sluice::api {
namespace {

// 32 random bytes as 64 hex digits.
std::string random_hex() {
  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("the system's random source failed");
  return fmt::format("{:02x}", fmt::join(raw, ""));
}

std::string digest_of(std::string_view id) {
  const auto d = sha256(id);
  return {d.begin(), d.end()};
}

}  // namespace

Sessions::Opened Sessions::open(std::string token_name, Instant now, Seconds ttl) {
  Opened out{random_hex(), {std::move(token_name), random_hex(), now + ttl}};
  std::lock_guard lock(mutex_);
  if (by_digest_.size() >= kMaxOpen)
    std::erase_if(by_digest_, [&](const auto& s) { return s.second.expires <= now; });
  if (by_digest_.size() >= kMaxOpen) {
    const auto soonest = std::min_element(
        by_digest_.begin(), by_digest_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    by_digest_.erase(soonest);
  }
  by_digest_.emplace(digest_of(out.id), out.session);
  return out;
}

std::optional<WebSession> Sessions::find(std::string_view id, Instant now) {
  if (id.empty()) return std::nullopt;
  const auto key = digest_of(id);
  std::lock_guard lock(mutex_);
  const auto it = by_digest_.find(key);
  if (it == by_digest_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    by_digest_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void Sessions::close(std::string_view id) {
  const auto key = digest_of(id);
  std::lock_guard lock(mutex_);
  by_digest_.erase(key);
}

std::size_t Sessions::size() const {
  std::lock_guard lock(mutex_);
  return by_digest_.size();
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    std::string_view pair = header.substr(0, semicolon);
    header =
        semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != name) continue;
    std::string_view value = pair.substr(equals + 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return value;
  }
  return {};
}

std::string session_cookie(std::string_view id, Seconds ttl, bool tls) {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", Sessions::kCookie,
                     id, ttl.count(), tls ? "; Secure" : "");
}

std::string cleared_session_cookie(bool tls) {
  return session_cookie("", Seconds{0}, tls);
}

}  // namespace sluice::api
