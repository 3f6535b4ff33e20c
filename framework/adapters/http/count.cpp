#include "framework/adapters/http/count.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "framework/adapters/http/records.hpp"
#include "framework/adapters/json_depth.hpp"

namespace sluice::adapters::http {

using nlohmann::json;

Result<std::int64_t> parse_count(std::string_view body, const std::string& pointer,
                                 std::size_t max_depth) {
  if (auto at = json_too_deep(body, max_depth))
    return fail(Error::permanent(too_deep_message(max_depth, *at)));
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::exception& e) {
    // parse_error, or out_of_range for a number beyond a double's range.
    return fail(
        Error::permanent(fmt::format("malformed JSON ({} bytes): {}", body.size(), e.what())));
  }
  const json* v = nullptr;
  try {
    const json::json_pointer p(pointer);
    if (doc.contains(p)) v = &doc.at(p);
  } catch (const json::exception&) {
  }
  std::int64_t n = -1;
  if (v && v->is_number_integer()) {
    n = v->get<std::int64_t>();
  } else if (v && v->is_string()) {
    // Some APIs quote large counts; anything but digits is refused below.
    const auto& s = v->get_ref<const std::string&>();
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 19)
      n = std::stoll(s);
  }
  if (n >= 0) return n;
  // What is there, shown without dumping a container (a deep one would recurse).
  std::string found = "nothing";
  if (v && (v->is_object() || v->is_array())) {
    found = a_type_name(*v);
  } else if (v) {
    found = v->dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 80);
  }
  return fail(Error::permanent(
      fmt::format("expected a count (a non-negative integer) at {}, found {}", pointer, found)));
}

}  // namespace sluice::adapters::http
