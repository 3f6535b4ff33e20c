#include "framework/schema/secret.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ostream>

#include "framework/schema/file_text.hpp"

namespace sluice::config {
namespace {

constexpr std::size_t kMaxSecretFile = 64 * 1024;

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

tl::expected<std::string, std::string> read_secret_file(const std::filesystem::path& path) {
  auto content = read_regular_file(path, kMaxSecretFile);
  if (!content) return content;
  // `echo pw > file` adds one newline that is no part of the secret.
  if (!content->empty() && content->back() == '\n') content->pop_back();
  if (!content->empty() && content->back() == '\r') content->pop_back();
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
  // A value pasted into a connection URL or libpq string is escaped for its place, so that a
  // password holding `@`, `/`, `%` or a space is still one password.
  const auto slots = secrecy == Secrecy::url ? reference_slots(written) : std::vector<Slot>{};
  std::size_t reference = 0;
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
      value += escape_for(reference < slots.size() ? slots[reference] : Slot::raw, *part);
    } else {
      const auto kind = inner.substr(0, colon);
      if (kind != "env" && kind != "file" && kind != "credential") {
        return tl::unexpected(std::string(ref) + ": unknown reference kind '" + std::string(kind) +
                              "' (use env, file or credential)");
      }
    }
    ++reference;
    i = close + 1;
  }
  if (!ctx.resolve) return Secret::unresolved(std::string(written), secrecy);
  return Secret::resolved(std::string(written), std::move(value), secrecy);
}

}  // namespace sluice::config
