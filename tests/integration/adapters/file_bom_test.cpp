// Files that start with a UTF-8 byte order mark (a spreadsheet's "CSV UTF-8" export) load into
// PostgreSQL through the real chain, plain and zstd; the same bytes elsewhere are data (CSV)
// or a classified error naming file:line (JSON Lines).
#include <catch2/catch.hpp>

#include "framework/adapters/file/file.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

using test::kNow;
const std::string kBom = "\xEF\xBB\xBF";

std::shared_ptr<tasks::PipelineRuntime> from_file(const test::ChainFixture& f, const fs::path& root,
                                                  const std::string& id, const std::string& path) {
  adapters::file::FileOptions o;
  o.root = root;
  o.path = *time::FieldTemplate::parse(path);
  auto p = f.pipeline(1, id);
  p->source_name = "files";
  p->source = adapters::file::make_source(std::move(o));
  p->max_retries = 0;
  return p;
}

}  // namespace

TEST_CASE("a file that starts with a byte order mark loads whole into PostgreSQL",
          "[integration][files][bom]") {
  const std::string csv = kBom +
                          "id,event_time,note,amount\r\n"
                          "1,2024-01-01T00:10:00Z,first,1.00\r\n"
                          "2,2024-01-01T00:20:00Z," +
                          kBom + "mid-file," +
                          "2.50\r\n"
                          "3,2024-01-01T00:30:00Z,\"" +
                          kBom + "quoted\",\r\n";
  const std::string jsonl =
      kBom +
      "{\"id\":\"1\",\"event_time\":\"2024-01-01T00:10:00Z\",\"note\":\"first\",\"amount\":1.00}\n"
      "{\"id\":2,\"event_time\":\"2024-01-01T00:20:00Z\",\"note\":\"" +
      kBom +
      "mid-file\","
      "\"amount\":2.5}\n"
      "{\"id\":3,\"event_time\":\"2024-01-01T00:30:00Z\",\"note\":\"\\ufeffquoted\"}\n";
  for (const std::string ext : {"csv", "csv.zst", "jsonl", "jsonl.zst"}) {
    DYNAMIC_SECTION(ext) {
      test::ChainFixture f;
      test::TempDir dir;
      const std::string& text = ext.starts_with("csv") ? csv : jsonl;
      test::write_file(dir.path() / ("in." + ext),
                       ext.ends_with(".zst") ? test::zstd_bytes(text) : text);
      const auto s = test::run_until_settled(f, from_file(f, dir.path(), "bom", "in." + ext), kNow);
      CHECK(s.success == 1);
      CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'SUCCESS' AND "
                    "source_count = 3 AND target_count = 3") == 1);
      CHECK(f.count("SELECT count(*) FROM dst WHERE id = 1 AND note = 'first' AND amount = 1") ==
            1);
      CHECK(f.count("SELECT count(*) FROM dst WHERE id = 2 AND note = U&'\\FEFFmid-file'") == 1);
      CHECK(f.count("SELECT count(*) FROM dst WHERE id = 3 AND note = U&'\\FEFFquoted' AND "
                    "amount IS NULL") == 1);
    }
  }
}

TEST_CASE("a byte order mark inside a JSON Lines file fails the window naming file:line",
          "[integration][files][bom]") {
  test::ChainFixture f;
  test::TempDir dir;
  const std::string row = "{\"id\":1,\"event_time\":\"2024-01-01T00:10:00Z\"}\n";
  test::write_file(dir.path() / "in.jsonl.zst", test::zstd_bytes(kBom + row + row + kBom + row));
  const auto s = test::run_until_settled(f, from_file(f, dir.path(), "mid", "in.jsonl.zst"), kNow);
  CHECK(s.failed == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_status = 'FAILED' AND "
                "error_message LIKE 'permanent: %in.jsonl.zst:3: a byte order mark inside the "
                "file%'") == 1);
  CHECK(f.count("SELECT count(*) FROM dst") == 0);
}
