#pragma once
// A validated section: one entry per key of its table (in table order), each with its typed
// value, where it came from and whether it was a default. Adapters read their own keys from
// here; `config show` prints it as it is.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "framework/schema/diagnostic.hpp"
#include "framework/schema/key_table.hpp"
#include "framework/schema/secret.hpp"
#include "framework/time/cron.hpp"
#include "framework/time/duration.hpp"
#include "framework/time/field_template.hpp"
#include "framework/time/granularity.hpp"
#include "framework/time/zone.hpp"

namespace sluice::config {

using NamedTemplates = std::vector<std::pair<std::string, time::FieldTemplate>>;
using NamedStrings = std::vector<std::pair<std::string, std::string>>;
using NamedIntegers = std::vector<std::pair<std::string, std::int64_t>>;

// monostate: unset with no default, or invalid (the error is already reported).
// Strings hold string, instant (as written), choice, identifier, column and path (resolved).
using Value =
    std::variant<std::monostate, std::string, std::int64_t, double, bool, time::Duration,
                 time::Cron, time::Zone, time::Granularity, time::FieldTemplate,
                 std::vector<std::string>, Secret, NamedTemplates, NamedStrings, NamedIntegers>;

class Fields {
 public:
  struct Entry {
    const KeySpec* spec = nullptr;
    Location where;          // the value, or the section when defaulted
    bool defaulted = false;  // absent from the file
    Value value;
    std::vector<Fields> children;  // section: one; section_list: one per item
  };

  Fields() = default;
  Fields(std::string path, Location where) : path_(std::move(path)), where_(std::move(where)) {}

  const std::string& path() const { return path_; }
  const Location& where() const { return where_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }

  const Entry* find(std::string_view key) const;
  Entry* find(std::string_view key);
  // The entry's location, or the section's when the key has no entry.
  Location where_of(std::string_view key) const;
  // Set in the file (not a default).
  bool is_set(std::string_view key) const;

  template <class T>
  const T* get(std::string_view key) const {
    const Entry* e = find(key);
    return e ? std::get_if<T>(&e->value) : nullptr;
  }
  template <class T>
  T value_or(std::string_view key, T fallback) const {
    const T* v = get<T>(key);
    return v ? *v : std::move(fallback);
  }
  std::string string_or(std::string_view key, std::string fallback = {}) const {
    return value_or<std::string>(key, std::move(fallback));
  }
  const Fields* section(std::string_view key) const;
  const std::vector<Fields>& list(std::string_view key) const;

  void add(Entry entry) { entries_.push_back(std::move(entry)); }
  // A default the loader computed (`(daemon timezone)`), so `config show` prints it.
  void set_derived(std::string_view key, Value value);
  const std::vector<Entry>& entries() const { return entries_; }

  // Reports an error at the key's location with its full path.
  void error(Diagnostics& diags, std::string_view key, std::string message) const;

 private:
  std::string path_;
  Location where_;
  std::vector<Entry> entries_;
};

// The section as JSON, secrets redacted, durations and zones as text.
nlohmann::ordered_json to_json(const Fields& fields);

}  // namespace sluice::config
