#pragma once
// Text that leaves sluice for a place that accepts only UTF-8 (PostgreSQL text columns, JSON
// log lines) passes through here. Error messages quote foreign bytes: a Latin-1 value in a
// cast error, an HTTP error body, a file name. One such byte used to make the whole fenced
// write of a window fail, so the window was never recorded as failed.
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

// The length of the well-formed UTF-8 sequence that starts at `p` (RFC 3629: no overlong
// form, no UTF-16 surrogate, nothing above U+10FFFF), or 0 when none does. Needs p < end.
std::size_t utf8_sequence_length(const char* p, const char* end);

// Well-formed UTF-8 without NUL: what a PostgreSQL text value may hold.
bool is_storable_text(std::string_view text);

// `text` made storable: each byte that starts no well-formed sequence, and each NUL, becomes
// the four characters `\xNN`, so whoever reads the message still sees which byte it was.
// A result longer than `max_bytes` is cut at a character boundary and ends with the marker
// ` ... [N more bytes cut]`, the whole within max_bytes (whose useful minimum is 64).
std::string storable_text(std::string_view text, std::size_t max_bytes = std::string::npos);

}  // namespace sluice
