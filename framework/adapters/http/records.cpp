#include "framework/adapters/http/records.hpp"

#include <fmt/format.h>

namespace sluice::adapters::http {

using nlohmann::json;

Result<RecordMapping> RecordMapping::make(const config::NamedStrings& columns) {
  RecordMapping m;
  std::string errors;
  for (const auto& [name, pointer] : columns) {
    try {
      m.pointers_.emplace_back(pointer);
      m.columns_.push_back(Column{name});
    } catch (const json::exception& e) {
      errors += fmt::format("{}column {}: invalid JSON pointer '{}' ({})",
                            errors.empty() ? "" : "; ", name, pointer, e.what());
    }
  }
  if (!errors.empty()) return fail(Error::permanent(std::move(errors)));
  if (m.columns_.empty()) return fail(Error::permanent("no columns mapped"));
  return m;
}

std::string a_type_name(const json& value) {
  const std::string_view name = value.type_name();
  if (value.is_null()) return "null";
  return (name.front() == 'a' || name.front() == 'o' ? "an " : "a ") + std::string(name);
}

bool value_text(const json& value, std::string& out) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded: return false;
    case json::value_t::string: out = value.get_ref<const std::string&>(); return true;
    default:
      // Numbers keep JSON's shortest round-trip form; bad UTF-8 inside objects is replaced
      // rather than failing the window.
      out = value.dump(-1, ' ', false, json::error_handler_t::replace);
      return true;
  }
}

Result<void> RecordMapping::map(const json& record, std::vector<std::string>& texts,
                                std::vector<Field>& fields) const {
  if (!record.is_object())
    return fail(
        Error::permanent(fmt::format("a record is {}, not an object", a_type_name(record))));
  texts.resize(pointers_.size());
  fields.resize(pointers_.size());
  for (std::size_t i = 0; i < pointers_.size(); ++i) {
    const json* v = nullptr;
    try {
      if (record.contains(pointers_[i])) v = &record.at(pointers_[i]);
    } catch (const json::exception&) {
      v = nullptr;  // a pointer through an array with a non-numeric token: missing
    }
    if (v && value_text(*v, texts[i])) {
      fields[i] = texts[i];
    } else {
      fields[i] = std::nullopt;
    }
  }
  return {};
}

Result<const json*> records_at(const json& body, const std::string& pointer) {
  const json* found = nullptr;
  try {
    const json::json_pointer p(pointer);
    if (body.contains(p)) found = &body.at(p);
  } catch (const json::exception&) {
    found = nullptr;
  }
  if (!found) return fail(Error::permanent(fmt::format("the response has nothing at {}", pointer)));
  if (!found->is_array())
    return fail(
        Error::permanent(fmt::format("the response's {} is {}, not an array of records",
                                     pointer.empty() ? "body" : pointer, a_type_name(*found))));
  return found;
}

}  // namespace sluice::adapters::http
