// libFuzzer target: any bytes as what an HTTP API answers where the source reads pagination
// and counts from: a page through the scanner and the pager (cursor, search_after sort
// values, next link in the body), or a count endpoint's answer, with a small nesting limit
// (max_json_depth, from the first byte) so that short inputs reach past it. Nothing may crash
// or throw; JSON deeper than the limit is never accepted; a next link the pager follows stays
// on the first URL's origin. Run by deploy/lib/fuzz.sh.
// clang-format off
// clang-format on
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "framework/adapters/http/count.hpp"
#include "framework/adapters/http/page_scan.hpp"
#include "framework/adapters/http/pagination.hpp"
#include "framework/adapters/json_depth.hpp"
#include "framework/net/url.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::http;
using nlohmann::json;

namespace {

constexpr const char* kFirst = "https://api.example.com/v1/e?from=x";

PaginationOptions pagination(int kind) {
  PaginationOptions o;
  o.page_size = 2;
  switch (kind) {
    case 0:
      o.type = PaginationType::cursor;
      o.next_pointer = "/next";
      break;
    case 1:
      o.type = PaginationType::search_after;
      o.next_pointer = "/s";
      break;
    case 2:
      o.type = PaginationType::next_link;
      o.next_pointer = "/next";
      break;
    default:
      o.type = PaginationType::next_link;
      o.next_pointer = "/items/0/n";
      break;
  }
  return o;
}

// What the source does with a page: scan it, read the next value (from the scan, or from a
// DOM of the page when the scanner leaves it), advance the pager.
void page(std::string_view text, int kind, std::size_t max_depth) {
  const PaginationOptions o = pagination(kind);
  auto scanner =
      PageScanner::make({"/items", {"/id", "/a/b"}, next_at(o), o.next_pointer, max_depth});
  if (!scanner) __builtin_trap();
  std::string block;
  auto scanned = scanner->scan(text, block);
  const bool too_deep = json_too_deep(text, max_depth).has_value();
  if (!scanned) {
    const std::string& m = scanned.error().message;
    // Either way round: deeper than the limit must fail, as deep or as malformed (an
    // earlier byte may break it first); the deep error only where it is deep.
    if (m.rfind("JSON nested deeper than", 0) == 0 && !too_deep) __builtin_trap();
    return;
  }
  if (too_deep) __builtin_trap();
  json next;
  PageFacts facts{scanned->records, nullptr, {}};
  if (scanner->next_needs_dom()) {
    json dom = json::parse(text, nullptr, false);
    const json::json_pointer p(o.next_pointer);
    if (!dom.is_discarded() && dom.contains(p)) next = std::move(dom.at(p));
    facts.next = &next;
  } else if (scanned->next) {
    next = json::parse(*scanned->next, nullptr, false);
    // Valid JSON (the scanner checked it), unless a number beyond a double's range.
    if (next.is_discarded()) return;
    facts.next = &next;
  }
  Pager pager(o, kFirst);
  if (auto r = pager.advance(facts); !r || pager.done()) return;
  if (o.type == PaginationType::next_link && net::origin_of(pager.url()) != net::origin_of(kFirst))
    __builtin_trap();  // followed a link off the origin
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t max_depth = 1 + data[0] % 8;
  const int kind = (data[0] >> 3) % 5;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (kind == 4) {
    auto n = parse_count(text, "/count", max_depth);
    if (n && *n < 0) __builtin_trap();
    if (n && json_too_deep(text, max_depth)) __builtin_trap();
    return 0;
  }
  page(text, kind, max_depth);
  return 0;
}
