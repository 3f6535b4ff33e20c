#include "framework/adapters/formats/jsonl.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

namespace sluice::adapters::formats {
void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void JsonlEncoder::begin(std::string&, std::span<const Column> columns) {
  keys_.clear();
  for (const auto& c : columns) {
    std::string key;
    append_json_string(key, c.name);
    keys_.push_back(key + ":");
  }
}

void JsonlEncoder::row(std::string& out, std::span<const Field> fields) {
  out += '{';
  for (std::size_t i = 0; i < fields.size() && i < keys_.size(); ++i) {
    if (i) out += ',';
    out += keys_[i];
    if (fields[i]) {
      append_json_string(out, *fields[i]);
    } else {
      out += "null";
    }
  }
  out += "}\n";
}

JsonlDecoder::JsonlDecoder(std::vector<Column> declared, ByteSource& in, std::string name,
                           std::size_t max_depth, std::size_t max_line_bytes)
    : columns_(std::move(declared)),
      in_(in),
      name_(std::move(name)),
      max_depth_(max_depth),
      max_line_bytes_(max_line_bytes),
      buffer_(kReadBytes) {}

Error JsonlDecoder::malformed(std::string_view what) const {
  return Error::permanent(name_ + ":" + std::to_string(line_) + ": " + std::string(what));
}

// The next non-blank line, without its line break.
Result<bool> JsonlDecoder::next_line(std::string_view& line) {
  for (;;) {
    carry_.clear();
    bool complete = false;
    while (!complete) {
      if (pos_ == size_) {
        if (eof_) break;
        auto n = started_ ? in_.read(buffer_.data(), buffer_.size())
                          : read_first(in_, buffer_.data(), buffer_.size());
        if (!n) return fail(n.error());
        started_ = true;
        pos_ = 0;
        size_ = *n;
        if (*n == 0) {
          eof_ = true;
          break;
        }
      }
      const char* start = buffer_.data() + pos_;
      const auto* nl = static_cast<const char*>(std::memchr(start, '\n', size_ - pos_));
      const std::size_t take = nl ? static_cast<std::size_t>(nl - start) : size_ - pos_;
      carry_.append(start, take);
      pos_ += take + (nl ? 1 : 0);
      complete = nl != nullptr;
      if (carry_.size() > max_line_bytes_) {
        ++line_;
        return fail(malformed("a line longer than " + describe_size(max_line_bytes_)));
      }
    }
    if (!complete && carry_.empty()) return false;
    ++line_;
    if (!carry_.empty() && carry_.back() == '\r') carry_.pop_back();
    if (carry_.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are skipped
    line = carry_;
    return true;
  }
}

Result<std::vector<Column>> JsonlDecoder::columns() {
  if (columns_.empty() && !peeked_) {
    std::vector<Field> ignored;
    auto got = next(ignored);
    if (!got) return fail(got.error());
    peeked_ = true;
    peek_result_ = *got;
  }
  return columns_;
}

Result<bool> JsonlDecoder::next(std::vector<Field>& fields) {
  if (peeked_) {
    peeked_ = false;
    if (!peek_result_) return false;
    fields.clear();
    for (std::size_t i = 0; i < columns_.size(); ++i)
      fields.emplace_back(present_[i] ? Field{values_[i]} : Field{});
    return true;
  }
  std::string_view line;
  auto got = next_line(line);
  if (!got || !*got) return got;
  // The file's own mark went before the first line (read_first); nlohmann would skip one at
  // the start of any line, but anywhere else it is data, and not JSON.
  if (line.starts_with(kUtf8Bom))
    return fail(malformed("a byte order mark inside the file (only its very start may have one)"));
  if (auto at = json_too_deep(line, max_depth_))
    return fail(
        malformed("column " + std::to_string(*at + 1) + ": " + too_deep_message(max_depth_, *at)));
  nlohmann::ordered_json object;
  try {
    object = nlohmann::ordered_json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(malformed("column " + std::to_string(e.byte) + ": not JSON: " + e.what()));
  } catch (const nlohmann::json::exception& e) {
    // A number beyond a double's range (out_of_range): valid JSON nlohmann cannot hold.
    return fail(malformed(std::string("a value out of range: ") + e.what()));
  }
  if (!object.is_object())
    return fail(malformed("expected an object, found " + std::string(object.type_name())));
  if (columns_.empty()) {
    for (const auto& item : object.items()) columns_.push_back(Column{item.key()});
  }
  values_.resize(columns_.size());
  present_.assign(columns_.size(), false);
  for (const auto& item : object.items()) {
    std::size_t i = 0;
    while (i < columns_.size() && columns_[i].name != item.key()) ++i;
    if (i == columns_.size()) return fail(malformed("key \"" + item.key() + "\" is not a column"));
    const auto& v = item.value();
    if (v.is_null()) continue;
    present_[i] = true;
    values_[i] = v.is_string() ? v.get_ref<const std::string&>() : v.dump();
  }
  fields.clear();
  for (std::size_t i = 0; i < columns_.size(); ++i)
    fields.emplace_back(present_[i] ? Field{values_[i]} : Field{});
  return true;
}

}  // namespace sluice::adapters::formats
