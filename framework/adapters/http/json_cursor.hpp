#pragma once
// A validating cursor over JSON text (RFC 8259, as strict as nlohmann's parser: UTF-8 checked,
// control characters in strings refused, surrogate escapes paired), for the page scanner. It
// reads in place: strings are decoded only when asked, everything else is skipped or handed
// back as the bytes it was written as. The hot parts are here, inline, because the scanner
// runs them once per byte of every page.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::adapters::http::json_text {

inline bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// The first byte in [p, end) that a string cannot take as it is: '"', '\\', a control character
// or a non-ASCII byte. Eight bytes at a time: most of a page's string bytes are plain ASCII.
inline const char* find_special(const char* p, const char* end) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  while (end - p >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t quote = w ^ (ones * '"'), slash = w ^ (ones * '\\');
    // A byte of `quote` or `slash` is zero where w has '"' or '\\'; (x - ones) & ~x sets its
    // high bit there (borrows only add bits above a hit). w - 0x20.. sets it below 0x20, and w
    // has it set at and above 0x80.
    // The lowest flagged byte is exact (borrows only run upwards): on a little-endian machine
    // it is the first special byte.
    const std::uint64_t hits =
        (((quote - ones) & ~quote) | ((slash - ones) & ~slash) | (w - ones * 0x20) | w) & highs;
    if (hits) {
      if constexpr (std::endian::native == std::endian::little)
        return p + std::countr_zero(hits) / 8;
      break;
    }
    p += 8;
  }
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

// The first `n` (at most 8) bytes at p as a word, the others zero. Reads 8 bytes.
inline std::uint64_t word_of(const char* p, std::size_t n) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  if (n == 8) return w;
  if constexpr (std::endian::native == std::endian::little) return w & ((1ULL << (8 * n)) - 1);
  return w & ~(~0ULL >> (8 * n));
}

// The end of the UTF-8 sequence starting at p (a byte >= 0x80), or nullptr when it is not
// well-formed (overlong, a surrogate, beyond U+10FFFF, cut short).
const char* utf8_end(const char* p, const char* end);

// Appends the UTF-8 of a code point.
void append_utf8(std::string& out, std::uint32_t cp);

class Cursor {
 public:
  explicit Cursor(std::string_view text)
      : begin(text.data()), p(text.data()), end(text.data() + text.size()) {}

  const char* const begin;
  const char* p;
  const char* const end;
  // The first error: where and what (a static string); too_deep when it is the nesting.
  const char* error_at = nullptr;
  const char* error_what = nullptr;
  bool too_deep = false;
  // Containers may nest this deep; `depth` counts those the caller has entered around the
  // cursor (skip_value adds its own).
  std::size_t max_depth = SIZE_MAX;
  std::size_t depth = 0;

  bool fail(const char* at, const char* what) {
    if (!error_what) {
      error_at = at;
      error_what = what;
    }
    return false;
  }
  bool fail_deep(const char* at) {
    too_deep = too_deep || !error_what;
    return fail(at, "nested too deep");
  }
  void skip_space() {
    while (p < end && is_space(*p)) ++p;
  }
  char peek() const { return p < end ? *p : '\0'; }  // '\0' at the end: starts no token

  // Around entering a container the caller walks itself.
  bool enter() { return ++depth <= max_depth || fail_deep(p); }
  void leave() { --depth; }

  // At '"': moves past the closing quote; `raw` is the text between the quotes and `escaped`
  // tells whether it holds an escape. Validates the escapes and the UTF-8.
  bool string(std::string_view& raw, bool& escaped) {
    const char* start = ++p;
    escaped = false;
    for (;;) {
      p = find_special(p, end);
      if (p == end) return fail(p, "unterminated string");
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') break;
      if (c == '\\') {
        escaped = true;
        if (!escape(nullptr, false)) return false;
      } else if (c >= 0x80) {
        const char* next = utf8_end(p, end);
        if (!next) return fail(p, "invalid UTF-8 in a string");
        p = next;
      } else {
        return fail(p, "control character in a string (it must be escaped)");
      }
    }
    raw = std::string_view(start, static_cast<std::size_t>(p - start));
    ++p;
    return true;
  }

  // At '"': appends the decoded text to `out`, moving past the closing quote. With
  // `copy_escape`, backslash, tab, newline and carriage return are written as PostgreSQL's
  // COPY text writes them (they can only come from escapes: raw ones are refused).
  bool decode_string(std::string& out, bool copy_escape) {
    ++p;
    for (;;) {
      const char* run = p;
      p = find_special(p, end);
      out.append(run, static_cast<std::size_t>(p - run));
      if (p == end) return fail(p, "unterminated string");
      const auto c = static_cast<unsigned char>(*p);
      if (c == '"') break;
      if (c == '\\') {
        if (!escape(&out, copy_escape)) return false;
      } else if (c >= 0x80) {
        const char* next = utf8_end(p, end);
        if (!next) return fail(p, "invalid UTF-8 in a string");
        out.append(p, static_cast<std::size_t>(next - p));
        p = next;
      } else {
        return fail(p, "control character in a string (it must be escaped)");
      }
    }
    ++p;
    return true;
  }

  // At '-' or a digit: moves past a number of JSON's grammar.
  bool number() {
    if (*p == '-') ++p;
    if (p < end && *p == '0') {
      ++p;
    } else if (p < end && *p >= '1' && *p <= '9') {
      digits();
    } else {
      return fail(p, "expected a digit");
    }
    if (p < end && *p == '.') {
      ++p;
      if (p == end || *p < '0' || *p > '9') return fail(p, "expected a digit after '.'");
      digits();
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p == end || *p < '0' || *p > '9') return fail(p, "expected a digit in the exponent");
      digits();
    }
    return true;
  }

  // At 't', 'f' or 'n'.
  bool literal() {
    const std::string_view word = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
    if (static_cast<std::size_t>(end - p) < word.size() ||
        std::memcmp(p, word.data(), word.size()) != 0)
      return fail(p, "invalid literal (expected true, false or null)");
    p += word.size();
    return true;
  }

  // At '{' or '[': moves past it and any space; true when the container is empty, then past
  // its closing byte too.
  bool open_empty() {
    const char close = *p == '{' ? '}' : ']';
    ++p;
    skip_space();
    if (peek() != close) return false;
    ++p;
    return true;
  }

  // At an object member: its key (`escaped`: it holds an escape), then past ':' and space.
  bool member_key(std::string_view& raw, bool& escaped) {
    if (peek() != '"') return fail(p, "expected a string as an object key");
    if (!string(raw, escaped)) return false;
    skip_space();
    if (peek() != ':') return fail(p, "expected ':' after an object key");
    ++p;
    skip_space();
    return true;
  }

  // After a member or element of the container that `close` ends: past ',' and space (more),
  // past `close` (closed), or an error (failed).
  enum class Next { more, closed, failed };
  Next after_item(char close) {
    skip_space();
    const char c = peek();
    if (c == close) {
      ++p;
      return Next::closed;
    }
    if (c != ',') {
      fail(p, close == '}' ? "expected ',' or '}' after an object member"
                           : "expected ',' or ']' after an array element");
      return Next::failed;
    }
    ++p;
    skip_space();
    return Next::more;
  }

  // Moves past the value at the cursor (after any space), validating all of it. Containers
  // are walked without recursion: a page's nesting depth costs no stack.
  bool skip_value() {
    skip_space();
    const char c = peek();
    if (c == '"') {
      std::string_view raw;
      bool escaped;
      return string(raw, escaped);
    }
    if (c == '{' || c == '[') return skip_container();
    return scalar();
  }

  // At a value that is not a string or a container.
  bool scalar() {
    const char c = peek();
    if (c == 't' || c == 'f' || c == 'n') return literal();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    return fail(p, p == end ? "unexpected end of input, expected a value" : "expected a value");
  }

 private:
  void digits() {
    while (p < end && *p >= '0' && *p <= '9') ++p;
  }
  bool escape(std::string* out, bool copy_escape);  // at '\\'
  bool skip_container();                            // at '{' or '['
  std::string stack_;                               // skip_container's open brackets
};

// Appends the JSON text [b, e) (one valid value) without the space between tokens; with
// `copy_escape`, each backslash doubled as COPY text writes it (the only byte of compact JSON
// that COPY escapes).
void append_compact(std::string& out, const char* b, const char* e, bool copy_escape);

}  // namespace sluice::adapters::http::json_text
