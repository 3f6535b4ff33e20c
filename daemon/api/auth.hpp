#pragma once
// Who calls: a bearer token from `http.tokens`, compared in constant time, and its role.
//   viewer    every GET except the audit log and the connections
//   operator  viewer + pause, backfill, rerun, clear, release
//   admin     everything
#include <array>
#include <compare>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "daemon/api/exchange.hpp"
#include "framework/config/model.hpp"

namespace sluice::api {

enum class Role {
  none = 0,
  viewer = 1,
  operator_ = 2,
  admin = 3
};  // ordered: each has the last's rights

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct Caller {
  std::string name;  // "anonymous" when no token was needed
  Role role = Role::none;
};

using Sha256 = std::array<unsigned char, 32>;
Sha256 sha256(std::string_view text);

// Equal lengths or not, the time taken depends on neither text: both are hashed (SHA-256)
// and the digests compared with CRYPTO_memcmp.
bool same_secret(std::string_view a, std::string_view b);

// The token `presented` is, compared with every one of `tokens` (no early exit: the time taken
// does not say how many come before the match); nullopt when none.
std::optional<Caller> match_token(std::string_view presented,
                                  std::span<const config::HttpToken> tokens);

// `Authorization: Bearer <token>` against every token (all are compared, whichever
// matches): 401 with WWW-Authenticate when it is missing, malformed or matches none. The
// caller is named after the token; a role the config did not check (none) gives no rights.
Answer<Caller> authenticate(std::string_view authorization,
                            std::span<const config::HttpToken> tokens);

}  // namespace sluice::api
