#include "framework/schema/fields.hpp"

#include <nlohmann/json.hpp>

namespace sluice::config {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

nlohmann::ordered_json value_json(const Value& value) {
  using J = nlohmann::ordered_json;
  return std::visit(
      Overloaded{
          [](std::monostate) -> J { return nullptr; },
          [](const std::string& s) -> J { return s; },
          [](std::int64_t i) -> J { return i; },
          [](double d) -> J { return d; },
          [](bool b) -> J { return b; },
          [](const time::Duration& d) -> J { return time::to_string(d); },
          [](const time::Cron& c) -> J { return c.text(); },
          [](time::Zone z) -> J { return z ? J(std::string(z->name())) : J(nullptr); },
          [](const time::Granularity& g) -> J { return g.to_string(); },
          [](const time::FieldTemplate& t) -> J { return t.text(); },
          [](const std::vector<std::string>& list) -> J { return list; },
          [](const Secret& s) -> J { return s.redacted(); },
          [](const NamedTemplates& map) -> J {
            J out = J::object();
            for (const auto& [name, tmpl] : map) out[name] = tmpl.text();
            return out;
          },
          [](const NamedStrings& map) -> J {
            J out = J::object();
            for (const auto& [name, text] : map) out[name] = text;
            return out;
          },
          [](const NamedIntegers& map) -> J {
            J out = J::object();
            for (const auto& [name, n] : map) out[name] = n;
            return out;
          },
      },
      value);
}

}  // namespace

const Fields::Entry* Fields::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.spec->name == key) return &e;
  }
  return nullptr;
}

Fields::Entry* Fields::find(std::string_view key) {
  for (auto& e : entries_) {
    if (e.spec->name == key) return &e;
  }
  return nullptr;
}

Location Fields::where_of(std::string_view key) const {
  const Entry* e = find(key);
  return e ? e->where : where_;
}

bool Fields::is_set(std::string_view key) const {
  const Entry* e = find(key);
  return e && !e->defaulted;
}

const Fields* Fields::section(std::string_view key) const {
  const Entry* e = find(key);
  return e && !e->children.empty() ? &e->children.front() : nullptr;
}

const std::vector<Fields>& Fields::list(std::string_view key) const {
  static const std::vector<Fields> none;
  const Entry* e = find(key);
  return e ? e->children : none;
}

void Fields::set_derived(std::string_view key, Value value) {
  if (Entry* e = find(key)) e->value = std::move(value);
}

void Fields::error(Diagnostics& diags, std::string_view key, std::string message) const {
  diags.error(where_of(key), path_of(key), std::move(message));
}

nlohmann::ordered_json to_json(const Fields& fields) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& e : fields.entries()) {
    const std::string name(e.spec->name);
    if (e.spec->type == KeyType::section_list) {
      out[name] = nlohmann::ordered_json::array();
      for (const auto& child : e.children) out[name].push_back(to_json(child));
    } else if (!e.children.empty()) {
      out[name] = to_json(e.children.front());
    } else {
      out[name] = value_json(e.value);
    }
  }
  return out;
}

}  // namespace sluice::config
