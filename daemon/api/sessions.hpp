#pragma once
// The web console's sign-ins: an API token exchanged (POST /api/v1/session) for a random
// session id in an HttpOnly, SameSite=Strict cookie, and a CSRF token the page sends back in
// X-CSRF-Token on every change. Sessions live in the daemon's memory: a restart signs
// everyone out, and behind a load balancer a browser must keep to one daemon.
//
// The session names its token, not a role: each request takes the role the token has in the
// current config, so a reload that removes or demotes a token applies to its sessions at once.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "framework/core/instant.hpp"

namespace sluice::api {

struct WebSession {
  std::string token_name;
  std::string csrf;  // hex, 64 characters
  Instant expires{};
};

class Sessions {
 public:
  static constexpr std::size_t kMaxOpen = 10000;
  static constexpr std::string_view kCookie = "sluice_session";

  struct Opened {
    std::string id;  // the cookie's value
    WebSession session;
  };
  // A new session of `token_name` until now + ttl. At kMaxOpen, expired sessions are dropped
  // first, then the one that would expire soonest.
  Opened open(std::string token_name, Instant now, Seconds ttl);
  // The live session of `id`; an expired one is dropped (nullopt).
  std::optional<WebSession> find(std::string_view id, Instant now);
  void close(std::string_view id);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  // Keyed by the SHA-256 of the id: a lookup's timing says nothing of the ids held.
  std::unordered_map<std::string, WebSession> by_digest_;
};

// The value of cookie `name` in a Cookie header (`a=1; b=2`), or empty.
std::string_view cookie_value(std::string_view header, std::string_view name);

// The Set-Cookie header of a session (Max-Age from ttl; Secure under TLS), and the one that
// clears it.
std::string session_cookie(std::string_view id, Seconds ttl, bool tls);
std::string cleared_session_cookie(bool tls);

}  // namespace sluice::api
