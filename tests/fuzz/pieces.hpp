#pragma once
// A byte source over the fuzzer's input that hands it out in pieces of a chosen size, so that
// every buffer boundary of a decoder falls inside quotes, escapes and line breaks somewhere.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "framework/adapters/formats/bytes.hpp"

namespace sluice::fuzz {

class Pieces final : public adapters::formats::ByteSource {
 public:
  Pieces(std::string_view text, std::size_t piece) : text_(text), piece_(piece) {}
  Result<std::size_t> read(char* into, std::size_t capacity) override {
    const std::size_t n = std::min({capacity, piece_, text_.size()});
    std::memcpy(into, text_.data(), n);
    text_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view text_;
  std::size_t piece_;
};

}  // namespace sluice::fuzz
