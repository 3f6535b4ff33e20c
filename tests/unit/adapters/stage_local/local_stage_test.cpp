#include <catch2/catch.hpp>

#include <fstream>

#include <date/date.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::adapters;
namespace fs = std::filesystem;

namespace {

WindowContext context(std::string run) {
  const Instant start = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);
  return {PipelineId{"orders"}, Window{start, start + std::chrono::hours(2)},
          RunId{std::move(run)}};
}

// Writes `rows` rows of about 100 bytes; returns what the reader must give back.
std::string stage_rows(Stage& stage, const WindowContext& ctx, int rows) {
  auto writer = stage.open_writer(ctx);
  REQUIRE(writer);
  const std::vector<Column> columns{{"id"}, {"payload"}};
  REQUIRE((*writer)->begin(columns));
  std::string expected;
  for (int i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i);
    const std::string payload = std::string(90, 'x') + "\t\n" + id;
    const std::vector<Field> fields{id, i % 7 == 0 ? Field() : Field(payload)};
    copy_text::append_row(expected, fields);
    REQUIRE((*writer)->row(fields));
  }
  REQUIRE((*writer)->end());
  auto manifest = (*writer)->commit();
  REQUIRE(manifest);
  CHECK(manifest->rows == rows);
  CHECK(manifest->bytes == static_cast<std::int64_t>(expected.size()));
  return expected;
}

std::string read_all(Stage& stage, const WindowContext& ctx) {
  auto reader = stage.open_reader(ctx);
  REQUIRE(reader);
  std::string all;
  for (;;) {
    auto block = (*reader)->next_block();
    REQUIRE(block);
    if (block->empty()) break;
    CHECK(block->back() == '\n');
    all.append(*block);
  }
  return all;
}

}  // namespace

TEST_CASE("a staged window reads back byte for byte, across 1 MiB blocks", "[adapters][stage]") {
  test::TempDir dir;
  LocalStage stage(dir.path());
  const auto ctx = context("scheduled__2024-03-10T10:05:00.000001+00:00");
  const std::string expected = stage_rows(stage, ctx, 30000);  // ~3 MiB
  auto found = stage.find(ctx);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->columns == std::vector<Column>{{"id"}, {"payload"}});
  CHECK(read_all(stage, ctx) == expected);
}

TEST_CASE("an unstaged, abandoned or tampered window is never read as staged",
          "[adapters][stage]") {
  test::TempDir dir;
  LocalStage stage(dir.path());
  const auto ctx = context("scheduled__a");

  SECTION("nothing written") {
    auto found = stage.find(ctx);
    REQUIRE(found);
    CHECK_FALSE(*found);
    CHECK_FALSE(stage.open_reader(ctx));
  }
  SECTION("a writer dropped before commit leaves no file and no manifest") {
    {
      auto writer = stage.open_writer(ctx);
      REQUIRE(writer);
      REQUIRE((*writer)->begin(std::vector<Column>{{"id"}}));
      REQUIRE((*writer)->row(std::vector<Field>{std::string_view("1")}));
    }
    CHECK(fs::is_empty(stage.window_dir(ctx)));
    CHECK_FALSE(*stage.find(ctx));
  }
  SECTION("a data file changed after commit fails the checksum at the end of the read") {
    stage_rows(stage, ctx, 100);
    const auto manifest = **stage.find(ctx);
    {
      std::fstream f(stage.window_dir(ctx) / manifest.data_file, std::ios::in | std::ios::out);
      f.seekp(3);
      f.put('Z');
    }
    auto reader = stage.open_reader(ctx);
    REQUIRE(reader);
    Result<std::string_view> block;
    do {
      block = (*reader)->next_block();
    } while (block && !block->empty());
    REQUIRE_FALSE(block);
    CHECK(block.error().message.find("does not match its manifest") != std::string::npos);
  }
  SECTION("a manifest nested deep or grown huge is not staged, and nothing recurses on it") {
    stage_rows(stage, ctx, 10);
    const auto manifest_path = stage.window_dir(ctx) / "manifest.json";
    for (const std::size_t depth : {5, 100000}) {
      test::write_file(manifest_path, std::string(depth, '[') + std::string(depth, ']'));
      CHECK_FALSE(*stage.find(ctx));
    }
    test::write_file(manifest_path, std::string(2 << 20, ' ') + "{}");
    CHECK_FALSE(*stage.find(ctx));
    CHECK_FALSE(stage.open_reader(ctx));
  }
  SECTION("a truncated data file is not staged") {
    stage_rows(stage, ctx, 100);
    const auto manifest = **stage.find(ctx);
    fs::resize_file(stage.window_dir(ctx) / manifest.data_file, 10);
    CHECK_FALSE(*stage.find(ctx));
  }
}

TEST_CASE("a later run's stage replaces an earlier one and removes its data file",
          "[adapters][stage]") {
  test::TempDir dir;
  LocalStage stage(dir.path());
  stage_rows(stage, context("scheduled__first"), 10);
  const auto second = context("manual__second");
  const std::string expected = stage_rows(stage, second, 5);
  const auto manifest = **stage.find(second);
  CHECK(manifest.run_id == "manual__second");
  CHECK(read_all(stage, second) == expected);
  int data_files = 0;
  for (const auto& e : fs::directory_iterator(stage.window_dir(second)))
    data_files += e.path().filename().string().starts_with("data-");
  CHECK(data_files == 1);
  REQUIRE(stage.remove(second));
  CHECK_FALSE(fs::exists(stage.window_dir(second)));
}
