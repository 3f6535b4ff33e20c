#include "framework/schema/scalar.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "framework/core/ascii.hpp"
#include "framework/core/suggest.hpp"
#include "framework/schema/identifier.hpp"

namespace sluice::config {
namespace {

std::string number_text(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

std::string range_error(const KeySpec& spec) {
  if (spec.min && spec.max) {
    return "must be between " + number_text(*spec.min) + " and " + number_text(*spec.max);
  }
  if (spec.min) return "must be at least " + number_text(*spec.min);
  return "must be at most " + number_text(spec.max.value_or(0));
}

bool in_range(const KeySpec& spec, double v) {
  return (!spec.min || v >= *spec.min) && (!spec.max || v <= *spec.max);
}

template <class T>
tl::expected<Value, std::string> lift(tl::expected<T, std::string> parsed) {
  if (!parsed) return tl::unexpected(parsed.error());
  return Value(std::move(*parsed));
}

tl::expected<Value, std::string> parse_choice(const KeySpec& spec, std::string_view text) {
  if (std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end()) {
    return Value(std::string(text));
  }
  std::string message = "unknown value '" + shown_scalar(text) + "'";
  if (auto close = closest_match(text, spec.choices)) {
    return tl::unexpected(message + " (did you mean '" + *close + "'?)");
  }
  std::string all;
  for (auto c : spec.choices) all += (all.empty() ? "" : ", ") + std::string(c);
  return tl::unexpected(message + " (expected one of: " + all + ")");
}

// `0`, `0s`, `00m`...: a zero length, which parse_duration refuses everywhere else.
bool is_zero_duration(std::string_view text) {
  const auto digits = text.find_first_not_of('0');
  if (digits == 0) return false;
  const std::string_view unit = digits == std::string_view::npos ? "" : text.substr(digits);
  return unit.empty() || unit == "s" || unit == "m" || unit == "h" || unit == "d" || unit == "w" ||
         unit == "mo";
}

tl::expected<Value, std::string> parse_duration_key(const KeySpec& spec, std::string_view text) {
  // Durations with `min: 0` accept zero (no lag); the others must be positive.
  if (spec.min && *spec.min == 0 && is_zero_duration(text)) return Value(time::Duration{});
  auto d = time::parse_duration(text);
  if (!d) return tl::unexpected(d.error());
  if (d->months != 0 && !spec.calendar) {
    return tl::unexpected("'" + std::string(text) +
                          "': months have no fixed length; use days or weeks here");
  }
  return Value(*d);
}

tl::expected<Value, std::string> parse_plain(const KeySpec& spec, std::string_view text,
                                             const ScalarContext& ctx) {
  const std::string q = quoted_value(spec, text);
  switch (spec.type) {
    case KeyType::integer: {
      std::int64_t v = 0;
      const auto* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end) return tl::unexpected("expected an integer, got " + q);
      if (!in_range(spec, static_cast<double>(v))) return tl::unexpected(range_error(spec));
      return Value(v);
    }
    case KeyType::number: {
      const std::string s(text);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
        return tl::unexpected("expected a number, got " + q);
      }
      if (!in_range(spec, v)) return tl::unexpected(range_error(spec));
      return Value(v);
    }
    case KeyType::boolean: {
      if (auto b = parse_bool(text)) return Value(*b);
      return tl::unexpected("expected true or false, got " + q);
    }
    case KeyType::duration: return parse_duration_key(spec, text);
    case KeyType::cron: return lift(time::Cron::parse(text));
    case KeyType::zone: return lift(time::locate_zone(text));
    case KeyType::granularity: return lift(time::Granularity::parse(text));
    case KeyType::field_template: return lift(time::FieldTemplate::parse(text));
    case KeyType::instant: {
      auto t = time::parse_instant(text, time::utc_zone());
      if (!t) return tl::unexpected(t.error());
      return Value(std::string(text));
    }
    case KeyType::choice: return parse_choice(spec, text);
    case KeyType::identifier:
    case KeyType::column: {
      const std::string problem =
          spec.type == KeyType::column ? check_column_name(text) : check_table_name(text);
      if (!problem.empty()) return tl::unexpected(problem);
      return Value(std::string(text));
    }
    case KeyType::path: {
      std::filesystem::path p(text);
      if (p.is_relative()) p = ctx.base_dir / p;
      return Value(p.lexically_normal().string());
    }
    case KeyType::string: return Value(std::string(text));
    default: return tl::unexpected("expected " + type_name(spec));
  }
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text) {
  const std::string s = ascii_lower(text);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

std::string quoted_value(const KeySpec& spec, std::string_view text) {
  if (spec.secret != Secrecy::none) return "a value that is not shown (secret key)";
  return "'" + shown_scalar(text) + "'";
}

tl::expected<Value, std::string> parse_scalar(const KeySpec& spec, std::string_view text,
                                              const ScalarContext& ctx) {
  if (spec.secret != Secrecy::none) {
    SecretContext secrets = ctx.secrets ? *ctx.secrets : SecretContext{};
    auto secret = resolve_secret(text, spec.secret, secrets);
    if (!secret) return tl::unexpected(secret.error());
    if (spec.check && secret->is_resolved()) {
      if (auto problem = spec.check(secret->reveal()); !problem.empty()) {
        return tl::unexpected(problem);
      }
    }
    return Value(std::move(*secret));
  }
  if (has_secret_reference(text)) {
    return tl::unexpected(std::string(
        "secret references (${env:...}, ${file:...}, ${credential:...}) are only expanded in "
        "secret keys, and this key is not one"));
  }
  auto value = parse_plain(spec, text, ctx);
  if (value && spec.check) {
    if (auto problem = spec.check(text); !problem.empty()) return tl::unexpected(problem);
  }
  return value;
}

}  // namespace sluice::config
