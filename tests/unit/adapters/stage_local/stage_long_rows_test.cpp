// Rows far longer than any buffer (1 and 16 MB) stage and read back in every layout, written
// as rows or as COPY blocks, and a reader holds about one row at a time: its blocks grow with
// the longest row, never with the window. A 100 MB row takes the same path through the real
// chain in tests/integration/tasks/long_rows_chain_test.cpp, in each stage format (here it
// repeated that test's stage write and read, 88 s of the sanitizer suite's CPU).
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/paths.hpp"
#include "tests/support/stage_layouts.hpp"

using namespace sluice;
using namespace sluice::adapters;

namespace {

constexpr std::size_t kMB = 1000 * 1000;

const WindowContext kWindow{PipelineId{"wide"},
                            Window{Instant{date::sys_days{date::year{2024} / 2 / 1}},
                                   Instant{date::sys_days{date::year{2024} / 2 / 2}}},
                            RunId{"manual__2024-02-02T00:00:00+00:00"}};

// `bytes` of text with every character the formats escape or quote sprinkled through it.
std::string long_value(std::size_t bytes, char fill) {
  std::string v(bytes, fill);
  const std::string specials = "\t\n\r\\\",\"{}";
  for (std::size_t i = 777, k = 0; i < bytes; i += 65521, ++k) v[i] = specials[k % specials.size()];
  return v;
}

struct Staged {
  std::string copy_text;    // what the reader must give back
  std::size_t longest = 0;  // of its rows
};

// Short rows around long ones; every other row arrives as a COPY block (a PostgreSQL source).
Staged stage(Stage& s, const std::vector<std::size_t>& long_rows) {
  auto writer = s.open_writer(kWindow);
  REQUIRE(writer);
  REQUIRE((*writer)->begin(std::vector<Column>{{"id"}, {"body"}, {"tail"}}));
  Staged out;
  int id = 0;
  auto put = [&](const Field& body) {
    const std::string key = std::to_string(id);
    const std::vector<Field> fields{key, body, Field("t")};
    std::string row;
    copy_text::append_row(row, fields);
    out.longest = std::max(out.longest, row.size());
    REQUIRE((id++ % 2 ? (*writer)->copy_block(row, 1) : (*writer)->row(fields)));
    out.copy_text += row;
  };
  put(Field("short"));
  for (std::size_t bytes : long_rows) {
    put(Field(long_value(bytes, static_cast<char>('a' + id % 26))));
    put(Field());
  }
  REQUIRE((*writer)->end());
  auto manifest = (*writer)->commit();
  REQUIRE(manifest);
  CHECK(manifest->rows == id);
  return out;
}

// Reads the stage back against `expected` block by block, without a copy of the window.
void check_read_back(Stage& s, const Staged& expected) {
  auto reader = s.open_reader(kWindow);
  REQUIRE(reader);
  const std::string_view want = expected.copy_text;
  std::size_t at = 0;
  for (;;) {
    auto block = (*reader)->next_block();
    REQUIRE(block);
    if (block->empty()) break;
    REQUIRE(block->back() == '\n');
    // About 1 MiB of rows, or one row longer than that: bounded by the row, not the window.
    CHECK(block->size() <= expected.longest + (2u << 20));
    REQUIRE(at + block->size() <= want.size());
    REQUIRE(*block == want.substr(at, block->size()));
    at += block->size();
  }
  CHECK(at == want.size());
}

}  // namespace

TEST_CASE("rows of 1 and 16 MB stage and read back in every layout",
          "[adapters][stage][long_rows]") {
  for (const auto& [name, layout] : test::stage_layouts()) {
    DYNAMIC_SECTION(name) {
      test::TempDir dir;
      LocalStage s(dir.path(), layout);
      // 1 MiB exactly and just around it, then 16 MB twice: a window of ~35 MB.
      const auto staged =
          stage(s, {1 * kMB, (1u << 20) - 1, 1u << 20, (1u << 20) + 1, 16 * kMB, 16 * kMB});
      check_read_back(s, staged);
    }
  }
}

TEST_CASE("a window of many long rows is read one row's worth at a time",
          "[adapters][stage][long_rows]") {
  for (const auto& [name, layout] : {test::stage_layouts()[0], test::stage_layouts()[3]}) {
    DYNAMIC_SECTION(name) {
      test::TempDir dir;
      LocalStage s(dir.path(), layout);
      check_read_back(s, stage(s, std::vector<std::size_t>(12, 3 * kMB)));  // a 36 MB window
    }
  }
}
