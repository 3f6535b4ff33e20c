#include "framework/config/secret.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ostream>

namespace sluice::config {
namespace {

constexpr std::size_t kMaxSecretFile = 64 * 1024;

bool is_lone_reference(std::string_view text) {
  return text.size() > 3 && text.substr(0, 2) == "${" && text.back() == '}' &&
         text.find('}') == text.size() - 1;
}

// Position of the first character of `chars` at or after `from`, skipping `${...}` spans
// (a reference may hold `/`, `:` or `@`: `${file:/run/pw}`).
std::size_t find_outside_refs(std::string_view text, std::string_view chars, std::size_t from) {
  for (std::size_t i = from; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") == 0) {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) return std::string_view::npos;
      i = close;
      continue;
    }
    if (chars.find(text[i]) != std::string_view::npos) return i;
  }
  return std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_sensitive_parameter(std::string_view key) {
  static constexpr std::array<std::string_view, 11> names = {
      "password", "sslpassword", "pass",   "pwd",       "token", "access_token",
      "api_key",  "apikey",      "secret", "signature", "sig"};
  const std::string k = lower(key);
  return std::find(names.begin(), names.end(), k) != names.end();
}

std::string masked(std::string_view value) {
  return is_lone_reference(value) ? std::string(value) : std::string(kRedacted);
}

// `scheme://user:pw@host/db?password=x`; nullopt when `text` is not a URL.
std::optional<std::string> mask_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  for (std::size_t i = 0; i < scheme_end; ++i) {
    const char c = text[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return std::nullopt;
    }
  }
  const std::size_t authority = scheme_end + 3;
  std::size_t authority_end = find_outside_refs(text, "/?#", authority);
  if (authority_end == std::string_view::npos) authority_end = text.size();
  std::string out(text.substr(0, authority));
  std::string_view auth = text.substr(authority, authority_end - authority);
  if (const auto at = auth.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = auth.substr(0, at);
    if (const auto colon = find_outside_refs(userinfo, ":", 0); colon != std::string_view::npos) {
      out += std::string(userinfo.substr(0, colon + 1)) + masked(userinfo.substr(colon + 1));
    } else {
      out += userinfo;
    }
    out += auth.substr(at);
  } else {
    out += auth;
  }
  std::string_view rest = text.substr(authority_end);
  const auto q = find_outside_refs(rest, "?", 0);
  if (q == std::string_view::npos) return out + std::string(rest);
  out += rest.substr(0, q + 1);
  std::string_view query = rest.substr(q + 1);
  std::string_view fragment;
  if (const auto hash = query.find('#'); hash != std::string_view::npos) {
    fragment = query.substr(hash);
    query = query.substr(0, hash);
  }
  bool first = true;
  while (true) {
    const auto amp = find_outside_refs(query, "&", 0);
    std::string_view param = query.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const auto eq = param.find('=');
    if (eq != std::string_view::npos && is_sensitive_parameter(param.substr(0, eq))) {
      out += std::string(param.substr(0, eq + 1)) + masked(param.substr(eq + 1));
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out + std::string(fragment);
}

// libpq `host=db password='p w' dbname=app`; nullopt when `text` is not such a string.
std::optional<std::string> mask_conninfo(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  int pairs = 0;
  const auto skip_ws = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) out += text[i++];
  };
  while (true) {
    skip_ws();
    if (i >= text.size()) break;
    const std::size_t key_start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_'))
      ++i;
    if (i == key_start) return std::nullopt;
    const std::string_view key = text.substr(key_start, i - key_start);
    out += key;
    skip_ws();
    if (i >= text.size() || text[i] != '=') return std::nullopt;
    out += text[i++];
    skip_ws();
    const std::size_t value_start = i;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) return std::nullopt;
      ++i;
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    }
    const std::string_view value = text.substr(value_start, i - value_start);
    const bool secret = is_sensitive_parameter(key);
    std::string_view bare = value;
    if (bare.size() >= 2 && bare.front() == '\'') bare = bare.substr(1, bare.size() - 2);
    out += secret ? masked(bare) : std::string(value);
    ++pairs;
  }
  if (pairs == 0) return std::nullopt;
  return out;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

tl::expected<std::string, std::string> read_secret_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected("cannot read " + path.string() + ": " + std::strerror(errno));
  std::string content(kMaxSecretFile + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > kMaxSecretFile) {
    return tl::unexpected(path.string() + " is larger than 64 KiB");
  }
  // `echo pw > file` adds one newline that is no part of the secret.
  if (!content.empty() && content.back() == '\n') content.pop_back();
  if (!content.empty() && content.back() == '\r') content.pop_back();
  return content;
}

tl::expected<std::string, std::string> resolve_reference(std::string_view kind,
                                                         std::string_view arg,
                                                         const SecretContext& ctx,
                                                         const Environment& env) {
  if (kind == "env") {
    if (!valid_env_name(arg))
      return tl::unexpected(std::string("invalid environment variable name"));
    auto value = env.get(std::string(arg));
    if (!value) return tl::unexpected("environment variable " + std::string(arg) + " is not set");
    return *value;
  }
  if (kind == "file") {
    if (arg.empty()) return tl::unexpected(std::string("empty file path"));
    std::filesystem::path path(arg);
    if (path.is_relative()) path = ctx.base_dir / path;
    return read_secret_file(path);
  }
  if (kind == "credential") {
    if (arg.empty() || arg == "." || arg == ".." || arg.find('/') != std::string_view::npos) {
      return tl::unexpected(std::string("invalid credential name (a file name, no '/')"));
    }
    auto dir = env.get("CREDENTIALS_DIRECTORY");
    if (!dir || dir->empty()) {
      return tl::unexpected(
          std::string("$CREDENTIALS_DIRECTORY is not set (systemd sets it for LoadCredential=)"));
    }
    return read_secret_file(std::filesystem::path(*dir) / arg);
  }
  return tl::unexpected("unknown reference kind '" + std::string(kind) +
                        "' (use env, file or credential)");
}

}  // namespace

Environment Environment::process() {
  return Environment{};
}

Environment Environment::fixed(std::map<std::string, std::string> vars) {
  Environment e;
  e.vars_ = std::move(vars);
  return e;
}

std::optional<std::string> Environment::get(const std::string& name) const {
  if (vars_) {
    auto it = vars_->find(name);
    if (it == vars_->end()) return std::nullopt;
    return it->second;
  }
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

Secret Secret::literal(std::string value, Secrecy secrecy) {
  Secret s;
  s.written_ = value;
  s.value_ = std::move(value);
  s.secrecy_ = secrecy;
  s.resolved_ = true;
  return s;
}

Secret Secret::resolved(std::string written, std::string value, Secrecy secrecy) {
  Secret s;
  s.written_ = std::move(written);
  s.value_ = std::move(value);
  s.secrecy_ = secrecy;
  s.resolved_ = true;
  return s;
}

Secret Secret::unresolved(std::string written, Secrecy secrecy) {
  Secret s;
  s.written_ = std::move(written);
  s.secrecy_ = secrecy;
  return s;
}

std::string Secret::redacted() const {
  if (written_.empty()) return "";
  if (is_lone_reference(written_)) return written_;
  if (secrecy_ == Secrecy::url) return redact_credentials(written_);
  return std::string(kRedacted);
}

std::ostream& operator<<(std::ostream& os, const Secret& s) {
  return os << s.redacted();
}

std::string redact_credentials(std::string_view text) {
  if (is_lone_reference(text)) return std::string(text);
  if (auto url = mask_url(text)) return *url;
  if (auto conninfo = mask_conninfo(text)) return *conninfo;
  return std::string(kRedacted);
}

bool has_secret_reference(std::string_view text) {
  for (auto prefix : {"${env:", "${file:", "${credential:"}) {
    if (text.find(prefix) != std::string_view::npos) return true;
  }
  return false;
}

tl::expected<Secret, std::string> resolve_secret(std::string_view written, Secrecy secrecy,
                                                 const SecretContext& ctx) {
  static const Environment process_env = Environment::process();
  const Environment& env = ctx.env ? *ctx.env : process_env;
  std::string value;
  std::size_t i = 0;
  while (i < written.size()) {
    if (written.compare(i, 3, "$${") == 0) {
      value += "${";
      i += 3;
      continue;
    }
    if (written.compare(i, 2, "${") != 0) {
      value += written[i++];
      continue;
    }
    const auto close = written.find('}', i);
    if (close == std::string_view::npos) {
      return tl::unexpected("unterminated '${' at character " + std::to_string(i + 1) +
                            " (write $${ for a literal ${)");
    }
    const std::string_view ref = written.substr(i, close - i + 1);
    const std::string_view inner = written.substr(i + 2, close - i - 2);
    const auto colon = inner.find(':');
    if (colon == std::string_view::npos) {
      return tl::unexpected(std::string(ref) +
                            ": expected ${env:NAME}, ${file:PATH} or ${credential:NAME}");
    }
    if (ctx.resolve) {
      auto part = resolve_reference(inner.substr(0, colon), inner.substr(colon + 1), ctx, env);
      if (!part) return tl::unexpected(std::string(ref) + ": " + part.error());
      value += *part;
    } else {
      const auto kind = inner.substr(0, colon);
      if (kind != "env" && kind != "file" && kind != "credential") {
        return tl::unexpected(std::string(ref) + ": unknown reference kind '" + std::string(kind) +
                              "' (use env, file or credential)");
      }
    }
    i = close + 1;
  }
  if (!ctx.resolve) return Secret::unresolved(std::string(written), secrecy);
  return Secret::resolved(std::string(written), std::move(value), secrecy);
}

}  // namespace sluice::config
