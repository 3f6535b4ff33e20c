#include "framework/adapters/http/page_scan.hpp"

#include <cstring>

#include <fmt/format.h>

#include "framework/adapters/http/json_cursor.hpp"

namespace sluice::adapters::http {
namespace {

using json_text::Cursor;
using Next = Cursor::Next;
using Node = PageScanner::Node;
using Trie = PageScanner::Trie;

constexpr int kRecordsMark = Node::kRecordsMark;

// One column's text (`off`, `len` in Fill::text) or one captured value's JSON text [b, e).
struct Slot {
  std::size_t off = 0, len = 0;
  const char* b = nullptr;
  const char* e = nullptr;
  bool set = false;
};

struct Fill {
  std::vector<Slot> slots;
  std::string text;  // the columns' COPY text
  int columns = 0;   // slots below this are columns; the others capture JSON text
  // Per trie node, the generation that last met its key: met again in the same one, the key
  // repeats (and a repeat is rare enough to pay for clearing).
  std::vector<std::uint32_t> met;
  std::uint32_t generation = 1;
  void clear() {
    text.clear();
    for (auto& s : slots) s.set = false;
    ++generation;
  }
};

// The state of one scan. Nested values recurse only along the pointers' paths; everything
// else is skipped by the cursor without recursion.
class Walk {
 public:
  Walk(const Trie& page, const Trie& record, std::size_t columns, bool rows, std::string_view text,
       std::string& block)
      : cursor(text), record_(record), rows_(rows), block_(block), block_start_(block.size()) {
    page_fill.slots.resize(1);
    page_fill.met.resize(page.size());
    record_fill.columns = static_cast<int>(columns);
    record_fill.slots.resize(columns + 1);
    record_fill.met.resize(record.size());
    walk_records_ = rows || !record.front().children.empty() || !record.front().slots.empty();
  }

  bool value(const Trie& trie, const Node& node, Fill& fill);

  Cursor cursor;
  Fill page_fill, record_fill;
  bool seen = false;       // a value at the records pointer
  char records_first = 0;  // its first byte
  std::int64_t count = 0;
  std::int64_t bad_record = 0;  // the first record that is not an object, 1-based
  char bad_first = 0;
  const char* last_next_b = nullptr;  // the last record's next value
  const char* last_next_e = nullptr;

 private:
  bool object(const Trie& trie, const Node& node, Fill& fill);
  bool array(const Trie& trie, const Node& node, Fill& fill);
  bool records();
  bool record_items();
  void keep(Fill& fill, int slot, const char* b, const char* e);
  const Node* child(const Trie& trie, const Node& node, std::string_view key, bool escaped);
  void reset(const Node& node, Fill& fill);
  void reset_records() {
    block_.resize(block_start_);
    seen = false;
    count = bad_record = 0;
    last_next_b = nullptr;
  }
  void emit_row();

  const Trie& record_;
  const bool rows_;
  bool walk_records_ = false;
  std::string& block_;
  const std::size_t block_start_;
  std::string key_;  // an escaped key, decoded
};

bool Walk::value(const Trie& trie, const Node& node, Fill& fill) {
  cursor.skip_space();
  if (node.records) return records();
  const char c = cursor.peek();
  const char* start = cursor.p;
  if (node.children.empty()) {
    // The common case, a column of its own: the value is read once, straight into its text.
    if (node.slots.size() == 1 && node.slots[0] < fill.columns && c != '{' && c != '[') {
      Slot& s = fill.slots[static_cast<std::size_t>(node.slots[0])];
      s.off = fill.text.size();
      if (c == '"') {
        if (!cursor.decode_string(fill.text, true)) return false;
      } else {
        if (!cursor.scalar()) return false;
        fill.text.append(start, static_cast<std::size_t>(cursor.p - start));
      }
      s.len = fill.text.size() - s.off;
      s.set = c != 'n';
      return true;
    }
    if (!cursor.skip_value()) return false;
  } else if (c == '{' || c == '[') {
    if (!cursor.enter()) return false;
    if (!(c == '{' ? object(trie, node, fill) : array(trie, node, fill))) return false;
    cursor.leave();
  } else if (!cursor.skip_value()) {
    return false;
  }
  for (int slot : node.slots) keep(fill, slot, start, cursor.p);
  return true;
}

void Walk::keep(Fill& fill, int slot, const char* b, const char* e) {
  Slot& s = fill.slots[static_cast<std::size_t>(slot)];
  if (slot >= fill.columns) {
    s.b = b;
    s.e = e;
    s.set = true;
    return;
  }
  s.set = *b != 'n';
  s.off = fill.text.size();
  if (*b == '"') {
    Cursor again(std::string_view(b, static_cast<std::size_t>(e - b)));  // valid: read once
    again.decode_string(fill.text, true);
  } else if (*b == '{' || *b == '[') {
    json_text::append_compact(fill.text, b, e, true);
  } else if (s.set) {
    fill.text.append(b, static_cast<std::size_t>(e - b));
  }
  s.len = fill.text.size() - s.off;
}

const Node* Walk::child(const Trie& trie, const Node& node, std::string_view key, bool escaped) {
  if (node.children.empty()) return nullptr;
  if (escaped) {
    key_.clear();
    Cursor decode(std::string_view(key.data() - 1, key.size() + 2));  // with its quotes
    decode.decode_string(key_, false);
    key = key_;
  } else if (key.size() <= 8 && cursor.end - key.data() >= 8) {
    // Most keys are short: one word compare each instead of a call to memcmp.
    const std::uint64_t w = json_text::word_of(key.data(), key.size());
    for (const auto& c : node.children)
      if (c.word == w && c.key.size() == key.size()) return &trie[static_cast<std::size_t>(c.node)];
    return nullptr;
  }
  for (const auto& c : node.children)
    if (c.key == key) return &trie[static_cast<std::size_t>(c.node)];
  return nullptr;
}

// A key met again replaces what its first value gave (the last one wins, as in a DOM).
void Walk::reset(const Node& node, Fill& fill) {
  for (int slot : node.below) {
    if (slot == kRecordsMark) {
      reset_records();
    } else {
      fill.slots[static_cast<std::size_t>(slot)].set = false;
    }
  }
}

bool Walk::object(const Trie& trie, const Node& node, Fill& fill) {
  if (cursor.open_empty()) return true;
  for (;;) {
    std::string_view key;
    bool escaped;
    if (!cursor.member_key(key, escaped)) return false;
    if (const Node* next = child(trie, node, key, escaped)) {
      auto& met = fill.met[static_cast<std::size_t>(next - trie.data())];
      if (met == fill.generation) reset(*next, fill);
      met = fill.generation;
      if (!value(trie, *next, fill)) return false;
    } else if (!cursor.skip_value()) {
      return false;
    }
    if (const auto n = cursor.after_item('}'); n != Next::more) return n == Next::closed;
  }
}

bool Walk::array(const Trie& trie, const Node& node, Fill& fill) {
  if (cursor.open_empty()) return true;
  for (std::int64_t i = 0;; ++i) {
    const Node* next = nullptr;
    for (const auto& c : node.children)
      if (c.index == i) next = &trie[static_cast<std::size_t>(c.node)];
    if (!(next ? value(trie, *next, fill) : cursor.skip_value())) return false;
    if (const auto n = cursor.after_item(']'); n != Next::more) return n == Next::closed;
  }
}

bool Walk::records() {
  reset_records();
  seen = true;
  records_first = cursor.peek();
  if (records_first != '[') return cursor.skip_value();  // reported once the page is valid
  if (!cursor.enter()) return false;
  if (!record_items()) return false;
  cursor.leave();
  return true;
}

bool Walk::record_items() {
  if (cursor.open_empty()) return true;
  const auto next_slot = static_cast<std::size_t>(record_fill.columns);
  for (;;) {
    ++count;
    if (!walk_records_) {
      if (!cursor.skip_value()) return false;
    } else {
      record_fill.clear();
      cursor.skip_space();
      const char first = cursor.peek();
      if (rows_ && first != '{') {
        if (!bad_record) {
          bad_record = count;
          bad_first = first;
        }
        if (!cursor.skip_value()) return false;
      } else {
        if (!value(record_, record_.front(), record_fill)) return false;
        if (rows_ && !bad_record) emit_row();
      }
      const Slot& next = record_fill.slots[next_slot];
      last_next_b = next.set ? next.b : nullptr;
      last_next_e = next.e;
    }
    if (const auto n = cursor.after_item(']'); n != Next::more) return n == Next::closed;
  }
}

void Walk::emit_row() {
  for (int i = 0; i < record_fill.columns; ++i) {
    if (i) block_ += '\t';
    const Slot& s = record_fill.slots[static_cast<std::size_t>(i)];
    if (s.set) {
      block_.append(record_fill.text.data() + s.off, s.len);
    } else {
      block_.append("\\N", 2);
    }
  }
  block_ += '\n';
}

Error malformed(std::string_view page, const Cursor& cursor) {
  const auto at = static_cast<std::size_t>(cursor.error_at - cursor.begin);
  if (cursor.too_deep) return Error::permanent(too_deep_message(cursor.max_depth, at));
  std::string where = " (where the text ends)";
  if (at < page.size()) {
    // A few bytes up to the one that broke it, printable ASCII only (it may cut a character).
    const std::size_t from = at > 24 ? at - 24 : 0;
    std::string near(page.substr(from, at + 1 - from));
    for (char& c : near)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    where = fmt::format(", near '{}'", near);
  }
  return Error::permanent(fmt::format("malformed JSON ({} bytes) at byte {}: {}{}", page.size(), at,
                                      cursor.error_what, where));
}

}  // namespace

const char* json_type_name(char first) {
  switch (first) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return "a number";
  }
}

Result<ScannedPage> PageScanner::scan(std::string_view page, std::string& block,
                                      std::int64_t first_record) const {
  const std::size_t start = block.size();
  Walk walk(page_, record_, options_.columns.size(), !options_.columns.empty(), page, block);
  Cursor& cursor = walk.cursor;
  cursor.max_depth = options_.max_depth;
  if (page.starts_with("\xEF\xBB\xBF")) cursor.p += 3;  // a byte order mark, as nlohmann allows
  bool ok = walk.value(page_, page_.front(), walk.page_fill);
  if (ok) {
    cursor.skip_space();
    if (cursor.p != cursor.end) ok = cursor.fail(cursor.p, "unexpected text after the JSON value");
  }
  const auto failed = [&](Error e) {
    block.resize(start);
    return fail(std::move(e));
  };
  if (!ok) return failed(malformed(page, cursor));
  const std::string& pointer = options_.records_pointer;
  if (!walk.seen)
    return failed(Error::permanent(fmt::format("the response has nothing at {}", pointer)));
  if (walk.records_first != '[')
    return failed(Error::permanent(fmt::format("the response's {} is {}, not an array of records",
                                               pointer.empty() ? "body" : pointer,
                                               json_type_name(walk.records_first))));
  if (walk.bad_record)
    return failed(Error::permanent(fmt::format("record {}: a record is {}, not an object",
                                               first_record + walk.bad_record - 1,
                                               json_type_name(walk.bad_first))));
  ScannedPage out{walk.count, std::nullopt};
  const char* b = nullptr;
  const char* e = nullptr;
  if (options_.next_at == NextAt::body && walk.page_fill.slots[0].set) {
    b = walk.page_fill.slots[0].b;
    e = walk.page_fill.slots[0].e;
  } else if (options_.next_at == NextAt::last_record) {
    b = walk.last_next_b;
    e = walk.last_next_e;
  }
  if (b) {
    out.next.emplace();
    json_text::append_compact(*out.next, b, e, false);
  }
  return out;
}

}  // namespace sluice::adapters::http
