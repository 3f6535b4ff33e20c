// A decoder holds one row whole. Reading a file someone else wrote, the file source refuses a
// row beyond its limit (64 MiB: a runaway quote, not data), naming file:line; what sluice
// wrote itself (the stage, a file target's file) is read with no limit, so a row as long as
// the source gave always reads back.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/file/file.hpp"
#include "framework/adapters/formats/csv.hpp"
#include "framework/adapters/formats/row_codec.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace sluice::adapters;
using namespace sluice::adapters::formats;

namespace {

std::string decode(Format format, const std::string& text, std::size_t limit) {
  test::StringSource in(text, 4096);
  CodecOptions o;
  o.format = format;
  o.max_row_bytes = limit;
  auto decoder = make_decoder(o, in, "in");
  return test::decode_all(*decoder);
}

}  // namespace

TEST_CASE("a decoder's row limit is its caller's", "[adapters][formats][long_rows]") {
  const std::string wide(300, 'w');
  const std::string csv = "a,b\n1,x\n2," + wide + "\n3,y\n";
  CHECK(decode(Format::csv, csv, 100) == "1|x\nERROR in:3: a record longer than 100 bytes");
  // Read in pieces smaller than the record, the limit stops it before its end.
  test::StringSource in("a,b\n1,\"" + wide + "\"\n", 7);
  CsvDecoder decoder({}, {}, in, "in", 100);
  CHECK(test::decode_all(decoder) ==
        "ERROR in:2: field 2: a record longer than 100 bytes (an "
        "unclosed quote?)");
  CHECK(decode(Format::csv, csv, kNoRowLimit) == "1|x\n2|" + wide + "\n3|y\n");
  const std::string jsonl = "{\"a\":\"1\"}\n{\"a\":\"" + wide + "\"}\n";
  CHECK(decode(Format::jsonl, jsonl, 100) == "1\nERROR in:2: a line longer than 100 bytes");
  CHECK(decode(Format::jsonl, jsonl, kNoRowLimit) == "1\n" + wide + "\n");
  CHECK(CodecOptions{}.max_row_bytes == kMaxFileRowBytes);
  CHECK(describe_size(kMaxFileRowBytes) == "64 MiB");
}

TEST_CASE("a file target counts a row longer than a file source would take",
          "[adapters][files][long_rows][slow]") {
  test::TempDir dir;
  const Instant start = date::sys_days{date::year{2024} / 1 / 1};
  const WindowContext ctx{PipelineId{"wide"}, Window{start, start + std::chrono::hours(1)},
                          RunId{"manual__x"}};
  file::FileOptions o;
  o.root = dir.path();
  o.path = *time::FieldTemplate::parse("wide.csv");
  test::write_file(dir.path() / "wide.csv",
                   "id,body\n1,short\n2," + std::string(kMaxFileRowBytes + 1000, 'w') + "\n");
  auto target = file::make_target(o);
  auto counted = target->count(ctx);
  REQUIRE(counted);
  CHECK(*counted == 2);
  auto source = file::make_source(o);
  auto refused = source->count(ctx);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK_THAT(refused.error().message, Catch::Contains("wide.csv:3: "));
  CHECK_THAT(refused.error().message, Catch::Contains("a record longer than 64 MiB"));
}
