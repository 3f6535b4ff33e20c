#pragma once
// A request target's path and query string, decoded strictly: a bad %-escape, bytes that are
// not UTF-8 or a parameter the route does not know is refused, naming it.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/exchange.hpp"

namespace sluice::api {

// `/a%20b/c` -> "/a b/c"; refuses a bad escape, an encoded NUL and text that is not UTF-8.
Answer<std::string> percent_decode(std::string_view text, std::string_view field, bool plus_space);

// The path's segments, each decoded: `/api/v1/pipelines/x` -> {"api","v1","pipelines","x"}.
// Empty segments (`//`, a trailing `/`) are dropped.
Answer<std::vector<std::string>> path_segments(std::string_view path);

class Query {
 public:
  static Answer<Query> parse(std::string_view text);  // the part after '?'

  // Refuses the first parameter not in `known` (with a did-you-mean).
  Answer<void> only(std::initializer_list<std::string_view> known) const;

  // The value of a parameter given once; refused when given twice.
  Answer<std::optional<std::string>> text(std::string_view name) const;
  // Every value, comma-separated lists split (`status=FAILED,PENDING&status=SKIPPED`).
  std::vector<std::string> list(std::string_view name) const;
  Answer<std::optional<std::int64_t>> integer(std::string_view name, std::int64_t min,
                                              std::int64_t max) const;
  Answer<std::optional<bool>> boolean(std::string_view name) const;

 private:
  std::multimap<std::string, std::string, std::less<>> values_;
};

}  // namespace sluice::api
