#include "framework/schema/bind.hpp"

#include <algorithm>
#include <array>

namespace sluice::config {
namespace {

template <class V>
constexpr std::size_t alternative = detail::AlternativeIndex<V, Value>::value;

std::string quoted(std::string_view name) {
  return "'" + std::string(name) + "'";
}

std::string section_text(const KeyTable& table, bool list) {
  return std::string(list ? "a list of sections bound by '" : "a section bound by '") +
         std::string(table.title) + "'";
}

// What the loader stores for a key, and what a member takes: for messages.
std::string holds(const KeySpec& spec) {
  if ((spec.type == KeyType::section || spec.type == KeyType::section_list) && spec.section)
    return section_text(*spec.section, spec.type == KeyType::section_list);
  return std::string(value_type_name(value_index(spec)));
}

std::string reads(const BindingInfo::Key& key) {
  if (key.section) return section_text(key.section->table(), key.list);
  return std::string(value_type_name(key.reads));
}

bool fits(const KeySpec& spec, const BindingInfo::Key& key) {
  if (spec.type == KeyType::section || spec.type == KeyType::section_list) {
    return key.section && key.list == (spec.type == KeyType::section_list) &&
           &key.section->table() == spec.section;
  }
  return !key.section && key.reads != std::variant_npos && key.reads == value_index(spec);
}

}  // namespace

std::size_t value_index(const KeySpec& spec) {
  if (spec.secret != Secrecy::none) return alternative<Secret>;
  switch (spec.type) {
    case KeyType::string:
    case KeyType::instant:
    case KeyType::choice:
    case KeyType::identifier:
    case KeyType::column:
    case KeyType::path: return alternative<std::string>;
    case KeyType::integer: return alternative<std::int64_t>;
    case KeyType::number: return alternative<double>;
    case KeyType::boolean: return alternative<bool>;
    case KeyType::duration: return alternative<time::Duration>;
    case KeyType::cron: return alternative<time::Cron>;
    case KeyType::zone: return alternative<time::Zone>;
    case KeyType::granularity: return alternative<time::Granularity>;
    case KeyType::field_template: return alternative<time::FieldTemplate>;
    case KeyType::string_list:
    case KeyType::choice_list: return alternative<std::vector<std::string>>;
    case KeyType::template_map: return alternative<NamedTemplates>;
    case KeyType::string_map: return alternative<NamedStrings>;
    case KeyType::integer_map: return alternative<NamedIntegers>;
    case KeyType::section:
    case KeyType::section_list:
    case KeyType::connection_map:
    case KeyType::adapter_section: break;
  }
  return std::variant_npos;
}

std::string_view value_type_name(std::size_t i) {
  // In Value's order (fields.hpp).
  static constexpr std::array<std::string_view, std::variant_size_v<Value>> names = {
      "nothing",         "string", "integer",      "number",      "boolean",
      "duration",        "cron",   "zone",         "granularity", "field template",
      "list of strings", "secret", "template map", "string map",  "integer map"};
  return i < names.size() ? names[i] : "no value";
}

std::vector<std::string> BindingInfo::problems() const {
  std::vector<std::string> out;
  const std::string table = quoted(table_->title);
  const auto bound = [&](std::string_view name) {
    return std::count_if(keys_.begin(), keys_.end(), [&](const Key& k) { return k.name == name; });
  };
  const auto read_elsewhere = [&](std::string_view name) {
    return std::any_of(elsewhere_.begin(), elsewhere_.end(),
                       [&](const Elsewhere& e) { return e.name == name; });
  };
  for (const auto& spec : table_->keys) {
    const auto times = bound(spec.name);
    if (times == 0 && !read_elsewhere(spec.name))
      out.push_back(table + ": key " + quoted(spec.name) +
                    " is neither bound nor listed as read elsewhere");
    if (times > 1)
      out.push_back(table + ": key " + quoted(spec.name) + " is bound " + std::to_string(times) +
                    " times");
    if (times > 0 && read_elsewhere(spec.name))
      out.push_back(table + ": key " + quoted(spec.name) +
                    " is bound and also listed as read elsewhere");
  }
  for (const auto& key : keys_) {
    const KeySpec* spec = table_->find(key.name);
    if (!spec) {
      out.push_back(table + ": binds " + quoted(key.name) + ", which the table does not have");
    } else if (!fits(*spec, key)) {
      out.push_back(table + ": key " + quoted(key.name) + " holds " + holds(*spec) +
                    ", its member reads " + reads(key));
    }
    if (key.section) {
      for (auto& p : key.section->problems()) out.push_back(quoted(key.name) + ": " + p);
    }
  }
  for (const auto& e : elsewhere_) {
    if (!table_->find(e.name))
      out.push_back(table + ": lists " + quoted(e.name) +
                    " as read elsewhere, which the table does not have");
    if (e.reason.empty())
      out.push_back(table + ": key " + quoted(e.name) + " is read elsewhere, but says not where");
  }
  return out;
}

}  // namespace sluice::config
