#pragma once
// How one MySQL text-protocol value becomes one PostgreSQL COPY text field (see mysql.hpp
// for the rules). Pure, so the rules are tested without a server.
#include <string>
#include <string_view>

namespace sluice::adapters::mysql {

enum class Encoding {
  text,       // as sent, COPY-escaped
  timestamp,  // DATETIME / TIMESTAMP read in UTC: `+00` appended
  bytea_hex,  // binary strings: `\x` and two hex digits a byte
  bit,        // BIT(n): n 0/1 digits
};

// From the result metadata: the field's type (enum_field_types), character set number (63
// is binary) and length (for BIT, the number of bits).
Encoding encoding_of(int type, unsigned charsetnr);

// Appends `v` with backslash, tab, newline and carriage return backslash-escaped, and NUL as
// `\0` when `nul` is set (LOAD DATA's escape; in COPY text `\0` would be an octal NUL, which
// PostgreSQL refuses either way).
void append_escaped(std::string& out, std::string_view v, bool nul = false);

// Appends the value (never NULL here) as a COPY text field: escaped, not delimited.
void append_value(std::string& out, Encoding encoding, std::string_view value, unsigned long bits);

}  // namespace sluice::adapters::mysql
