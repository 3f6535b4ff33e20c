#pragma once
// A JSON events API that goes wrong in one chosen way, for the HTTP source's hostile-input
// tests (unit and chain). Its well-formed answer to GET /v1/events is one page of two records
// of window 2024-01-01T00 ({"id", "time", "sort", "attributes": {"note"}, "amount"}), with
// `next` and `next_cursor` naming page 2 and a `Link: <...>; rel="next"` header; a request
// with `after` is page 2: no records, no next. /v1/count answers {"data": {"count": 2}}.
// Each mode spoils that answer in one place (see Hostile).
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "tests/support/http_test_server.hpp"

namespace sluice::test {

enum class Hostile {
  none,
  next_link,         // page 1's `next`, `next_cursor`-less, and Link header: `target`
  redirect,          // every request: 302 to `target`
  deep_cursor,       // page 1's `next_cursor`: arrays `depth` deep
  deep_sort_values,  // the last record's `sort`: arrays `depth` deep
  deep_record,       // the first record's `attributes.note`: arrays `depth` deep
  deep_page,         // page 1 is arrays `depth` deep
  deep_count,        // /v1/count's `data.count`: arrays `depth` deep
  error_body,        // every request: HTTP `status` with `target` as the body, bytes as given
  endless_body,      // page 1's records array never ends
  slow_body,         // page 1's records array drips one space each 100 ms, forever
};

struct HostileApi {
  HostileApi() = default;
  explicit HostileApi(Hostile mode, std::string target = {}, std::size_t depth = 0,
                      int status = 400)
      : mode(mode), target(std::move(target)), depth(depth), status(status) {}

  Hostile mode = Hostile::none;
  std::string target;  // next_link, redirect: a URL; error_body: the body
  std::size_t depth = 0;
  int status = 400;

  HttpResponse operator()(const HttpRequest& request) const;
};

// `[[[...inner...]]]`, `depth` brackets each side.
std::string nested_arrays(std::size_t depth, std::string_view inner = "1");

}  // namespace sluice::test
