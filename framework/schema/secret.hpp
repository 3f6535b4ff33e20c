#pragma once
// Secrets in config: `${env:NAME}`, `${file:PATH}` and `${credential:NAME}` (a file in
// systemd's $CREDENTIALS_DIRECTORY, from LoadCredential=). A Secret keeps what was written
// and what it resolved to; every way of printing it shows the written form with passwords
// masked, never the value. reveal() is the one door to the value, for the code that opens
// a connection.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <tl/expected.hpp>

#include "framework/schema/credentials.hpp"

namespace sluice::config {

inline constexpr std::string_view kRedacted = "<redacted>";

// The process environment, or a fixed map (tests, and anything that must not read the
// real environment).
class Environment {
 public:
  static Environment process();
  static Environment fixed(std::map<std::string, std::string> vars);
  std::optional<std::string> get(const std::string& name) const;

 private:
  std::optional<std::map<std::string, std::string>> vars_;
};

// How much of a secret may be shown. `opaque`: nothing but a lone reference (passwords,
// tokens, webhook URLs whose path is the token). `url`: a connection URL or libpq string whose
// structure helps an operator (host, database) and whose password is masked.
enum class Secrecy { none, opaque, url };

class Secret {
 public:
  Secret() = default;
  // A value that arrived already resolved (a flag, an environment variable).
  static Secret literal(std::string value, Secrecy secrecy);
  // `written` is the config text (references unexpanded), `value` what it resolved to.
  static Secret resolved(std::string written, std::string value, Secrecy secrecy);
  // Syntax checked, not resolved (`sluicectl validate --skip-secrets`): reveal() is empty.
  static Secret unresolved(std::string written, Secrecy secrecy);

  const std::string& reveal() const { return value_; }
  bool is_resolved() const { return resolved_; }
  bool empty() const { return written_.empty() && value_.empty(); }
  // What logs, errors and `config show` print: a lone reference as written (`${env:PW}`),
  // a URL or connection string with its password masked, anything else `<redacted>`.
  std::string redacted() const;

 private:
  std::string written_;
  std::string value_;
  Secrecy secrecy_ = Secrecy::opaque;
  bool resolved_ = false;
};

std::ostream& operator<<(std::ostream& os, const Secret& s);

// True when `text` contains a `${env:`, `${file:` or `${credential:` reference.
bool has_secret_reference(std::string_view text);

struct SecretContext {
  const Environment* env = nullptr;  // the process environment when null
  std::filesystem::path base_dir;    // relative `${file:PATH}` are relative to the config file
  bool resolve = true;               // false: check the syntax only
};

// Expands every reference in `written`; literal text around references is kept
// (`postgresql://app:${env:PW}@db/app`). `$${` is a literal `${`. Errors name the reference,
// never a value: "${env:PGPASSWORD}: environment variable PGPASSWORD is not set".
tl::expected<Secret, std::string> resolve_secret(std::string_view written, Secrecy secrecy,
                                                 const SecretContext& ctx);

}  // namespace sluice::config

template <>
struct fmt::formatter<sluice::config::Secret> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const sluice::config::Secret& s, FormatContext& ctx) const {
    const std::string text = s.redacted();
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
