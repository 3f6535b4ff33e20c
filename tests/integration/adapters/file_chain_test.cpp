// Files through the real chain and runner on a real PostgreSQL: PostgreSQL -> files ->
// PostgreSQL in every file format, bad files (malformed CSV, missing, truncated zstd), and
// PostgreSQL -> PostgreSQL through every stage layout.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "framework/adapters/file/file.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/stage_layouts.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using test::write_file;
namespace fs = std::filesystem;

namespace {

using test::kNow;

tasks::RunSummary settle(test::ChainFixture& f, std::shared_ptr<tasks::PipelineRuntime> p) {
  return test::run_until_settled(f, std::move(p), kNow);
}

adapters::file::FileOptions files(const fs::path& root, const std::string& path,
                                  bool missing_is_empty = false) {
  adapters::file::FileOptions o;
  o.root = root;
  o.path = *time::FieldTemplate::parse(path);
  o.missing_is_empty = missing_is_empty;
  return o;
}

std::int64_t records(const test::ChainFixture& f, const std::string& pipeline,
                     const std::string& where) {
  return f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = '" + pipeline +
                 "' AND " + where);
}

// Hides a target's streamed load, so that the chain loads from the stage file.
class FromStageOnly final : public adapters::Target {
 public:
  explicit FromStageOnly(std::unique_ptr<adapters::Target> t) : t_(std::move(t)) {}
  Result<std::int64_t> count(const adapters::WindowContext& c) override { return t_->count(c); }
  Result<adapters::Loaded> load(const adapters::WindowContext& c,
                                adapters::StageReader& r) override {
    return t_->load(c, r);
  }

 private:
  std::unique_ptr<adapters::Target> t_;
};

}  // namespace

TEST_CASE("PostgreSQL -> files -> PostgreSQL in every file format, exactly, idempotently",
          "[integration][files]") {
  for (const std::string ext : {"csv", "jsonl", "csv.zst", "jsonl.zst"}) {
    DYNAMIC_SECTION(ext) {
      test::ChainFixture f;
      test::TempDir dir;
      f.seed_source(
          3, 40);  // NULLs, unicode, quotes, tab and newline inside values, a row on each start
      f.exec(
          "DELETE FROM src WHERE event_time >= '2024-01-01T01:00:00Z' AND event_time < "
          "'2024-01-01T02:00:00Z'");
      const std::string path = "out/{window_start:%Y/%m/%d/%H}." + ext;

      auto out = f.pipeline(3, "to_files");
      out->target_name = "files";
      out->target = adapters::file::make_target(files(dir.path(), path));
      const auto s1 = settle(f, out);
      CHECK(s1.success == 2);
      CHECK(s1.skipped == 1);  // the empty window: 0 rows on both sides
      CHECK(records(f, "to_files",
                    "pipeline_status = 'SUCCESS' AND audit_result = 'PASS' AND source_count = 40 "
                    "AND target_count = 40") == 2);
      CHECK(fs::exists(dir.path() / ("out/2024/01/01/00." + ext)));
      CHECK_FALSE(fs::exists(dir.path() / ("out/2024/01/01/01." + ext)));
      CHECK(fs::exists(dir.path() / ("out/2024/01/01/02." + ext)));
      for (const auto& e : fs::recursive_directory_iterator(dir.path()))
        CHECK_FALSE(e.path().filename().string().starts_with("."));  // no temp file left

      auto back = f.pipeline(3, "from_files");
      back->source_name = "files";
      back->source =
          adapters::file::make_source(files(dir.path(), path, /*missing_is_empty=*/true));
      const auto s2 = settle(f, back);
      CHECK(s2.success == 2);
      CHECK(s2.skipped == 1);
      CHECK(records(f, "from_files", "pipeline_status = 'SUCCESS' AND audit_result = 'PASS'") == 2);
      CHECK(f.count("SELECT count(*) FROM dst") == 80);
      CHECK(f.source_target_difference() == 0);

      // A window loaded again (one row lost in the target meanwhile) is replaced whole.
      f.exec("DELETE FROM dst WHERE id = 3");
      auto again = f.pipeline(3, "again");
      again->source = adapters::file::make_source(files(dir.path(), path, true));
      const auto s3 = settle(f, again);
      CHECK(s3.success == 1);
      CHECK(records(f, "again", "pipeline_status = 'SKIPPED'") == 2);
      CHECK(records(f, "again", "pipeline_status = 'FAILED'") == 0);
      CHECK(records(f, "again",
                    "window_start_time = '2024-01-01T00:00:00Z' AND pipeline_status = 'SUCCESS'") ==
            1);
      CHECK(f.source_target_difference() == 0);
    }
  }
}

TEST_CASE("a file path template's dates are in the pipeline's time zone", "[integration][files]") {
  test::ChainFixture f;
  test::TempDir dir;
  f.seed_source(3, 5);
  auto out = f.pipeline(3, "zoned_files");
  out->target_name = "files";
  out->target = adapters::file::make_target(files(dir.path(), "{window_start:%Y%m%d_%H%M}.csv"));
  // Tokyo is UTC+09:00, so the windows starting at 00:00, 01:00 and 02:00 UTC are local
  // 09:00, 10:00 and 11:00 (hourly windows stay on the same hours as in UTC).
  out->windows.zone = *time::locate_zone("Asia/Tokyo");
  const auto s = settle(f, out);
  CHECK(s.success == 3);
  for (const char* name : {"20240101_0900.csv", "20240101_1000.csv", "20240101_1100.csv"}) {
    INFO(name);
    CHECK(fs::exists(dir.path() / name));
  }
  CHECK_FALSE(fs::exists(dir.path() / "20240101_0000.csv"));
}

TEST_CASE("the file target replaces its file on a re-run: same bytes, same count",
          "[integration][files]") {
  test::ChainFixture f;
  test::TempDir dir;
  f.seed_source(1, 25);
  const adapters::WindowContext ctx{PipelineId{"twice"},
                                    Window{test::kFixtureStart, test::kFixtureStart + 1h},
                                    RunId{"manual__x"}};
  adapters::LocalStage stage(f.stage_root());
  auto writer = stage.open_writer(ctx);
  REQUIRE(writer);
  auto source = adapters::postgres::make_source({f.db().url(), std::nullopt, "src", "event_time"});
  REQUIRE(source->extract(ctx, **writer));
  REQUIRE((*writer)->commit());
  auto target = adapters::file::make_target(files(dir.path(), "{pipeline}.csv.zst"));
  CHECK(*target->count(ctx) == 0);  // no file yet: no rows
  const fs::path file = dir.path() / "twice.csv.zst";
  std::string first;
  for (int i = 0; i < 2; ++i) {
    auto reader = stage.open_reader(ctx);
    REQUIRE(reader);
    auto loaded = target->load(ctx, **reader);
    REQUIRE(loaded);
    CHECK(loaded->rows == 25);
    CHECK(*target->count(ctx) == 25);
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (i == 0) first = bytes;
    CHECK(bytes == first);
  }
}

TEST_CASE("bad files give a classified error naming the place, and nothing is loaded",
          "[integration][files]") {
  test::ChainFixture f;
  test::TempDir dir;
  const std::string header = "id,event_time,note,amount\n";
  const std::string good = "1,2024-01-01T00:10:00Z,fine,1.00\n";
  auto pipeline = [&](const std::string& id, const std::string& path) {
    auto p = f.pipeline(1, id);
    p->source = adapters::file::make_source(files(dir.path(), path));
    return p;
  };
  SECTION("a malformed CSV line: FAILED, permanent, file:line of every bad line") {
    write_file(dir.path() / "bad.csv", header + good + "2,2024-01-01T00:20:00Z,\"open\"x,2.00\n" +
                                           good + "3,2024-01-01T00:30:00Z\n");
    auto p = pipeline("bad", "bad.csv");
    p->max_retries = 0;
    CHECK(settle(f, p).failed == 1);
    const std::string place = (dir.path() / "bad.csv").string();
    CHECK(records(f, "bad",
                  "pipeline_status = 'FAILED' AND error_message LIKE 'permanent: " + place +
                      ":3: field 3: text after a closing quote%" + place +
                      ":5: 2 fields, expected 4%'") == 1);
  }
  SECTION("JSON Lines nested too deep: FAILED, permanent, file:line, nothing recursed") {
    const std::string good_line =
        R"({"id": 1, "event_time": "2024-01-01T00:10:00Z", "note": "fine", "amount": "1.00"})";
    const auto deep_line = [](std::size_t depth) {
      return R"({"id": 2, "event_time": "2024-01-01T00:20:00Z", "note": )" +
             std::string(depth, '[') + std::string(depth, ']') + "}";
    };
    // The default limit (512) against 100,000 levels; a limit of 4 from the options.
    for (const auto& [max, depth] : {std::pair<std::size_t, std::size_t>{0, 100000}, {4, 4}}) {
      INFO("max " << max << ", depth " << depth);
      const std::string name = "deep" + std::to_string(depth) + ".jsonl";
      write_file(dir.path() / name, good_line + "\n" + deep_line(depth) + "\n" + good_line + "\n");
      auto p = f.pipeline(1, "deep" + std::to_string(depth));
      auto o = files(dir.path(), name);
      if (max) o.max_json_depth = max;
      p->source = adapters::file::make_source(o);
      p->max_retries = 0;
      CHECK(settle(f, p).failed == 1);
      // The line's object is level 1: the bracket at level limit + 1 is at byte 55 + limit.
      const std::size_t limit = max ? max : 512;
      CHECK(records(f, "deep" + std::to_string(depth),
                    "pipeline_status = 'FAILED' AND error_message = 'permanent: " +
                        (dir.path() / name).string() + ":2: column " + std::to_string(56 + limit) +
                        ": JSON nested deeper than " + std::to_string(limit) + " levels at byte " +
                        std::to_string(55 + limit) + " (max_json_depth)'") == 1);
    }
  }
  SECTION("a missing file: retryable, the record says which file") {
    auto p = pipeline("missing", "nowhere/{window_start:%Y%m%d%H}.csv");
    tasks::Runner runner(f.runner_options(1), {p});
    REQUIRE(runner.run_once(kNow));
    CHECK(records(f, "missing",
                  "pipeline_status = 'PENDING' AND retry_attempt = 1 AND error_message LIKE "
                  "'retryable: file %nowhere/2024010100.csv does not exist%'") == 1);
  }
  SECTION("a truncated .zst: FAILED, permanent") {
    std::string rows = header;
    for (int i = 0; i < 5000; ++i)
      rows +=
          std::to_string(i) + ",2024-01-01T00:10:00Z,row " + std::to_string(i * 7919) + ",1.00\n";
    const std::string packed = test::zstd_bytes(rows);
    write_file(dir.path() / "cut.csv.zst", packed.substr(0, packed.size() - 40));
    auto p = pipeline("cut", "cut.csv.zst");
    p->max_retries = 0;
    CHECK(settle(f, p).failed == 1);
    CHECK(records(f, "cut",
                  "pipeline_status = 'FAILED' AND error_message LIKE 'permanent: %cut.csv.zst: "
                  "truncated zstd%'") == 1);
  }
  CHECK(f.count("SELECT count(*) FROM dst") == 0);  // nothing half-loaded
}

TEST_CASE("PostgreSQL -> PostgreSQL through every stage layout, loaded from the stage file",
          "[integration][files][stage]") {
  for (const auto& [name, layout] : test::stage_layouts()) {
    DYNAMIC_SECTION(name) {
      test::ChainFixture f;
      f.seed_source(2, 300);
      auto p = f.pipeline(2);
      p->stage = std::make_shared<adapters::LocalStage>(f.stage_root(), layout);
      p->target = std::make_unique<FromStageOnly>(
          adapters::postgres::make_target({f.db().url(), "dst", "event_time"}));
      CHECK(settle(f, p).success == 2);
      CHECK(f.source_target_difference() == 0);
      CHECK(records(f, "orders", "audit_result = 'PASS' AND stage_count = 300") == 2);
    }
  }
}
