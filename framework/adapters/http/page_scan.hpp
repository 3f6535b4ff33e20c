#pragma once
// One pass over a page of JSON, without a DOM: the records array is found at its JSON pointer
// and each record's mapped columns (JSON pointers within it, nested or not) go straight into
// rows of COPY text. Values follow RecordMapping's rules (records.hpp): strings as their
// decoded text, numbers and booleans as their JSON text, null or missing as NULL, objects and
// arrays as their JSON text (compact, as written). The whole page is validated on the way: a
// malformed one is an error giving the byte where it broke. Pagination's one value (a cursor,
// a next link, the last record's sort values) is kept aside as JSON text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/adapters/json_depth.hpp"
#include "framework/core/error.hpp"

namespace sluice::adapters::http {

// Where a page holds the value pagination reads at its next_pointer.
enum class NextAt { nowhere, body, last_record };

struct ScannedPage {
  std::int64_t records = 0;  // elements of the records array
  // The value at the next pointer as compact JSON text; nullopt when nothing is there.
  std::optional<std::string> next;
};

class PageScanner {
 public:
  struct Options {
    std::string records_pointer;       // "" is the whole body
    std::vector<std::string> columns;  // within a record; none: records are only counted
    NextAt next_at = NextAt::nowhere;
    std::string next_pointer;
    // Deeper nesting anywhere in a page is an error (permanent): what reads the next value
    // or a DOM of the page afterwards recurses, up to this depth.
    std::size_t max_depth = kDefaultMaxJsonDepth;
  };
  // An invalid JSON pointer is a permanent error naming it.
  static Result<PageScanner> make(Options options);

  // Scans `page`, appending each record's row to `block` when columns are mapped.
  // `first_record` numbers the page's first record in messages (records count across the
  // window). Errors are permanent and say what is wrong without naming the page: malformed
  // JSON (with the byte offset), nesting deeper than max_depth, no array at the records pointer, a
  // record that is not an object (only when mapping columns). Safe to call from several threads at
  // once.
  Result<ScannedPage> scan(std::string_view page, std::string& block,
                           std::int64_t first_record = 1) const;

  // When the next pointer lies within the records array or around it, scan() cannot keep its
  // value apart and leaves `next` empty: the caller reads it from a DOM of the page.
  bool next_needs_dom() const { return next_needs_dom_; }

  // The trie of JSON pointers a scan follows (public for the scanner's walk only).
  struct Node {
    struct Child {
      std::string key;
      std::int64_t index;  // the key as an array index, -1 when it is not one
      int node;
      std::uint64_t word;  // the key's first 8 bytes, zero-padded: short keys compare at once
    };
    std::vector<Child> children;
    std::vector<int> slots;                  // columns (or the next value) whose pointer ends here
    std::vector<int> below;                  // slots here and under: cleared when a key repeats
    static constexpr int kRecordsMark = -1;  // in `below`: the records array is under here
    bool records = false;                    // the records array is here
  };
  using Trie = std::vector<Node>;  // [0] is the root

 private:
  Options options_;
  Trie page_;    // from the body: the records array, the next value (slot 0) for NextAt::body
  Trie record_;  // from a record: columns 0..n-1, the next value (slot n) for last_record
  bool next_needs_dom_ = false;
};

// RecordMapping's type names for messages: `an object`, `a number`, `null`, from the first
// byte of a valid JSON value.
const char* json_type_name(char first);

}  // namespace sluice::adapters::http
