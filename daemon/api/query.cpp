#include "daemon/api/query.hpp"

#include <algorithm>
#include <charconv>

#include "framework/core/ascii.hpp"
#include "framework/core/suggest.hpp"
#include "framework/core/utf8.hpp"

namespace sluice::api {

Answer<std::string> percent_decode(std::string_view text, std::string_view field, bool plus_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int hi = i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_digit_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return bad_input(std::string(field), "a '%' not followed by two hex digits");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  if (out.find('\0') != std::string::npos)
    return bad_input(std::string(field), "an encoded NUL byte");
  if (!is_storable_text(out)) return bad_input(std::string(field), "not UTF-8 text");
  return out;
}

Answer<std::vector<std::string>> path_segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= path.size()) {
    const auto slash = path.find('/', at);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    if (end > at) {
      auto part = percent_decode(path.substr(at, end - at), "path", false);
      if (!part) return tl::unexpected(part.error());
      out.push_back(std::move(*part));
    }
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return out;
}

Answer<Query> Query::parse(std::string_view text) {
  Query q;
  std::size_t at = 0;
  while (at < text.size()) {
    auto amp = text.find('&', at);
    if (amp == std::string_view::npos) amp = text.size();
    const auto pair = text.substr(at, amp - at);
    at = amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), "query", true);
    if (!name) return tl::unexpected(name.error());
    auto value =
        percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), *name, true);
    if (!value) return tl::unexpected(value.error());
    q.values_.emplace(std::move(*name), std::move(*value));
  }
  return q;
}

Answer<void> Query::only(std::initializer_list<std::string_view> known) const {
  for (const auto& [name, value] : values_) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string detail = "unknown query parameter '" + name + "'";
    const auto near = closest_match(name, std::vector<std::string_view>(known));
    if (near) detail += " (did you mean '" + *near + "'?)";
    if (known.size() > 0) {
      detail += "; this route takes:";
      for (auto k : known) detail += " " + std::string(k);
    } else {
      detail += "; this route takes none";
    }
    return bad_input(name, detail);
  }
  return {};
}

Answer<std::optional<std::string>> Query::text(std::string_view name) const {
  const auto [first, last] = values_.equal_range(name);
  if (first == last) return std::nullopt;
  if (std::next(first) != last) return bad_input(std::string(name), "given more than once");
  return first->second;
}

std::vector<std::string> Query::list(std::string_view name) const {
  std::vector<std::string> out;
  const auto [first, last] = values_.equal_range(name);
  for (auto it = first; it != last; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      const auto comma = v.find(',');
      if (comma != 0) out.emplace_back(v.substr(0, comma));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

Answer<std::optional<std::int64_t>> Query::integer(std::string_view name, std::int64_t min,
                                                   std::int64_t max) const {
  auto t = text(name);
  if (!t) return tl::unexpected(t.error());
  if (!*t) return std::nullopt;
  const std::string& s = **t;
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || n < min || n > max)
    return bad_input(std::string(name), "'" + s + "' is not a whole number from " +
                                            std::to_string(min) + " to " + std::to_string(max));
  return n;
}

Answer<std::optional<bool>> Query::boolean(std::string_view name) const {
  auto t = text(name);
  if (!t) return tl::unexpected(t.error());
  if (!*t) return std::nullopt;
  if (**t == "true") return true;
  if (**t == "false") return false;
  return bad_input(std::string(name), "'" + **t + "' is not true or false");
}

}  // namespace sluice::api
