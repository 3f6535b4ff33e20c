// libFuzzer target: any bytes through the JSON Lines decoder, read in uneven pieces, going on
// after errors as the file source does, with a small nesting limit (max_json_depth, from the
// first byte) so that inputs of a few hundred bytes reach past it. Nothing may crash or throw;
// each line gives a row or an error naming the file and its line; a line deeper than the
// limit never gives a row, and only such a line is called too deep. Run by deploy/lib/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framework/adapters/formats/jsonl.hpp"
#include "tests/fuzz/pieces.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;
using sluice::fuzz::Pieces;

namespace {

struct Line {
  std::string_view text;
  std::size_t number;  // 1-based, blank lines counted
};

// The lines the decoder reads, one per call of next(): blank ones skipped, CR dropped.
std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> lines;
  for (std::size_t number = 1; !text.empty(); ++number) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.push_back({line, number});
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t max_depth = 1 + data[0] % 8;
  const std::size_t piece = 1 + (data[0] >> 3);
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // A byte order mark at the very start of the file is skipped; at the start of any other
  // line it is an error of its own, whatever else the line holds.
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  const auto lines = lines_of(text.starts_with(kBom) ? text.substr(kBom.size()) : text);
  Pieces in(text, piece);
  JsonlDecoder decoder({}, in, "f.jsonl", max_depth);
  std::vector<Field> fields;
  for (std::size_t i = 0;; ++i) {
    auto more = decoder.next(fields);
    if (more && !*more) {
      if (i != lines.size()) __builtin_trap();  // a line lost or made up
      return 0;
    }
    if (i >= lines.size()) __builtin_trap();
    const bool too_deep = json_too_deep(lines[i].text, max_depth).has_value();
    if (more) {
      // A row: its line was no deeper than the limit, and each value read from a container
      // is its JSON text.
      if (too_deep) __builtin_trap();
      continue;
    }
    if (more.error().kind != ErrorKind::permanent) __builtin_trap();
    const std::string& m = more.error().message;
    const std::string prefix = "f.jsonl:" + std::to_string(lines[i].number) + ": ";
    if (m.rfind(prefix, 0) != 0) __builtin_trap();
    // `column N: JSON nested deeper than`, told from a parse error that quotes the line.
    std::string_view rest = std::string_view(m).substr(prefix.size());
    if (lines[i].text.starts_with(kBom)) {
      if (rest.find("byte order mark") == std::string_view::npos) __builtin_trap();
      continue;
    }
    bool deep_error = rest.substr(0, 7) == "column ";
    if (deep_error) {
      rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of("0123456789", 7)));
      deep_error = rest.substr(0, 25) == ": JSON nested deeper than";
    }
    if (deep_error != too_deep) __builtin_trap();
    // On to the next line, as the file source reads on to report more places.
  }
}
