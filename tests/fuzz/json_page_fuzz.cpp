// libFuzzer target: any bytes as an HTTP API page through the one-pass page scanner, checked
// against nlohmann's parser (the DOM the scanner replaced): a page is malformed for one exactly
// when it is for the other, and a well-formed page yields as many records, and one COPY text
// row per record, as the DOM's array holds. Run by deploy/lib/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "framework/adapters/http/page_scan.hpp"

using namespace sluice::adapters::http;
using nlohmann::json;

namespace {

const PageScanner& scanner(bool wrapped) {
  static const auto make = [](const char* records) {
    PageScanner::Options o;
    o.records_pointer = records;
    o.columns = {"/id", "/a/b", "/s", "/0"};
    o.next_at = NextAt::body;
    o.next_pointer = "/next";
    auto s = PageScanner::make(o);
    if (!s) __builtin_trap();
    return *s;
  };
  static const PageScanner bare = make(""), items = make("/items");
  return wrapped ? items : bare;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool wrapped = data[0] & 1;
  const std::string_view page(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string block;
  const auto scanned = scanner(wrapped).scan(page, block);
  const bool malformed = !scanned && scanned.error().message.rfind("malformed JSON", 0) == 0;
  // A NUL byte is never valid JSON, but nlohmann's lexer takes it for the end of the input.
  if (page.find('\0') != std::string_view::npos) {
    if (!malformed) __builtin_trap();
    return 0;
  }
  json dom;
  try {
    dom = json::parse(page);
  } catch (const json::parse_error&) {
    if (!malformed) __builtin_trap();  // the scanner took what the DOM refused
    return 0;
  } catch (const json::out_of_range&) {
    // A number beyond a double's range is valid JSON that nlohmann refuses at once, before
    // it reads the rest; the scanner carries its text as written.
    return 0;
  }
  if (malformed) __builtin_trap();  // the DOM took what the scanner refused
  const json::json_pointer at(wrapped ? "/items" : "");
  if (!dom.contains(at) || !dom.at(at).is_array()) {
    if (scanned) __builtin_trap();  // no records array, yet a scan
    return 0;
  }
  const json& records = dom.at(at);
  const bool all_objects =
      std::all_of(records.begin(), records.end(), [](const json& r) { return r.is_object(); });
  if (all_objects != static_cast<bool>(scanned)) __builtin_trap();
  if (!scanned) return 0;
  if (scanned->records != static_cast<std::int64_t>(records.size())) __builtin_trap();
  // COPY text escapes newlines inside values: one newline per row.
  if (std::count(block.begin(), block.end(), '\n') != scanned->records) __builtin_trap();
  return 0;
}
