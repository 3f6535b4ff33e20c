#pragma once
// A request's JSON body: the content type must say JSON (415), the text must parse (400
// with where it broke), it must be an object, and every member must be one the route knows
// (400 naming the first unknown one). Typed getters refuse a wrong type naming the member.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/api/exchange.hpp"

namespace sluice::api {

class Body {
 public:
  // An empty body is an empty object when `may_be_empty` (POST .../pause).
  static Answer<Body> parse(const Request& request, std::initializer_list<std::string_view> known,
                            bool may_be_empty = false);

  Answer<std::optional<std::string>> text(std::string_view name) const;
  Answer<std::optional<bool>> boolean(std::string_view name) const;
  Answer<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min,
                                              std::int64_t max) const;
  // An array of strings; a lone string is taken as a list of one.
  Answer<std::vector<std::string>> texts(std::string_view name) const;
  Answer<std::vector<std::int64_t>> integers(std::string_view name, std::int64_t min,
                                             std::int64_t max) const;

  const nlohmann::json& json() const { return value_; }

 private:
  nlohmann::json value_ = nlohmann::json::object();
};

}  // namespace sluice::api
