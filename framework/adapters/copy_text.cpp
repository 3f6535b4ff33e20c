#include "framework/adapters/copy_text.hpp"

#include <algorithm>

#include "framework/core/ascii.hpp"

namespace sluice::adapters {

Result<void> RowSink::copy_block(std::string_view block, std::int64_t) {
  copy_text::Decoder decoder;
  std::vector<Field> fields;
  for (;;) {
    auto more = decoder.next(block, fields);
    if (!more) return fail(more.error());
    if (!*more) break;
    if (auto r = row(fields); !r) return r;
  }
  return {};
}

namespace copy_text {

void append_field(std::string& out, const Field& field) {
  if (!field) {
    out += "\\N";
    return;
  }
  for (char c : *field) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

void append_row(std::string& out, std::span<const Field> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += '\t';
    append_field(out, fields[i]);
  }
  out += '\n';
}

std::int64_t count_rows(std::string_view block) {
  return static_cast<std::int64_t>(std::count(block.begin(), block.end(), '\n'));
}

Result<void> unescape(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == raw.size()) return fail(Error::permanent("COPY text: backslash at end of field"));
    c = raw[i];
    switch (c) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int value = 0, digits = 0;
        while (digits < 2 && i + 1 < raw.size() && hex_digit_value(raw[i + 1]) >= 0) {
          value = value * 16 + hex_digit_value(raw[++i]);
          ++digits;
        }
        if (digits == 0) {
          out += 'x';
        } else {
          out += static_cast<char>(value);
        }
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int value = c - '0', digits = 1;
          while (digits < 3 && i + 1 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '7') {
            value = value * 8 + (raw[++i] - '0');
            ++digits;
          }
          out += static_cast<char>(value & 0xff);
        } else {
          out += c;
        }
    }
  }
  return {};
}

Result<bool> Decoder::next(std::string_view& block, std::vector<Field>& fields) {
  const auto eol = block.find('\n');
  if (eol == std::string_view::npos) return false;
  std::string_view line = block.substr(0, eol);
  block.remove_prefix(eol + 1);
  fields.clear();
  std::size_t index = 0;
  for (;;) {
    const auto tab = line.find('\t');
    const std::string_view raw = line.substr(0, tab);
    if (raw == "\\N") {
      fields.emplace_back(std::nullopt);
    } else if (raw.find('\\') == std::string_view::npos) {
      fields.emplace_back(raw);  // the common case: no copy
    } else {
      if (storage_.size() <= index) storage_.resize(index + 1);
      if (auto r = unescape(raw, storage_[index]); !r) return fail(r.error());
      fields.emplace_back(std::string_view(storage_[index]));
    }
    ++index;
    if (tab == std::string_view::npos) break;
    line.remove_prefix(tab + 1);
  }
  return true;
}

}  // namespace copy_text
}  // namespace sluice::adapters
