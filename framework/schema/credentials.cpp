#include "framework/schema/credentials.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <regex>

#include "framework/core/ascii.hpp"
#include "framework/schema/secret.hpp"

namespace sluice::config {
namespace {

constexpr auto npos = std::string_view::npos;

// Position of the first character of `chars` in [from, to), skipping `${...}` spans (a
// reference may hold `/`, `:` or `@`: `${file:/run/pw}`); npos when there is none.
std::size_t find_outside_refs(std::string_view text, std::string_view chars, std::size_t from,
                              std::size_t to = npos) {
  to = std::min(to, text.size());
  for (std::size_t i = from; i < to; ++i) {
    if (text.compare(i, 2, "${") == 0) {
      const auto close = text.find('}', i);
      if (close == npos) return npos;
      i = close;
      continue;
    }
    if (chars.find(text[i]) != npos) return i;
  }
  return npos;
}

std::size_t rfind_outside_refs(std::string_view text, char c, std::size_t from, std::size_t to) {
  std::size_t last = npos;
  for (auto at = find_outside_refs(text, std::string_view(&c, 1), from, to); at != npos;
       at = find_outside_refs(text, std::string_view(&c, 1), at + 1, to)) {
    last = at;
  }
  return last;
}

bool is_sensitive_parameter(std::string_view key) {
  static constexpr std::array<std::string_view, 11> names = {
      "password", "sslpassword", "pass",   "pwd",       "token", "access_token",
      "api_key",  "apikey",      "secret", "signature", "sig"};
  const std::string k = ascii_lower(key);
  return std::find(names.begin(), names.end(), k) != names.end();
}

std::string masked(std::string_view value) {
  return is_lone_reference(value) ? std::string(value) : std::string(kRedacted);
}

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || hex_digit(text[i + 1]) < 0 || hex_digit(text[i + 2]) < 0)
      return std::nullopt;
    out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
    i += 2;
  }
  return out;
}

// The parts of `scheme://user:password@host/path?query#fragment`, references opaque.
struct UrlShape {
  std::size_t authority = 0;      // just after `://`
  std::size_t at = npos;          // the `@` that ends the user information
  std::size_t colon = npos;       // the `:` between user and password
  std::size_t authority_end = 0;  // the `/`, `?` or `#` after the host, or the end
};

std::optional<UrlShape> url_shape(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == npos || scheme_end == 0) return std::nullopt;
  for (std::size_t i = 0; i < scheme_end; ++i) {
    const char c = text[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return std::nullopt;
    }
  }
  UrlShape s;
  s.authority = scheme_end + 3;
  s.authority_end = find_outside_refs(text, "/?#", s.authority);
  if (s.authority_end == npos) s.authority_end = text.size();
  s.at = rfind_outside_refs(text, '@', s.authority, s.authority_end);
  if (s.at == npos) {
    // An `@` past the first `/`, `?` or `#` most likely ends a password that holds one of
    // them unencoded: masking too much beats showing part of a password.
    s.at = rfind_outside_refs(text, '@', s.authority, npos);
    if (s.at != npos) {
      s.authority_end = find_outside_refs(text, "/?#", s.at);
      if (s.authority_end == npos) s.authority_end = text.size();
    }
  }
  if (s.at != npos) s.colon = find_outside_refs(text, ":", s.authority, s.at);
  return s;
}

template <class OnParam>
void for_each_query_param(std::string_view query, OnParam&& on_param) {
  std::size_t start = 0;
  while (true) {
    const auto amp = find_outside_refs(query, "&", start);
    on_param(query.substr(start, amp == npos ? npos : amp - start));
    if (amp == npos) return;
    start = amp + 1;
  }
}

// `scheme://user:pw@host/db?password=x`; nullopt when `text` is not a URL.
std::optional<std::string> mask_url(std::string_view text) {
  const auto shape = url_shape(text);
  if (!shape) return std::nullopt;
  std::string out(text.substr(0, shape->authority));
  if (shape->colon != npos) {
    out += text.substr(shape->authority, shape->colon + 1 - shape->authority);
    out += masked(text.substr(shape->colon + 1, shape->at - shape->colon - 1));
    out += text.substr(shape->at, shape->authority_end - shape->at);
  } else {
    out += text.substr(shape->authority, shape->authority_end - shape->authority);
  }
  std::string_view rest = text.substr(shape->authority_end);
  const auto q = find_outside_refs(rest, "?", 0);
  if (q == npos) return out + std::string(rest);
  out += rest.substr(0, q + 1);
  std::string_view query = rest.substr(q + 1);
  std::string_view fragment;
  if (const auto hash = query.find('#'); hash != npos) {
    fragment = query.substr(hash);
    query = query.substr(0, hash);
  }
  bool first = true;
  for_each_query_param(query, [&](std::string_view param) {
    if (!first) out += '&';
    first = false;
    const auto eq = param.find('=');
    if (eq != npos && is_sensitive_parameter(param.substr(0, eq))) {
      out += std::string(param.substr(0, eq + 1)) + masked(param.substr(eq + 1));
    } else {
      out += param;
    }
  });
  return out + std::string(fragment);
}

struct Pair {
  std::string_view key;
  std::string_view value;  // as written, quotes included
  std::string bare;        // quotes and backslash escapes removed
  std::size_t value_at = 0;
};

// libpq `host=db password='p w' dbname=app`; nullopt when `text` is not such a string.
std::optional<std::vector<Pair>> conninfo_pairs(std::string_view text) {
  std::vector<Pair> out;
  std::size_t i = 0;
  const auto skip_ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  while (true) {
    skip_ws();
    if (i >= text.size()) break;
    const std::size_t key_start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
      ++i;
    if (i == key_start) return std::nullopt;
    Pair p;
    p.key = text.substr(key_start, i - key_start);
    skip_ws();
    if (i >= text.size() || text[i] != '=') return std::nullopt;
    ++i;
    skip_ws();
    p.value_at = i;
    const bool quoted = i < text.size() && text[i] == '\'';
    if (quoted) ++i;
    for (; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        p.bare += text[++i];
        continue;
      }
      if (quoted ? text[i] == '\'' : std::isspace(static_cast<unsigned char>(text[i]))) break;
      p.bare += text[i];
    }
    if (quoted) {
      if (i >= text.size()) return std::nullopt;
      ++i;
    }
    p.value = text.substr(p.value_at, i - p.value_at);
    out.push_back(std::move(p));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> mask_conninfo(std::string_view text) {
  const auto pairs = conninfo_pairs(text);
  if (!pairs) return std::nullopt;
  std::string out;
  std::size_t copied = 0;
  for (const auto& p : *pairs) {
    if (!is_sensitive_parameter(p.key)) continue;
    out += text.substr(copied, p.value_at - copied);
    out += masked(p.bare);
    copied = p.value_at + p.value.size();
  }
  return out + std::string(text.substr(copied));
}

void add_part(std::vector<std::string>& parts, std::string_view written) {
  if (written.empty() || is_lone_reference(written)) return;
  parts.emplace_back(written);
  if (auto decoded = percent_decode(written); decoded && *decoded != written && !decoded->empty())
    parts.push_back(std::move(*decoded));
}

void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

// Every URL the text quotes (up to a space or a double quote), its password masked.
std::string mask_urls_in(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (auto sep = text.find("://"); sep != npos; sep = text.find("://", sep + 3)) {
    std::size_t start = sep;
    while (start > copied &&
           (std::isalnum(static_cast<unsigned char>(text[start - 1])) || text[start - 1] == '+' ||
            text[start - 1] == '-' || text[start - 1] == '.'))
      --start;
    if (start == sep) continue;
    std::size_t end = sep + 3;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '"')
      ++end;
    out += text.substr(copied, start - copied);
    out += mask_url(text.substr(start, end - start)).value_or(std::string(kRedacted));
    copied = end;
    sep = end - 3;
  }
  return out + std::string(text.substr(copied));
}

}  // namespace

bool is_lone_reference(std::string_view text) {
  return text.size() > 3 && text.substr(0, 2) == "${" && text.back() == '}' &&
         text.find('}') == text.size() - 1;
}

std::string redact_credentials(std::string_view text) {
  if (is_lone_reference(text)) return std::string(text);
  if (auto url = mask_url(text)) return *url;
  if (auto conninfo = mask_conninfo(text)) return *conninfo;
  return std::string(kRedacted);
}

std::string shown_scalar(std::string_view text, std::size_t max) {
  std::string out = credential_parts(text).empty() ? std::string(text) : redact_credentials(text);
  if (out.size() > max) {
    // Cut on a character boundary, not inside a UTF-8 sequence.
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "... (" + std::to_string(text.size()) + " bytes)";
  }
  return out;
}

std::vector<std::string> credential_parts(std::string_view text) {
  std::vector<std::string> parts;
  if (is_lone_reference(text)) return parts;
  if (const auto shape = url_shape(text)) {
    if (shape->colon != npos)
      add_part(parts, text.substr(shape->colon + 1, shape->at - shape->colon - 1));
    const auto q = find_outside_refs(text, "?", shape->authority_end);
    if (q != npos) {
      const auto hash = text.find('#', q);
      for_each_query_param(text.substr(q + 1, hash == npos ? npos : hash - q - 1),
                           [&](std::string_view param) {
                             const auto eq = param.find('=');
                             if (eq != npos && is_sensitive_parameter(param.substr(0, eq)))
                               add_part(parts, param.substr(eq + 1));
                           });
    }
  } else if (const auto pairs = conninfo_pairs(text)) {
    for (const auto& p : *pairs) {
      if (!is_sensitive_parameter(p.key) || p.bare.empty() || is_lone_reference(p.bare)) continue;
      parts.push_back(p.bare);
      if (p.value != p.bare) parts.emplace_back(p.value);
    }
  }
  return parts;
}

std::string scrub_credentials(std::string_view message, std::string_view connection_text) {
  std::string out(message);
  auto parts = credential_parts(connection_text);
  // Longest first: a password that contains another is replaced whole.
  std::sort(parts.begin(), parts.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& p : parts) replace_all(out, p, kRedacted);
  out = mask_urls_in(out);
  static const std::regex pair(
      R"(\b((?:ssl)?password|pwd|pass|token|access_token|api_?key|secret)(\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'"&]+))",
      std::regex::icase);
  return std::regex_replace(out, pair, "$1$2" + std::string(kRedacted));
}

std::string scrub_secret(std::string_view message, std::string_view secret) {
  std::string out(message);
  replace_all(out, secret, kRedacted);
  return scrub_credentials(out);
}

std::string url_userinfo_problem(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == npos) return {};
  const std::size_t authority = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority);
  if (authority_end == npos) authority_end = url.size();
  const auto at = url.find('@', authority);
  if (at == npos) return {};
  if (at > authority_end) {
    return "an '@' after the host: a user name or password holding '/', '?' or '#' must write "
           "them as %2F, %3F and %23";
  }
  if (url.find('@', at + 1) != npos) {
    return "more than one '@': write an '@' in a user name or password as %40";
  }
  for (std::size_t i = authority; i < at; ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (c == '%' && (i + 2 >= at || hex_digit(url[i + 1]) < 0 || hex_digit(url[i + 2]) < 0)) {
      return "a '%' in the user name or password is no %XX escape: write '%' as %25";
    }
    if (c <= ' ' || c == 0x7F) {
      return "a space or control character in the user name or password: write a space as %20";
    }
  }
  return {};
}

std::vector<Slot> reference_slots(std::string_view written) {
  std::vector<Slot> out;
  if (is_lone_reference(written)) return {Slot::raw};
  const auto shape = url_shape(written);
  // libpq key=value: whether the scan is inside a value, and whether that value is quoted.
  enum class State { key, value_start, unquoted, quoted } state = State::key;
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (written.compare(i, 3, "$${") == 0) {
      i += 2;
      if (state == State::value_start) state = State::unquoted;
      continue;
    }
    if (written.compare(i, 2, "${") == 0) {
      const auto close = written.find('}', i);
      if (close == npos) break;
      Slot slot = Slot::raw;
      if (shape) {
        const auto query = find_outside_refs(written, "?", shape->authority_end);
        const auto fragment = find_outside_refs(written, "#", shape->authority_end);
        if (shape->at != npos && i >= shape->authority && i < shape->at) {
          slot = Slot::url_userinfo;
        } else if (i < shape->authority_end || (fragment != npos && i > fragment)) {
          slot = Slot::raw;
        } else if (query == npos || i < query) {
          slot = Slot::url_path;
        } else {
          // A value after `name=`; a reference that is a whole parameter is pasted.
          const auto amp = rfind_outside_refs(written, '&', query, i);
          const auto param = amp == npos ? query + 1 : amp + 1;
          if (find_outside_refs(written, "=", param, i) != npos) slot = Slot::url_query_value;
        }
      } else if (state != State::key) {
        slot = Slot::conninfo_value;
        if (state == State::value_start) state = State::unquoted;
      }
      out.push_back(slot);
      i = close;
      continue;
    }
    const char c = written[i];
    const bool space = std::isspace(static_cast<unsigned char>(c));
    switch (state) {
      case State::key:
        if (c == '=') state = State::value_start;
        break;
      case State::value_start:
        if (c == '\'') {
          state = State::quoted;
        } else if (!space) {
          state = State::unquoted;
          if (c == '\\') ++i;
        }
        break;
      case State::unquoted:
        if (space)
          state = State::key;
        else if (c == '\\')
          ++i;
        break;
      case State::quoted:
        if (c == '\'')
          state = State::key;
        else if (c == '\\')
          ++i;
        break;
    }
  }
  return out;
}

std::string escape_for(Slot slot, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    switch (slot) {
      case Slot::raw: out += ch; break;
      case Slot::url_userinfo:
      case Slot::url_query_value:
      case Slot::url_path:
        if (is_unreserved(c) || (slot == Slot::url_path && c == '/')) {
          out += ch;
        } else {
          out += '%';
          out += kHex[c >> 4];
          out += kHex[c & 15];
        }
        break;
      case Slot::conninfo_value:
        if (c == '\\' || c == '\'' || std::isspace(c)) out += '\\';
        out += ch;
        break;
    }
  }
  return out;
}

}  // namespace sluice::config
