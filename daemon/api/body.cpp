#include "daemon/api/body.hpp"

#include <algorithm>

#include "framework/adapters/json_depth.hpp"
#include "framework/core/ascii.hpp"
#include "framework/core/suggest.hpp"

namespace sluice::api {
namespace {

constexpr std::size_t kMaxBodyDepth = 16;

std::string_view media_type(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  auto type = content_type.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

std::string type_of(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

tl::unexpected<Problem> wrong_type(std::string_view name, const nlohmann::json& v,
                                   std::string_view expected) {
  return bad_input(std::string(name), "expected " + std::string(expected) + ", got " + type_of(v));
}

}  // namespace

Answer<Body> Body::parse(const Request& request, std::initializer_list<std::string_view> known,
                         bool may_be_empty) {
  Body b;
  if (request.body.empty() && may_be_empty) return b;
  if (!ascii_iequals(media_type(request.content_type), "application/json"))
    return refuse(
        {.status = 415,
         .detail = request.content_type.empty()
                       ? "the body needs Content-Type: application/json"
                       : "Content-Type '" + request.content_type + "' is not application/json",
         .field = "Content-Type"});
  // Bodies are small objects of scalars and flat lists: anything nested deeper is refused
  // before it is parsed, so nothing later (a dump into the audit log) recurses far.
  if (const auto at = adapters::json_too_deep(request.body, kMaxBodyDepth))
    return bad_input("body", "JSON nested deeper than " + std::to_string(kMaxBodyDepth) +
                                 " levels at byte " + std::to_string(*at));
  try {
    b.value_ = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    return bad_input("body", "malformed JSON at byte " + std::to_string(e.byte));
  }
  if (!b.value_.is_object())
    return bad_input("body", "expected a JSON object, got " + type_of(b.value_));
  for (const auto& [name, value] : b.value_.items()) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string detail = "unknown member '" + name + "'";
    if (auto near = closest_match(name, std::vector<std::string_view>(known)))
      detail += " (did you mean '" + *near + "'?)";
    detail += "; this route takes:";
    for (auto k : known) detail += " " + std::string(k);
    return bad_input(name, detail);
  }
  return b;
}

Answer<std::optional<std::string>> Body::text(std::string_view name) const {
  const auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return wrong_type(name, *it, "a string");
  return it->get<std::string>();
}

Answer<std::optional<bool>> Body::boolean(std::string_view name) const {
  const auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return wrong_type(name, *it, "true or false");
  return it->get<bool>();
}

Answer<std::optional<std::int64_t>> Body::integer(std::string_view name, std::int64_t min,
                                                  std::int64_t max) const {
  const auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return std::nullopt;
  const auto range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!it->is_number_integer()) return wrong_type(name, *it, range);
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    return bad_input(std::string(name), "expected " + range);
  const auto n = it->get<std::int64_t>();
  if (n < min || n > max) return bad_input(std::string(name), "expected " + range);
  return n;
}

Answer<std::vector<std::string>> Body::texts(std::string_view name) const {
  std::vector<std::string> out;
  const auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return out;
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array()) return wrong_type(name, *it, "an array of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) return wrong_type(name, v, "an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Answer<std::vector<std::int64_t>> Body::integers(std::string_view name, std::int64_t min,
                                                 std::int64_t max) const {
  std::vector<std::int64_t> out;
  const auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return out;
  const auto range =
      "an array of whole numbers from " + std::to_string(min) + " to " + std::to_string(max);
  if (!it->is_array()) return wrong_type(name, *it, range);
  for (const auto& v : *it) {
    if (!v.is_number_integer()) return wrong_type(name, v, range);
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
      return bad_input(std::string(name), "expected " + range);
    const auto n = v.get<std::int64_t>();
    if (n < min || n > max) return bad_input(std::string(name), "expected " + range);
    out.push_back(n);
  }
  return out;
}

}  // namespace sluice::api
