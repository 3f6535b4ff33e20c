#pragma once
// Key tables: every section of the config (daemon file, pipeline file, each adapter's
// connection, source and target keys) is one table of keys. The same rows drive validation,
// fill in defaults, print `config show` and generate the reference (`sluicectl config keys`),
// so the documentation cannot drift from what the loader accepts.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/schema/secret.hpp"

namespace sluice::config {

enum class KeyType {
  string,
  integer,         // min/max apply
  number,          // min/max apply
  boolean,         // true/false (yes/no, on/off)
  duration,        // `30s`, `1h30m`; months only when `calendar`; zero only when min is 0
  cron,            // 5-field cron or @hourly...
  zone,            // IANA time zone
  granularity,     // window size
  instant,         // bare date (local midnight in the pipeline's zone) or instant with offset
  choice,          // one of `choices`
  string_list,     // list of strings
  choice_list,     // list of `choices`
  identifier,      // SQL table: `table` or `schema.table`
  column,          // SQL column: one identifier
  path,            // file system path, relative to the file that holds it
  field_template,  // `{pipeline}/{window_start:%Y/%m/%d}`
  template_map,    // name -> field template
  string_map,      // name -> string
  integer_map,     // name -> integer; min/max apply to each value
  section,         // nested table `section`
  section_list,    // list of `section`
  // Validated by the loader itself: their tables depend on other keys.
  connection_map,   // name -> connection (kind + the kind's keys)
  adapter_section,  // `section` plus the keys of the connection's adapter
};

// Extra check of a string value: an error message, or empty when fine. Never echo a secret.
using StringCheck = std::string (*)(std::string_view value);

struct KeyTable;

struct KeySpec {
  std::string_view name{};
  KeyType type = KeyType::string;
  std::string_view description{};
  // YAML text parsed as the key's type when the key is absent; a text in parentheses
  // describes a default the loader computes (`(daemon timezone)`); empty: no default.
  std::string_view default_value{};
  bool required = false;
  Secrecy secret = Secrecy::none;
  std::vector<std::string_view> choices{};
  std::optional<double> min{};
  std::optional<double> max{};
  const KeyTable* section = nullptr;
  StringCheck check = nullptr;
  bool calendar = false;  // durations: months allowed
  // section_list: a plain scalar item stands for a mapping of this one key
  // (`depends_on: [a, {pipeline: b, mode: latest}]`).
  std::string_view shorthand{};
  // Accepted and documented, but nothing reads it yet: the reference says so and a config
  // that sets it gets a warning, until the feature lands and this flag goes.
  bool planned = false;

  bool has_literal_default() const {
    return !default_value.empty() && default_value.front() != '(';
  }
};

// What `validate` and sluiced say of a planned key that is set.
inline constexpr std::string_view kPlannedWarning =
    "planned, not implemented yet: this version accepts the key and does nothing with it";

struct KeyTable {
  std::string_view title;  // how the reference names it: `pipeline`, `postgres connection`
  std::string_view description{};
  std::vector<KeySpec> keys;

  const KeySpec* find(std::string_view name) const;
  std::vector<std::string_view> names() const;
};

// `integer (1 to 256)`, `one of: text, json`, `list of strings`.
std::string type_name(const KeySpec& spec);

}  // namespace sluice::config
