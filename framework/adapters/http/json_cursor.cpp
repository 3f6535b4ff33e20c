#include "framework/adapters/http/json_cursor.hpp"

#include "framework/core/utf8.hpp"

namespace sluice::adapters::http::json_text {

const char* utf8_end(const char* p, const char* end) {
  const std::size_t n = utf8_sequence_length(p, end);
  return n ? p + n : nullptr;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

// Four hex digits at p, or -1.
long hex4(const char* p, const char* end) {
  if (end - p < 4) return -1;
  long value = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    value = value * 16 + d;
  }
  return value;
}

}  // namespace

bool Cursor::escape(std::string* out, bool copy_escape) {
  const char* at = p++;
  if (p == end) return fail(p, "unterminated string");
  char plain;
  switch (*p++) {
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case '/': plain = '/'; break;
    case 'b': plain = '\b'; break;
    case 'f': plain = '\f'; break;
    case 'n': plain = '\n'; break;
    case 'r': plain = '\r'; break;
    case 't': plain = '\t'; break;
    case 'u': {
      long cp = hex4(p, end);
      if (cp < 0) return fail(at, "invalid \\u escape (expected four hex digits)");
      p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        const long low = end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, end) : -1;
        if (low < 0xDC00 || low > 0xDFFF)
          return fail(at, "a \\u escape of a high surrogate not followed by a low one");
        p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(at, "a \\u escape of a low surrogate without a high one before it");
      }
      if (!out) return true;
      if (cp >= 0x80) {
        append_utf8(*out, static_cast<std::uint32_t>(cp));
        return true;
      }
      plain = static_cast<char>(cp);
      break;
    }
    default: return fail(at, "invalid escape in a string");
  }
  if (!out) return true;
  if (copy_escape) {
    switch (plain) {
      case '\\': out->append("\\\\"); return true;
      case '\t': out->append("\\t"); return true;
      case '\n': out->append("\\n"); return true;
      case '\r': out->append("\\r"); return true;
      default: break;
    }
  }
  out->push_back(plain);
  return true;
}

bool Cursor::skip_container() {
  stack_.clear();
  std::string_view raw;
  bool escaped;
  for (;;) {
    // A value starts here.
    const char c = peek();
    if (c == '{' || c == '[') {
      if (depth + stack_.size() + 1 > max_depth) return fail_deep(p);
      if (!open_empty()) {
        stack_.push_back(c);
        if (c == '{' && !member_key(raw, escaped)) return false;
        continue;
      }
    } else if (c == '"') {
      if (!string(raw, escaped)) return false;
    } else if (!scalar()) {
      return false;
    }
    // After a value: close what ends here, up to a container that goes on with ','.
    for (;;) {
      if (stack_.empty()) return true;
      const bool object = stack_.back() == '{';
      const Next next = after_item(object ? '}' : ']');
      if (next == Next::failed) return false;
      if (next == Next::more) {
        if (object && !member_key(raw, escaped)) return false;
        break;
      }
      stack_.pop_back();
    }
  }
}

void append_compact(std::string& out, const char* b, const char* e, bool copy_escape) {
  bool in_string = false;
  for (const char* q = b; q < e; ++q) {
    const char c = *q;
    if (!in_string) {
      if (is_space(c)) continue;
      in_string = c == '"';
      out += c;
      continue;
    }
    if (c == '\\') {
      out.append(copy_escape ? "\\\\" : "\\");
      const char escaped = *++q;  // valid JSON: an escape has its second byte
      if (escaped == '\\') {
        out.append(copy_escape ? "\\\\" : "\\");
      } else {
        out += escaped;
      }
      continue;
    }
    in_string = c != '"';
    out += c;
  }
}

}  // namespace sluice::adapters::http::json_text
