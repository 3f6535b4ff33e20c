#include "framework/adapters/formats/csv.hpp"

namespace sluice::adapters::formats {
void CsvEncoder::field(std::string& out, std::string_view text, bool force_quotes) {
  // A value that starts with a byte order mark would lose it when read back as the file's
  // first field: quoted, it is not at the start of the file.
  bool quote = force_quotes || text.starts_with(kUtf8Bom);
  for (char c : text) {
    if (c == options_.delimiter || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void CsvEncoder::begin(std::string& out, std::span<const Column> columns) {
  if (!options_.header) return;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) out += options_.delimiter;
    field(out, columns[i].name, false);
  }
  out += '\n';
}

void CsvEncoder::row(std::string& out, std::span<const Field> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += options_.delimiter;
    if (!fields[i]) {
      out += options_.null_text;
    } else {
      // A value that reads back as NULL unquoted (the empty string by default) is quoted.
      field(out, *fields[i], *fields[i] == options_.null_text);
    }
  }
  out += '\n';
}

CsvDecoder::CsvDecoder(CsvOptions options, std::vector<Column> declared, ByteSource& in,
                       std::string name, std::size_t max_record_bytes)
    : options_(std::move(options)),
      columns_(std::move(declared)),
      in_(in),
      name_(std::move(name)),
      max_record_bytes_(max_record_bytes),
      buffer_(kReadBytes) {}

Error CsvDecoder::malformed(std::int64_t line, std::string_view what) const {
  return Error::permanent(name_ + ":" + std::to_string(line) + ": " + std::string(what));
}

Result<bool> CsvDecoder::fill() {
  if (eof_) return false;
  auto n = started_ ? in_.read(buffer_.data(), buffer_.size())
                    : read_first(in_, buffer_.data(), buffer_.size());
  if (!n) return fail(n.error());
  started_ = true;
  pos_ = 0;
  size_ = *n;
  if (*n == 0) eof_ = true;
  return *n > 0;
}

Result<bool> CsvDecoder::record() {
  auto got = parse_record();
  // The check while parsing bounds a runaway quote; this one catches a record that grew past
  // the limit within its last read.
  if (got && *got && text_.size() > max_record_bytes_)
    return fail(
        malformed(record_line_, "a record longer than " + describe_size(max_record_bytes_)));
  return got;
}

Result<bool> CsvDecoder::parse_record() {
  enum class St { start, unquoted, unquoted_cr, quoted, quote_seen, quoted_cr };
  text_.clear();
  raw_.clear();
  record_line_ = line_;
  St st = St::start;
  Raw cur{0, 0, false};
  bool any = false;
  const char delim = options_.delimiter;
  auto end_field = [&] {
    cur.end = text_.size();
    raw_.push_back(cur);
  };
  // After a malformed byte, the rest of the physical line is dropped so that a caller
  // collecting errors goes on from the next line.
  auto bad = [&](const std::string& what) -> Result<bool> {
    const std::int64_t line = line_;
    for (;;) {
      while (pos_ < size_) {
        if (buffer_[pos_++] == '\n') {
          ++line_;
          return fail(malformed(line, what));
        }
      }
      auto more = fill();
      if (!more || !*more) return fail(malformed(line, what));
    }
  };
  auto field_no = [&] { return "field " + std::to_string(raw_.size() + 1) + ": "; };
  for (;;) {
    if (pos_ == size_) {
      auto more = fill();
      if (!more) return fail(more.error());
      if (!*more) {
        if (!any) return false;
        if (st == St::quoted)
          return fail(malformed(record_line_, field_no() + "the file ends inside a quoted field"));
        if (st == St::unquoted_cr) text_ += '\r';
        end_field();
        return true;
      }
    }
    if (text_.size() > max_record_bytes_)
      return bad(field_no() + "a record longer than " + describe_size(max_record_bytes_) +
                 " (an unclosed quote?)");
    any = true;
    // Runs of ordinary bytes are copied at once; only the special ones go through the switch.
    if (st == St::unquoted || st == St::quoted) {
      std::size_t j = pos_;
      if (st == St::unquoted) {
        while (j < size_ && buffer_[j] != delim && buffer_[j] != '\n' && buffer_[j] != '\r' &&
               buffer_[j] != '"')
          ++j;
      } else {
        while (j < size_ && buffer_[j] != '"' && buffer_[j] != '\n') ++j;
      }
      text_.append(buffer_.data() + pos_, j - pos_);
      pos_ = j;
      if (pos_ == size_) continue;
    }
    const char c = buffer_[pos_++];
    switch (st) {
      case St::start:
        cur = Raw{text_.size(), 0, c == '"'};
        if (c == '"') {
          st = St::quoted;
        } else if (c == delim) {
          end_field();
        } else if (c == '\n') {
          ++line_;
          end_field();
          return true;
        } else if (c == '\r') {
          st = St::unquoted_cr;
        } else {
          text_ += c;
          st = St::unquoted;
        }
        break;
      case St::unquoted:
        if (c == delim) {
          end_field();
          st = St::start;
        } else if (c == '\n') {
          ++line_;
          end_field();
          return true;
        } else if (c == '\r') {
          st = St::unquoted_cr;
        } else {
          return bad(
              field_no() +
              "a quote inside an unquoted field (quote the whole field and double the quote)");
        }
        break;
      case St::unquoted_cr:
        if (c == '\n') {
          ++line_;
          end_field();
          return true;
        }
        text_ += '\r';  // a bare CR is data
        --pos_;
        st = St::unquoted;
        break;
      case St::quoted:
        if (c == '"') {
          st = St::quote_seen;
        } else {
          ++line_;  // the run stopped at a newline inside the quotes
          text_ += c;
        }
        break;
      case St::quote_seen:
        if (c == '"') {
          text_ += '"';
          st = St::quoted;
        } else if (c == delim) {
          end_field();
          st = St::start;
        } else if (c == '\n') {
          ++line_;
          end_field();
          return true;
        } else if (c == '\r') {
          st = St::quoted_cr;
        } else {
          return bad(field_no() + "text after a closing quote");
        }
        break;
      case St::quoted_cr:
        if (c == '\n') {
          ++line_;
          end_field();
          return true;
        }
        return bad(field_no() + "text after a closing quote");
    }
  }
}

Result<std::vector<Column>> CsvDecoder::columns() {
  if (!header_done_) {
    header_done_ = true;
    if (options_.header) {
      auto got = record();
      if (!got) return fail(got.error());
      if (*got) {
        std::vector<Column> named;
        for (const auto& r : raw_) named.push_back(Column{text_.substr(r.begin, r.end - r.begin)});
        if (!columns_.empty() && columns_ != named)
          return fail(malformed(record_line_, "the header does not match the declared columns"));
        columns_ = std::move(named);
      }
    }
  }
  return columns_;
}

Result<bool> CsvDecoder::next(std::vector<Field>& fields) {
  if (!header_done_) {
    if (auto c = columns(); !c) return fail(c.error());
  }
  auto got = record();
  if (!got || !*got) return got;
  if (columns_.empty()) {
    for (std::size_t i = 0; i < raw_.size(); ++i)
      columns_.push_back(Column{"column" + std::to_string(i + 1)});
  }
  if (raw_.size() != columns_.size())
    return fail(malformed(record_line_, std::to_string(raw_.size()) + " fields, expected " +
                                            std::to_string(columns_.size())));
  fields.clear();
  const std::string_view text = text_;
  for (const auto& r : raw_) {
    const std::string_view value = text.substr(r.begin, r.end - r.begin);
    if (!r.quoted && value == options_.null_text) {
      fields.emplace_back(std::nullopt);
    } else {
      fields.emplace_back(value);
    }
  }
  return true;
}

}  // namespace sluice::adapters::formats
