#include "framework/adapters/mysql/encode.hpp"

#include <mysql.h>

#include <algorithm>

namespace sluice::adapters::mysql {
namespace {

constexpr unsigned kBinaryCharset = 63;

}  // namespace

void append_escaped(std::string& out, std::string_view v, bool nul) {
  // Runs that need no escape are copied in one append: most values have no tab, newline, CR
  // or backslash at all.
  std::size_t run = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    const char* esc = c == '\\'          ? "\\\\"
                      : c == '\t'        ? "\\t"
                      : c == '\n'        ? "\\n"
                      : c == '\r'        ? "\\r"
                      : c == '\0' && nul ? "\\0"
                                         : nullptr;
    if (!esc) continue;
    out.append(v.data() + run, i - run);
    out.append(esc, 2);
    run = i + 1;
  }
  out.append(v.data() + run, v.size() - run);
}

Encoding encoding_of(int type, unsigned charsetnr) {
  switch (type) {
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2: return Encoding::timestamp;
    case MYSQL_TYPE_BIT: return Encoding::bit;
    case MYSQL_TYPE_GEOMETRY: return Encoding::bytea_hex;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VARCHAR:
      // Numbers and dates carry the binary charset too; only strings mean bytes by it.
      return charsetnr == kBinaryCharset ? Encoding::bytea_hex : Encoding::text;
    default: return Encoding::text;
  }
}

void append_value(std::string& out, Encoding encoding, std::string_view v, unsigned long bits) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (encoding) {
    case Encoding::text: append_escaped(out, v); return;
    case Encoding::timestamp:
      out.append(v);  // digits, '-', ':', '.', ' ' only
      // The zero date has no instant; PostgreSQL refuses it either way, and says so.
      if (!v.starts_with("0000-00-00")) out.append("+00");
      return;
    case Encoding::bytea_hex:
      out.append("\\\\x");  // `\x` escaped for COPY text
      for (unsigned char c : v) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return;
    case Encoding::bit: {
      // Big-endian bytes; the value's low `bits` bits, most significant first.
      const unsigned long total = v.size() * 8;
      for (unsigned long i = total - std::min(bits, total); i < total; ++i) {
        const auto byte = static_cast<unsigned char>(v[i / 8]);
        out += (byte >> (7 - i % 8)) & 1 ? '1' : '0';
      }
      return;
    }
  }
}

}  // namespace sluice::adapters::mysql
