// Every stage layout (COPY text, CSV, JSON Lines, each plain or zstd) hands the target the
// same COPY text, records what it stored in the manifest, and refuses a file that does not
// match it.
#include <catch2/catch.hpp>

#include <fstream>

#include <date/date.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::adapters;
namespace fs = std::filesystem;
using formats::Format;

namespace {

const WindowContext kWindow{PipelineId{"events"},
                            Window{Instant{date::sys_days{date::year{2024} / 5 / 1}},
                                   Instant{date::sys_days{date::year{2024} / 5 / 2}}},
                            RunId{"manual__2024-05-02T00:00:00+00:00"}};

// Rows that test every format's quoting: NULL, empty, delimiters, quotes, line breaks,
// backslashes, unicode; half of them arrive as COPY blocks, as a PostgreSQL source sends.
std::string stage(Stage& stage, int rows) {
  auto writer = stage.open_writer(kWindow);
  REQUIRE(writer);
  const std::vector<Column> columns{{"id"}, {"note"}, {"extra"}};
  REQUIRE((*writer)->begin(columns));
  std::string expected;
  for (int i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i);
    const std::string note = "n" + id + ", \"q\" \t\\ \r\n ünï 😀";
    const std::vector<Field> fields{id, i % 3 == 0 ? Field() : Field(note),
                                    i % 4 == 0 ? Field("") : Field("x")};
    std::string row;
    copy_text::append_row(row, fields);
    expected += row;
    REQUIRE((i % 2 ? (*writer)->copy_block(row, 1) : (*writer)->row(fields)));
  }
  REQUIRE((*writer)->end());
  auto manifest = (*writer)->commit();
  REQUIRE(manifest);
  CHECK(manifest->rows == rows);
  return expected;
}

Result<std::string> read_back(Stage& stage) {
  auto reader = stage.open_reader(kWindow);
  if (!reader) return fail(reader.error());
  std::string all;
  for (;;) {
    auto block = (*reader)->next_block();
    if (!block) return fail(block.error());
    if (block->empty()) return all;
    all.append(*block);
  }
}

}  // namespace

TEST_CASE("every stage layout reads back as the same COPY text", "[adapters][stage]") {
  struct Case {
    const char* name;
    LocalStage::Layout layout;
    const char* format;
    const char* compression;
    const char* suffix;
  };
  const std::vector<Case> cases{
      {"copy", {Format::copy_text, false}, "copy_text", "none", ".copy"},
      {"copy + zstd", {Format::copy_text, true}, "copy_text", "zstd", ".copy.zst"},
      {"csv", {Format::csv, false}, "csv", "none", ".csv"},
      {"csv + zstd", {Format::csv, true}, "csv", "zstd", ".csv.zst"},
      {"jsonl", {Format::jsonl, false}, "jsonl", "none", ".jsonl"},
      {"jsonl + zstd", {Format::jsonl, true}, "jsonl", "zstd", ".jsonl.zst"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      for (int rows : {0, 1, 30000}) {
        test::TempDir dir;
        LocalStage s(dir.path(), c.layout);
        const std::string expected = stage(s, rows);
        auto found = s.find(kWindow);
        REQUIRE(found);
        REQUIRE(*found);
        CHECK((*found)->format == c.format);
        CHECK((*found)->compression == c.compression);
        CHECK((*found)->data_file.ends_with(c.suffix));
        CHECK((*found)->rows == rows);
        auto back = read_back(s);
        REQUIRE(back);
        CHECK(*back == expected);
      }
    }
  }
}

TEST_CASE("a stage file that does not match its manifest is refused, whatever the layout",
          "[adapters][stage]") {
  for (const LocalStage::Layout layout :
       {LocalStage::Layout{Format::csv, false}, LocalStage::Layout{Format::jsonl, true},
        LocalStage::Layout{Format::copy_text, true}}) {
    test::TempDir dir;
    LocalStage s(dir.path(), layout);
    stage(s, 500);
    const auto manifest = **s.find(kWindow);
    const fs::path data = s.window_dir(kWindow) / manifest.data_file;
    // Same size, one byte changed: only the checksum (or the codec) can tell.
    std::fstream f(data, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(manifest.bytes / 2));
    f.put('#');
    f.close();
    auto back = read_back(s);
    REQUIRE_FALSE(back);
    CHECK(back.error().kind == ErrorKind::permanent);
    CHECK_THAT(back.error().message, Catch::Contains(data.string()));
  }
}
