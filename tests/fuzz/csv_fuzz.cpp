// libFuzzer target: any bytes through the CSV decoder, read in uneven pieces, going on after
// errors as the file source does. Every error names the file and a line; every row decoded
// is encoded and decoded again to the same fields. Run by deploy/lib/fuzz.sh.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "framework/adapters/formats/csv.hpp"
#include "tests/fuzz/pieces.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;
using sluice::fuzz::Pieces;

namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

Rows decode(std::string_view text, const CsvOptions& options, std::size_t piece, bool& clean) {
  Pieces in(text, piece);
  CsvDecoder decoder(options, {}, in, "f.csv");
  Rows rows;
  std::vector<Field> fields;
  clean = true;
  for (int guard = 0; guard < 100000; ++guard) {
    auto more = decoder.next(fields);
    if (!more) {
      if (more.error().message.rfind("f.csv:", 0) != 0) __builtin_trap();
      clean = false;
      continue;
    }
    if (!*more) break;
    auto& row = rows.emplace_back();
    for (const auto& f : fields)
      row.push_back(f ? std::optional<std::string>(std::string(*f)) : std::nullopt);
  }
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  CsvOptions options;
  options.header = false;
  options.delimiter = (data[0] & 1) ? ';' : ',';
  if (data[0] & 2) options.null_text = "\\N";
  const std::size_t piece = 1 + (data[0] >> 2);
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool clean = false;
  const Rows rows = decode(text, options, piece, clean);
  if (!clean || rows.empty()) return 0;
  CsvEncoder encoder(options);
  std::string again;
  for (const auto& row : rows) {
    std::vector<Field> fields;
    for (const auto& f : row) fields.push_back(f ? Field(*f) : Field());
    encoder.row(again, fields);
  }
  bool clean_again = false;
  if (decode(again, options, 7, clean_again) != rows || !clean_again) __builtin_trap();
  return 0;
}
