// Rows of 1, 16 and 100 MB through the real chain: PostgreSQL -> stage -> PostgreSQL, in every
// stage layout, on a window whose first load fails so that its retry reads the stage file back
// (the path where a 1 MiB read buffer used to fail the window with "a row longer than 1 MiB").
#include <catch2/catch.hpp>

#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/stage_layouts.hpp"

using namespace sluice;

namespace {

using test::kNow;

// One window: a short row, then a row of each size given (in bytes), escapes sprinkled in.
void seed_long_rows(const test::ChainFixture& f, const std::vector<long>& sizes) {
  f.exec("INSERT INTO src VALUES (0, '2024-01-01T00:00:00Z', 'short', 1)");
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string n = std::to_string(sizes[i]);
    f.exec("INSERT INTO src VALUES (" + std::to_string(i + 1) + ", '2024-01-01T00:0" +
           std::to_string(i + 1) + ":00Z', overlay(repeat('x', " + n +
           ") placing E'\\t\\n\\\\ \",ü' from 1000), 2)");
  }
}

// The target refuses the first row it is ever offered, retryably: the retry loads the stage.
void fail_first_load(const test::ChainFixture& f) {
  f.exec(
      "CREATE SEQUENCE load_attempts;"
      "CREATE FUNCTION flaky_load() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF nextval('load_attempts') = 1 THEN RAISE EXCEPTION 'target busy' USING ERRCODE = '40001'; "
      "END IF; RETURN NEW; END $$;"
      "CREATE TRIGGER flaky_load BEFORE INSERT ON dst FOR EACH ROW EXECUTE FUNCTION flaky_load()");
}

// Runs one window of a short row and rows of `sizes` bytes through `layout`'s stage, its first
// load failing, and checks the retry loaded every row exactly, from the stage file.
void run_retried(const adapters::LocalStage::Layout& layout, const std::vector<long>& sizes) {
  test::ChainFixture f;
  seed_long_rows(f, sizes);
  fail_first_load(f);
  auto p = f.pipeline(1);
  p->stage = std::make_shared<adapters::LocalStage>(f.stage_root(), layout);
  const auto summary = test::run_until_settled(f, p, kNow);
  CHECK(summary.success == 1);
  const std::string rows = std::to_string(sizes.size() + 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                "retry_attempt = 1 AND target_count = " +
                rows) == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'stage_to_target' AND "
                "outcome = 'RETRY'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE task = 'source_to_stage'") == 1);
  CHECK(f.count("SELECT count(*) FROM dst") == static_cast<std::int64_t>(sizes.size() + 1));
  CHECK(f.source_target_difference() == 0);
}

}  // namespace

TEST_CASE("rows of 1 and 16 MB are loaded from the stage on a retry, in every stage layout",
          "[integration][chain][long_rows]") {
  for (const auto& [name, layout] : test::stage_layouts()) {
    DYNAMIC_SECTION(name) {
      run_retried(layout, {1'000'000, 1 << 20, 16'000'000});
    }
  }
}

TEST_CASE("a 100 MB row is loaded from the stage on a retry, in each stage format",
          "[integration][chain][long_rows][slow]") {
  // One case per format, the codec alternating: each is many seconds under the sanitizers.
  for (const std::string name : {"copy", "csv.zst", "jsonl"}) {
    DYNAMIC_SECTION(name) {
      for (const auto& [n, layout] : test::stage_layouts())
        if (n == name) run_retried(layout, {100'000'000});
    }
  }
}
