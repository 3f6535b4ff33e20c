#include "framework/net/url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace sluice::net {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

// Schemes libcurl was built without (gopher, dict...) must still parse, to be refused by name.
constexpr unsigned kParseFlags = CURLU_NON_SUPPORT_SCHEME;

// The URL API needs no curl_global_init: it is plain string work.
Url parse(std::string_view text) {
  Url url(curl_url());
  if (!url) return nullptr;
  const std::string copy(text);
  if (curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), kParseFlags) != CURLUE_OK)
    return nullptr;
  return url;
}

std::optional<std::string> part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(url, which, &out, flags) != CURLUE_OK || !out) return std::nullopt;
  std::string text(out);
  curl_free(out);
  return text;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

long default_port(std::string_view scheme) {
  return scheme == "https" ? 443 : 80;
}

}  // namespace

std::string Origin::text() const {
  std::string out = scheme + "://" + host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

std::optional<Origin> origin_of(std::string_view url) {
  const Url u = parse(url);
  if (!u) return std::nullopt;
  Origin o;
  o.scheme = lower(part(u.get(), CURLUPART_SCHEME).value_or(""));
  if (o.scheme != "http" && o.scheme != "https") return std::nullopt;
  const auto host = part(u.get(), CURLUPART_HOST);
  const auto port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!host || host->empty() || !port) return std::nullopt;
  o.host = lower(*host);
  o.port = std::stol(*port);  // libcurl checked it: digits, at most 65535
  return o;
}

Result<std::string> resolve_url(std::string_view base, std::string_view link) {
  const Url u = parse(base);
  if (!u) return fail(Error::permanent("not a URL"));
  // Set on a handle that holds a URL, a relative reference resolves against it.
  const std::string copy(link);
  if (curl_url_set(u.get(), CURLUPART_URL, copy.c_str(), kParseFlags) != CURLUE_OK)
    return fail(Error::permanent("not a URL"));
  auto out = part(u.get(), CURLUPART_URL);
  if (!out) return fail(Error::permanent("not a URL"));
  return std::move(*out);
}

std::string check_origin(std::string_view text) {
  const auto origin = origin_of(text);
  const std::string_view rest = text.substr(std::min(text.size(), text.find("://") + 3));
  const auto end = rest.find_first_of("/?#@");
  const bool bare = end == std::string_view::npos || (rest.substr(end) == "/");
  if (!origin || !bare)
    return "expected an origin: http:// or https://, a host and an optional port, no path";
  return {};
}

}  // namespace sluice::net
