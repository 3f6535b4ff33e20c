#include "framework/adapters/mysql/infile_text.hpp"

#include <algorithm>
#include <array>

#include <date/date.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/mysql/encode.hpp"
#include "framework/core/ascii.hpp"

namespace sluice::adapters::mysql {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool digits(std::string_view text, std::size_t at, std::size_t n) {
  if (at + n > text.size()) return false;
  return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at),
                     text.begin() + static_cast<std::ptrdiff_t>(at + n),
                     [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view text, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
  return v;
}

// `+05`, `+05:45`, `+0545`, `+05:45:30`, `Z`: the offset in seconds, or nullopt.
std::optional<int> offset_seconds(std::string_view z) {
  if (z == "Z" || z == "z") return 0;
  if (z.size() < 3 || (z[0] != '+' && z[0] != '-') || !digits(z, 1, 2)) return std::nullopt;
  int seconds = number(z, 1, 2) * 3600;
  std::size_t at = 3;
  for (int scale : {60, 1}) {
    if (at == z.size()) break;
    if (z[at] == ':') ++at;
    if (!digits(z, at, 2)) return std::nullopt;
    seconds += number(z, at, 2) * scale;
    at += 2;
  }
  if (at != z.size()) return std::nullopt;
  return z[0] == '-' ? -seconds : seconds;
}

bool is_hex_bytea(std::string_view v) {
  if (v.size() < 2 || v[0] != '\\' || v[1] != 'x' || v.size() % 2 != 0) return false;
  return std::all_of(v.begin() + 2, v.end(), [](char c) { return hex_digit_value(c) >= 0; });
}

}  // namespace

Conversion conversion_of(std::string_view data_type, std::string_view column_type) {
  const std::string type = ascii_lower(data_type);
  if (type == "datetime" || type == "timestamp") return Conversion::datetime;
  if (type == "bit") return Conversion::bit;
  static constexpr std::array<std::string_view, 6> binary{"binary",     "varbinary", "tinyblob",
                                                          "mediumblob", "blob",      "longblob"};
  if (std::find(binary.begin(), binary.end(), type) != binary.end()) return Conversion::binary;
  if (type == "tinyint" && ascii_lower(column_type).starts_with("tinyint(1)"))
    return Conversion::boolean;
  return Conversion::none;
}

std::optional<std::string> utc_datetime(std::string_view v) {
  // YYYY-MM-DD, a space or T, HH:MM:SS, an optional fraction, then the offset.
  if (v.size() < 20 || !digits(v, 0, 4) || v[4] != '-' || !digits(v, 5, 2) || v[7] != '-' ||
      !digits(v, 8, 2) || (v[10] != ' ' && v[10] != 'T') || !digits(v, 11, 2) || v[13] != ':' ||
      !digits(v, 14, 2) || v[16] != ':' || !digits(v, 17, 2))
    return std::nullopt;
  std::size_t at = 19;
  if (v[at] == '.') {
    ++at;
    while (at < v.size() && v[at] >= '0' && v[at] <= '9') ++at;
  }
  const auto offset = offset_seconds(v.substr(at));
  if (!offset) return std::nullopt;
  const date::year_month_day ymd{date::year{number(v, 0, 4)},
                                 date::month{static_cast<unsigned>(number(v, 5, 2))},
                                 date::day{static_cast<unsigned>(number(v, 8, 2))}};
  const int h = number(v, 11, 2), m = number(v, 14, 2), s = number(v, 17, 2);
  if (!ymd.ok() || h > 23 || m > 59 || s > 59) return std::nullopt;
  const auto utc = date::sys_days{ymd} + std::chrono::hours(h) + std::chrono::minutes(m) +
                   std::chrono::seconds(s) - std::chrono::seconds(*offset);
  std::string out = date::format("%Y-%m-%d %H:%M:%S", utc);
  out.append(v.substr(19, at - 19));  // the fraction as written
  return out;
}

Result<void> InfileEncoder::field(std::string_view raw, Conversion conversion, std::string& out) {
  if (raw == "\\N") {
    out += "\\N";
    return {};
  }
  std::string_view value = raw;
  if (raw.find('\\') != std::string_view::npos) {
    if (auto r = copy_text::unescape(raw, decoded_); !r)
      return fail(
          Error::permanent("stage row " + std::to_string(rows_) + ": " + r.error().message));
    value = decoded_;
  }
  switch (conversion) {
    case Conversion::none:
    case Conversion::bit: break;
    case Conversion::datetime:
      if (auto utc = utc_datetime(value)) {
        out += *utc;
        return {};
      }
      break;
    case Conversion::boolean: {
      const std::string word = ascii_lower(value);
      if (word == "t" || word == "true") value = "1";
      if (word == "f" || word == "false") value = "0";
      break;
    }
    case Conversion::binary:
      if (is_hex_bytea(value)) {
        out.append(value.substr(2));
      } else {
        for (unsigned char c : value) {
          out += kHexDigits[c >> 4];
          out += kHexDigits[c & 15];
        }
      }
      return {};
  }
  append_escaped(out, value, /*nul=*/true);
  return {};
}

InfileEncoder::InfileEncoder(std::vector<Conversion> columns)
    : columns_(std::move(columns)),
      plain_(std::all_of(columns_.begin(), columns_.end(),
                         [](Conversion c) { return c == Conversion::none; })) {}

Result<std::int64_t> InfileEncoder::encode(std::string_view block, std::string& out) {
  // The common case: nothing to decode and nothing to convert, the rows go as they are (a row
  // with too few or too many fields makes the server warn, which fails the load).
  if (plain_ && block.find('\\') == std::string_view::npos) {
    out.append(block);
    const auto n = copy_text::count_rows(block);
    rows_ += n;
    return n;
  }
  std::int64_t n = 0;
  while (!block.empty()) {
    const auto eol = block.find('\n');
    if (eol == std::string_view::npos)
      return fail(
          Error::permanent("stage block ends inside a row after row " + std::to_string(rows_)));
    std::string_view line = block.substr(0, eol);
    block.remove_prefix(eol + 1);
    ++rows_;
    std::size_t column = 0;
    for (;;) {
      const auto tab = line.find('\t');
      if (column == columns_.size())
        return fail(Error::permanent("stage row " + std::to_string(rows_) + " has more than " +
                                     std::to_string(columns_.size()) + " fields"));
      if (column) out += '\t';
      if (auto r = field(line.substr(0, tab), columns_[column], out); !r) return fail(r.error());
      ++column;
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (column != columns_.size())
      return fail(Error::permanent("stage row " + std::to_string(rows_) + " has " +
                                   std::to_string(column) + " fields, not " +
                                   std::to_string(columns_.size())));
    out += '\n';
    ++n;
  }
  return n;
}

}  // namespace sluice::adapters::mysql
