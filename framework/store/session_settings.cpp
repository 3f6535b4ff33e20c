#include "framework/store/session_settings.hpp"

#include <array>

namespace sluice::store {
namespace {

struct Setting {
  const char* name;
  const char* value;     // as SET and `-c` take it (no space: `-c` splits at spaces)
  const char* reported;  // as the server reports it, or nullptr if it does not
};

// Why each one: the codecs write and read PostgreSQL's text forms.
constexpr std::array<Setting, 10> kPinned{{
    {"DateStyle", "ISO,MDY", "ISO, MDY"},          // 2024-03-04, never 04/03/2024
    {"IntervalStyle", "postgres", "postgres"},     // `-1 days +02:03:04`, as read back
    {"TimeZone", "UTC", "UTC"},                    // timestamptz written `+00`, timestamp = UTC
    {"extra_float_digits", "3", nullptr},          // floats round-trip exactly
    {"bytea_output", "hex", nullptr},              // `\x..`, unambiguous on input
    {"standard_conforming_strings", "on", "on"},   // backslashes in literals are literal
    {"lc_monetary", "C", nullptr},                 // money as `$1,234.50` on both sides
    {"array_nulls", "on", nullptr},                // `{NULL}` is a null element, not 'NULL'
    {"xmloption", "content", nullptr},             // xml fragments load as they were read
    {"client_encoding", kClientEncoding, "UTF8"},  // the stage is UTF-8
}};

}  // namespace

std::string pinned_options(std::string_view given) {
  std::string out(given);
  for (const auto& s : kPinned) {
    if (std::string_view(s.name) == "client_encoding") continue;  // a keyword of its own
    out += (out.empty() ? "-c " : " -c ") + std::string(s.name) + "=" + s.value;
  }
  return out;
}

std::string pinned_set_statement() {
  std::string out;
  for (const auto& s : kPinned) out += "SET " + std::string(s.name) + " = '" + s.value + "'; ";
  return out;
}

std::string drifted_settings(
    const std::function<std::optional<std::string>(const char* name)>& reported) {
  std::string out;
  for (const auto& s : kPinned) {
    if (!s.reported) continue;
    const auto value = reported(s.name);
    if (value && *value != s.reported)
      out += (out.empty() ? "" : ", ") + std::string(s.name) + " '" + *value + "'";
  }
  return out;
}

}  // namespace sluice::store
