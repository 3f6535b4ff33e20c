// A stage write that fails at any step (create, write, fsync, close, rename of the data file,
// the manifest's create, write and rename, the directory's fsync) takes back everything it
// wrote: a window that failed on a full disk does not keep the disk full. The previous stage
// of the window stays readable until the new manifest replaces it.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include <date/date.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/fake_disk.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::adapters;
namespace fs = std::filesystem;
using formats::Format;

namespace {

WindowContext window(std::string run) {
  const Instant start = date::sys_days{date::year{2024} / 6 / 1};
  return {PipelineId{"full_disk"}, Window{start, start + std::chrono::hours(1)},
          RunId{std::move(run)}};
}

// Writes and commits `rows` rows (about 2.5 MiB for 25,000: several 1 MiB writes); the
// first error of any step, or the COPY text it staged.
Result<std::string> write_stage(Stage& stage, const WindowContext& ctx, int rows) {
  auto writer = stage.open_writer(ctx);
  if (!writer) return fail(writer.error());
  const std::vector<Column> columns{{"id"}, {"payload"}};
  if (auto r = (*writer)->begin(columns); !r) return fail(r.error());
  std::string expected;
  const std::string payload(90, 'p');
  for (int i = 0; i < rows; ++i) {
    const std::string id = std::to_string(i) + ctx.run.value;
    const std::vector<Field> fields{id, payload};
    copy_text::append_row(expected, fields);
    if (auto r = (*writer)->row(fields); !r) return fail(r.error());
  }
  if (auto r = (*writer)->end(); !r) return fail(r.error());
  if (auto m = (*writer)->commit(); !m) return fail(m.error());
  return expected;
}

std::optional<std::string> read_stage(Stage& stage, const WindowContext& ctx) {
  auto reader = stage.open_reader(ctx);
  if (!reader) return std::nullopt;
  std::string all;
  for (;;) {
    auto block = (*reader)->next_block();
    if (!block) return std::nullopt;
    if (block->empty()) return all;
    all.append(*block);
  }
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.insert(e.path().filename().string());
  return names;
}

}  // namespace

TEST_CASE("a stage write failing at any file system call leaves nothing of its own behind",
          "[adapters][stage][full_disk]") {
  struct Case {
    const char* name;
    LocalStage::Layout layout;
    int rows;
  };
  for (const Case& c : {Case{"copy", {Format::copy_text, false}, 25000},
                        Case{"csv + zstd", {Format::csv, true}, 25000},
                        Case{"jsonl, empty window", {Format::jsonl, false}, 0},
                        Case{"copy, empty window", {Format::copy_text, false}, 0}}) {
    for (const bool previous : {false, true}) {
      DYNAMIC_SECTION(c.name << (previous ? ", over an earlier run's stage" : "")) {
        // The calls of a write that succeeds, to fail each of them in turn.
        std::size_t steps = 0;
        {
          test::TempDir dir;
          LocalStage stage(dir.path(), c.layout);
          if (previous) REQUIRE(write_stage(stage, window("scheduled__first"), 100));
          test::FakeDisk disk;
          REQUIRE(write_stage(stage, window("manual__second"), c.rows));
          steps = disk.calls().size();
        }
        REQUIRE(steps >= 6);
        std::set<std::string> failed_kinds;
        for (std::size_t n = 1; n <= steps; ++n) {
          test::TempDir dir;
          LocalStage stage(dir.path(), c.layout);
          std::optional<std::string> before;
          if (previous) before = *write_stage(stage, window("scheduled__first"), 100);
          const std::set<std::string> previous_files = names_in(stage.window_dir(window("x")));
          Result<std::string> staged;
          std::optional<std::pair<FileCall, fs::path>> failed;
          {
            test::FakeDisk disk;
            disk.fail_call(static_cast<int>(n));
            staged = write_stage(stage, window("manual__second"), c.rows);
            failed = disk.failed();
          }
          REQUIRE(failed);
          const std::string step = std::string(test::to_string(failed->first)) + " of " +
                                   failed->second.filename().string();
          INFO("call " << n << ": " << step);
          failed_kinds.insert(std::string(test::to_string(failed->first)));
          REQUIRE_FALSE(staged);
          CHECK(staged.error().kind == ErrorKind::retryable);  // ENOSPC: space may come back
          CHECK_THAT(staged.error().message, Catch::Contains("No space left on device"));
          const auto left = names_in(stage.window_dir(window("x")));
          if (failed->first == FileCall::fsync_directory) {
            // The manifest had replaced the earlier one: nothing of either is kept.
            CHECK(left.empty());
            CHECK_FALSE(*stage.find(window("x")));
          } else {
            CHECK(left == previous_files);  // no temp file, no data file, no manifest of ours
            CHECK(read_stage(stage, window("x")) == before);
          }
        }
        // An empty data file has nothing to sync.
        CHECK(failed_kinds ==
              (c.rows > 0 ? std::set<std::string>{"create", "write", "fsync", "close", "rename",
                                                  "fsync_directory"}
                          : std::set<std::string>{"create", "write", "rename", "fsync_directory"}));
      }
    }
  }
}

TEST_CASE("a file size limit (a real full disk) fails the stage write and leaves no file",
          "[adapters][stage][full_disk]") {
  // RLIMIT_FSIZE makes write(2) fail with EFBIG past the limit, as a full disk fails it with
  // ENOSPC; it is set in a child process so that the test runner keeps its own limit.
  for (const auto& [rows, limit] : {std::pair{25000, 1 << 20},  // while the data is written
                                    std::pair{0, 16}}) {        // the manifest, after the rename
    test::TempDir dir;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit small{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
      if (::setrlimit(RLIMIT_FSIZE, &small) != 0) ::_exit(3);
      LocalStage stage(dir.path());
      const auto staged = write_stage(stage, window("scheduled__limited"), rows);
      if (staged) ::_exit(1);
      ::_exit(names_in(stage.window_dir(window("x"))).empty() ? 0 : 2);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO(rows << " rows, limit " << limit << " bytes");
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // 1: the write succeeded; 2: files were left behind
  }
}
