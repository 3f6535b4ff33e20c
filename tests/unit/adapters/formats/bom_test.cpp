// A UTF-8 byte order mark (what a spreadsheet's "CSV UTF-8" export writes first) is skipped at
// the start of a CSV or JSON Lines stream, however the reads split it and under zstd; anywhere
// else it is data.
#include <catch2/catch.hpp>

#include "framework/adapters/formats/csv.hpp"
#include "framework/adapters/formats/jsonl.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;

namespace {

const std::string kBom = "\xEF\xBB\xBF";

// The rows of `text` (zstd-compressed first when `packed`), read `chunk` bytes at a time.
std::string decode(Format format, const std::string& text, std::size_t chunk, bool packed,
                   bool header = true) {
  test::StringSource raw(packed ? test::zstd_bytes(text) : text, chunk);
  ZstdDecompressSource unpacked(raw, "in");
  ByteSource& in = packed ? static_cast<ByteSource&>(unpacked) : raw;
  CodecOptions o;
  o.format = format;
  o.csv.header = header;
  auto decoder = make_decoder(o, in, "in");
  auto columns = decoder->columns();
  if (!columns) return "\nERROR " + columns.error().message;
  std::string names;
  for (const auto& c : *columns) names += c.name + ";";
  return names + "\n" + test::decode_all(*decoder);
}

}  // namespace

TEST_CASE("read_first drops a mark at the start, whole or split, and nothing else",
          "[adapters][formats][bom]") {
  struct Case {
    std::string text, first_bytes;
  };
  const std::vector<Case> cases{
      {kBom + "abc", "abc"},
      {kBom, ""},                       // only the mark: an empty stream
      {kBom + kBom + "x", kBom + "x"},  // the second one is data
      {"\xEF\xBB", "\xEF\xBB"},         // a stream cut inside a mark: data
      {"\xEF\xBBx", "\xEF\xBBx"},       // not a mark after all
      {"\xEFx", "\xEFx"},
      {"a" + kBom, "a" + kBom},  // not at the start: data
      {"", ""},
  };
  for (const auto& c : cases) {
    for (std::size_t chunk : {1, 2, 3, 4, 100}) {
      INFO("text of " << c.text.size() << " bytes in chunks of " << chunk);
      test::StringSource in(c.text, chunk);
      char buffer[64];
      std::string got;
      auto n = read_first(in, buffer, sizeof buffer);
      REQUIRE(n);
      got.append(buffer, *n);
      if (*n > 0) {
        for (;;) {
          auto more = in.read(buffer, sizeof buffer);
          REQUIRE(more);
          if (*more == 0) break;
          got.append(buffer, *more);
        }
      }
      CHECK(got == c.first_bytes);
    }
  }
}

TEST_CASE("CSV: a byte order mark at the start is skipped, elsewhere it is data",
          "[adapters][formats][bom][csv]") {
  for (bool packed : {false, true}) {
    for (std::size_t chunk : {1, 2, 3, 7, 4096}) {
      INFO("zstd " << packed << ", chunks of " << chunk);
      CHECK(decode(Format::csv, kBom + "id,note\n1,x\n2,y\n", chunk, packed) ==
            "id;note;\n1|x\n2|y\n");
      CHECK(decode(Format::csv, kBom + "\"id\",note\r\n1,x\r\n", chunk, packed) ==
            "id;note;\n1|x\n");
      CHECK(decode(Format::csv, kBom + "1,x\n", chunk, packed, /*header=*/false) == "\n1|x\n");
      CHECK(decode(Format::csv, kBom, chunk, packed) == "\n");
      CHECK(decode(Format::csv, kBom + "id,note\n", chunk, packed) == "id;note;\n");
      // Mid-file the same bytes are data: in a header, a value, a second mark.
      CHECK(decode(Format::csv, "id,note\n" + kBom + "1,x\n", chunk, packed) ==
            "id;note;\n" + kBom + "1|x\n");
      CHECK(decode(Format::csv, kBom + kBom + "id,note\n1," + kBom + "\n", chunk, packed) ==
            kBom + "id;note;\n1|" + kBom + "\n");
      CHECK(decode(Format::csv, "id,note\n1,\"" + kBom + "q\"\n", chunk, packed) ==
            "id;note;\n1|" + kBom + "q\n");
    }
  }
}

TEST_CASE("CSV: a value that starts with a byte order mark is written so that it reads back",
          "[adapters][formats][bom][csv]") {
  for (bool header : {true, false}) {
    CsvOptions o;
    o.header = header;
    CsvEncoder encoder(o);
    std::string text;
    const std::vector<Column> columns{{kBom + "id"}, {"note"}};
    encoder.begin(text, columns);
    encoder.row(text, std::vector<Field>{Field{kBom + "1"}, Field{kBom}});
    CHECK(text.front() == '"');
    test::StringSource in(text, 2);
    CsvDecoder decoder(o, header ? columns : std::vector<Column>{}, in, "rt.csv");
    CHECK(test::decode_all(decoder) == kBom + "1|" + kBom + "\n");
  }
}

TEST_CASE("JSON Lines: a byte order mark at the start is skipped, elsewhere it is an error",
          "[adapters][formats][bom][jsonl]") {
  for (bool packed : {false, true}) {
    for (std::size_t chunk : {1, 2, 3, 5, 4096}) {
      INFO("zstd " << packed << ", chunks of " << chunk);
      CHECK(decode(Format::jsonl, kBom + "{\"a\":\"1\",\"b\":null}\n{\"a\":\"2\"}\n", chunk,
                   packed) == "a;b;\n1|<NULL>\n2|<NULL>\n");
      CHECK(decode(Format::jsonl, kBom, chunk, packed) == "\n");
      CHECK(decode(Format::jsonl, kBom + "\n\n{\"a\":\"" + kBom + "\"}\n", chunk, packed) ==
            "a;\n" + kBom + "\n");
      const std::string mid =
          decode(Format::jsonl, "{\"a\":\"1\"}\n" + kBom + "{\"a\":\"2\"}\n", chunk, packed);
      CHECK(mid ==
            "a;\n1\nERROR in:2: a byte order mark inside the file (only its very start "
            "may have one)");
      CHECK_THAT(decode(Format::jsonl, kBom + kBom + "{\"a\":\"1\"}\n", chunk, packed),
                 Catch::StartsWith("\nERROR in:1: a byte order mark inside the file"));
    }
  }
}
