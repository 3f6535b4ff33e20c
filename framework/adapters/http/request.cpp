#include "framework/adapters/http/request.hpp"

#include <cctype>

namespace sluice::adapters::http {

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':' ||
        c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string add_query(std::string url, std::string_view name, std::string_view value) {
  const auto hash = url.find('#');
  std::string fragment;
  if (hash != std::string::npos) {
    fragment = url.substr(hash);
    url.resize(hash);
  }
  if (url.find('?') == std::string::npos) {
    url += '?';
  } else if (url.back() != '?' && url.back() != '&') {
    url += '&';
  }
  url += url_encode(name);
  url += '=';
  url += url_encode(value);
  return url + fragment;
}

std::string UrlTemplate::render(const time::TemplateContext& ctx) const {
  std::string url = base_url;
  if (!url.empty() && url.back() == '/' && !path.text().empty() && path.text().front() == '/')
    url.pop_back();
  url += path.render(ctx, url_encode);
  for (const auto& [name, value] : query) url = add_query(std::move(url), name, value.render(ctx));
  return url;
}

std::string next_from_link_header(std::string_view header) {
  // `<https://a/b?page=2>; rel="next", <https://a/b?page=9>; rel="last"`
  std::size_t pos = 0;
  while (pos < header.size()) {
    const auto open = header.find('<', pos);
    if (open == std::string_view::npos) break;
    const auto close = header.find('>', open);
    if (close == std::string_view::npos) break;
    const auto end = header.find('<', close);
    const std::string_view params = header.substr(close + 1, end - close - 1);
    const auto rel = params.find("rel=");
    if (rel != std::string_view::npos) {
      std::string_view value = params.substr(rel + 4);
      const bool quoted = !value.empty() && value.front() == '"';
      if (quoted) value.remove_prefix(1);
      value = value.substr(0, value.find_first_of(quoted ? "\"" : ";, "));
      // rel may list several relation types: `rel="next last"`.
      std::size_t i = 0;
      while (i < value.size()) {
        const auto sp = value.find(' ', i);
        if (value.substr(i, sp - i) == "next")
          return std::string(header.substr(open + 1, close - open - 1));
        if (sp == std::string_view::npos) break;
        i = sp + 1;
      }
    }
    pos = close + 1;
  }
  return {};
}

}  // namespace sluice::adapters::http
