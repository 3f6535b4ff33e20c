#pragma once
// Walking the pages of one window. A Pager knows the URL of the next request and, from each
// response, whether another page follows:
//   page         page_param = first_page, first_page + 1, ... until a short page
//   offset       offset_param = 0, n, 2n, ... until a short page
//   next_link    the URL at next_pointer in the body, or the Link header's rel="next"
//   cursor       cursor_param = the token at next_pointer, until it is missing or empty
//   search_after cursor_param = the sort values at next_pointer within the last record,
//                until a short page
// A next link or cursor that repeats the previous one is an error, not an endless loop. A
// next link is followed only to the first URL's origin (scheme, host, port) or one of
// allowed_origins: an API cannot send the walk, and what it carries, anywhere else.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/adapters/http/page_scan.hpp"
#include "framework/core/error.hpp"
#include "framework/net/url.hpp"

namespace sluice::adapters::http {

enum class PaginationType { none, page, offset, next_link, cursor, search_after };

struct PaginationOptions {
  PaginationType type = PaginationType::none;
  std::int64_t page_size = 100;
  std::string size_param = "size";
  std::string page_param = "page";
  std::int64_t first_page = 1;
  std::string offset_param = "offset";
  std::string cursor_param = "cursor";
  std::string next_pointer;  // JSON pointer; empty with next_link: the Link header
  // Origins (`https://cdn.example.com:8443`) a next link may lead to besides the first URL's;
  // any other is refused before it is requested.
  std::vector<std::string> allowed_origins;
};

PaginationType pagination_type(std::string_view name);  // none for unknown names

// What the pager needs to know of one response: how many records it held and the value at
// next_pointer where next_at() says it is (the scanner reads both in its one pass).
struct PageFacts {
  std::int64_t records = 0;
  const nlohmann::json* next = nullptr;  // nullptr: nothing there
  std::string_view link_header;          // the `Link` response header, empty when absent
};

// A response as a DOM, for callers that have one.
struct PageView {
  const nlohmann::json& body;
  const nlohmann::json& records;  // the records array
  std::string_view link_header;   // the `Link` response header, empty when absent
};

// Where the pager wants the value at next_pointer from.
NextAt next_at(const PaginationOptions& options);

class Pager {
 public:
  Pager(PaginationOptions options, std::string first_url);

  const std::string& url() const { return url_; }
  int page() const { return page_; }  // 1 for the first request
  bool done() const { return done_; }

  // Moves to the next page, or to done(). An Error (permanent) when the response does not
  // say what the strategy needs (a cursor that is an object, a link repeating itself).
  Result<void> advance(const PageFacts& facts);
  Result<void> advance(const PageView& view);  // its facts read from the DOM

 private:
  std::string url_with(std::string_view param, std::string_view value) const;

  Result<void> follow(std::string_view link);

  PaginationOptions options_;
  std::vector<net::Origin> origins_;  // where next links may lead
  std::string base_;                  // the window's URL before pagination parameters
  std::string url_;
  std::string last_token_;
  std::int64_t position_ = 0;  // page number or offset
  int page_ = 1;
  bool done_ = false;
};

// A scalar as query text (strings unquoted); an array of scalars joined with `,`
// (search_after's sort values); nullopt for objects, null and nested arrays. Never recurses.
std::optional<std::string> token_text(const nlohmann::json& value);

}  // namespace sluice::adapters::http
