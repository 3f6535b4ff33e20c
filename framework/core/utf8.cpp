#include "framework/core/utf8.hpp"

#include <fmt/format.h>

namespace sluice {

std::size_t utf8_sequence_length(const char* p, const char* end) {
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  const unsigned c = s[0];
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned low = 0x80, high = 0xBF;  // the second byte's range
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;   // overlong
    if (c == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;   // overlong
    if (c == 0xF4) high = 0x8F;  // beyond U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong), F5..FF
  }
  if (static_cast<std::size_t>(end - p) < n || s[1] < low || s[1] > high) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return n;
}

bool is_storable_text(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0 || *p == '\0') return false;
    p += n;
  }
  return true;
}

std::string storable_text(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes && is_storable_text(text)) return std::string(text);
  // The marker's room is reserved for the largest count it could show, so that the cut
  // never has to move once the count is known.
  const auto marker = [](std::size_t cut) { return fmt::format(" ... [{} more bytes cut]", cut); };
  const std::size_t reserve = marker(text.size()).size();
  const std::size_t budget = max_bytes > reserve ? max_bytes - reserve : 0;
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  const char* p = text.data();
  const char* end = p + text.size();
  bool fits_whole = true;  // known only at the end: the marker is added when it is not
  std::size_t cut_at = 0;  // input bytes consumed while the output was within budget
  std::size_t kept = 0;    // output size at that point
  while (p < end) {
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0 || *p == '\0') {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(*p));
      ++p;
    } else {
      out.append(p, n);
      p += n;
    }
    if (out.size() <= budget) {
      cut_at = static_cast<std::size_t>(p - text.data());
      kept = out.size();
    }
    if (out.size() > max_bytes) {
      fits_whole = false;
      break;
    }
  }
  if (fits_whole) return out;
  out.resize(kept);
  return out + marker(text.size() - cut_at);
}

}  // namespace sluice
