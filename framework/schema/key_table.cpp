#include "framework/schema/key_table.hpp"

#include <fmt/format.h>

namespace sluice::config {
namespace {

std::string bound(double v) {
  return fmt::format("{}", v);
}

std::string joined(const std::vector<std::string_view>& items) {
  std::string out;
  for (auto i : items) out += (out.empty() ? "" : ", ") + std::string(i);
  return out;
}

}  // namespace

const KeySpec* KeyTable::find(std::string_view name) const {
  for (const auto& k : keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::vector<std::string_view> KeyTable::names() const {
  std::vector<std::string_view> out;
  for (const auto& k : keys) out.push_back(k.name);
  return out;
}

std::string type_name(const KeySpec& spec) {
  const auto range = [&](std::string base) {
    if (spec.min && spec.max)
      return base + " (" + bound(*spec.min) + " to " + bound(*spec.max) + ")";
    if (spec.min) return base + " (at least " + bound(*spec.min) + ")";
    if (spec.max) return base + " (at most " + bound(*spec.max) + ")";
    return base;
  };
  switch (spec.type) {
    case KeyType::string: return "a string";
    case KeyType::integer: return range("an integer");
    case KeyType::number: return range("a number");
    case KeyType::boolean: return "true or false";
    case KeyType::duration: return "a duration";
    case KeyType::cron: return "a cron expression";
    case KeyType::zone: return "a time zone";
    case KeyType::granularity: return "a granularity";
    case KeyType::instant: return "a date or an instant";
    case KeyType::choice: return "one of: " + joined(spec.choices);
    case KeyType::string_list: return "a list of strings";
    case KeyType::choice_list: return "a list of: " + joined(spec.choices);
    case KeyType::identifier: return "a table name";
    case KeyType::column: return "a column name";
    case KeyType::path: return "a path";
    case KeyType::field_template: return "a template";
    case KeyType::template_map: return "a mapping of name to template";
    case KeyType::string_map: return "a mapping of name to string";
    case KeyType::integer_map: return range("a mapping of name to integer");
    case KeyType::section:
    case KeyType::adapter_section: return "a mapping";
    case KeyType::section_list: return "a list of mappings";
    case KeyType::connection_map: return "a mapping of name to connection";
  }
  return "a value";
}

}  // namespace sluice::config
