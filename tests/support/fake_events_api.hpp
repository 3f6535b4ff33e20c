#pragma once
// A JSON events API over a fixed list of records, for the HTTP source's tests:
//   GET /v1/events?from=&to=[&size=][&page=|&offset=|&cursor=]
//       {"items": [...], "next": "/v1/events?...", "next_cursor": "..."} with the records whose
//       `time` is in [from, to) (ISO-8601 UTC texts, which order as their instants do)
//   GET /v1/count?from=&to=   {"data": {"count": N}}
// `page` counts from 1; without size every matching record comes in one page. `next` is null
// and `next_cursor` empty on the last page.
#include <nlohmann/json.hpp>

#include "tests/support/http_test_server.hpp"

namespace sluice::test {

class FakeEventsApi {
 public:
  explicit FakeEventsApi(nlohmann::json records) : records_(std::move(records)) {}
  HttpResponse operator()(const HttpRequest& request) const;

 private:
  nlohmann::json records_;
};

}  // namespace sluice::test
