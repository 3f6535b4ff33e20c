#pragma once
// URLs as libcurl reads them (its URL API), so that what is checked is what is requested: a
// hand-rolled split would take `https://api.example.com@evil.example/` for api.example.com,
// where libcurl connects to evil.example.
#include <optional>
#include <string>
#include <string_view>

#include "framework/core/error.hpp"

namespace sluice::net {

// Where a request goes and under which rules: scheme, host and port (RFC 6454). Only http and
// https have one here: no other scheme is ever requested.
struct Origin {
  std::string scheme;  // `http` or `https`, lower case
  std::string host;    // lower case; an IPv6 address in brackets
  long port = 0;       // the scheme's default when the URL names none

  // `https://api.example.com`, the port only when it is not the scheme's default.
  std::string text() const;
  bool operator==(const Origin&) const = default;
};

// The origin of an absolute http or https URL; nullopt for anything else (another scheme, a
// relative reference, text that is not a URL).
std::optional<Origin> origin_of(std::string_view url);

// `link` resolved against `base` (RFC 3986: absolute, `/path`, `?query`, `relative/path`). A
// permanent Error when either is not a URL; the scheme is not checked here.
Result<std::string> resolve_url(std::string_view base, std::string_view link);

// A config check: `scheme://host[:port]` of http or https, nothing after it (a trailing `/` is
// allowed). An error message, or empty when fine.
std::string check_origin(std::string_view text);

}  // namespace sluice::net
