// Foreign bytes in every error path end in the database as valid UTF-8, visibly escaped, and
// never block the write that records them: a cast error quoting a Latin-1 value, an HTTP
// error body, an adapter's own error (long, with NUL), a file name in a decode error and in
// a missing-file error, config-derived text (a required business field, a rendered
// template), a holder name, and the operator paths (rerun, pause, release, audit_log,
// backfill requests). Before, one such byte failed the fenced write with SQLSTATE 22021 and
// the window was never recorded as failed.
#include <catch2/catch.hpp>

#include "framework/adapters/file/file.hpp"
#include "framework/adapters/http/source.hpp"
#include "framework/core/utf8.hpp"
#include "framework/store/backfill.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/params.hpp"
#include "tasks/runner.hpp"
#include "tests/support/chain_fixture.hpp"
#include "tests/support/files.hpp"
#include "tests/support/http_test_server.hpp"

using namespace sluice;
using namespace std::chrono_literals;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

using test::kNow;
const std::string kHolder = "host\xff\xfe:1";

// An adapter whose own error quotes raw bytes, NUL among them, at length.
class HostileSource final : public adapters::Source {
 public:
  Result<std::int64_t> count(const adapters::WindowContext&) override {
    return fail(Error::permanent("driver: row 7 holds '\xff\xfe\0'"s + std::string(100'000, 'z')));
  }
  Result<std::int64_t> extract(const adapters::WindowContext& c, adapters::RowSink&) override {
    return count(c);
  }
};

adapters::file::FileOptions files(const fs::path& root, const std::string& path) {
  adapters::file::FileOptions o;
  o.root = root;
  o.path = *time::FieldTemplate::parse(path);
  return o;
}

transform::OutputColumn column(std::string name, transform::Cast cast = transform::Cast::none) {
  return {name, name, cast, std::nullopt, {"pipelines.d/cast.yaml", 3, 7}, std::nullopt};
}

// Every text and jsonb value of the table, checked in C++ as read back.
std::int64_t unstorable_values(const test::ChainFixture& f, const std::string& table) {
  auto c = f.db().connect();
  std::int64_t bad = 0, values = 0;
  for (const auto& col :
       test::run_sql(*c, "SELECT column_name FROM information_schema.columns WHERE table_name = '" +
                             table + "' AND data_type IN ('text', 'jsonb')")) {
    const auto name = col[0].as<std::string>();
    for (const auto& row : test::run_sql(
             *c, "SELECT " + name + "::text FROM " + table + " WHERE " + name + " IS NOT NULL")) {
      ++values;
      if (!is_storable_text(row[0].as<std::string>())) ++bad;
    }
  }
  CHECK(values > 0);
  return bad;
}

std::string error_of(const test::ChainFixture& f, const std::string& pipeline) {
  auto c = f.db().connect();
  const auto r = test::run_sql(*c,
                               "SELECT pipeline_status || ' ' || retry_attempt || ' ' || "
                               "coalesce(error_message, '-') FROM pipeline_records WHERE "
                               "pipeline_id = '" +
                                   pipeline + "'");
  REQUIRE(r.size() == 1);
  return r[0][0].as<std::string>();
}

}  // namespace

TEST_CASE("no failing path writes invalid UTF-8 to pipeline_records, pipeline_events or audit_log",
          "[integration][chain][utf8]") {
  test::ChainFixture f;
  test::TempDir dir;
  std::vector<std::shared_ptr<const tasks::PipelineRuntime>> pipelines;

  // A cast error quoting a Latin-1 value read from a file.
  test::write_file(dir.path() / "cast" / "00.csv",
                   "id,event_time,note,amount\ncaf\xe9\xff\xfe,2024-01-01 00:10:00+00,x,1\n");
  auto cast = f.pipeline(1, "cast");
  cast->source = adapters::file::make_source(files(dir.path(), "cast/{window_start:%H}.csv"));
  cast->transform.columns = {column("id", transform::Cast::integer), column("event_time"),
                             column("note"), column("amount")};
  pipelines.push_back(cast);

  // A file decode error naming a file whose name is not UTF-8.
  test::write_file(dir.path() / "decode" / "\xfe\xff-00.csv", "id,event_time\n\"never closed\n");
  auto decode = f.pipeline(1, "decode");
  decode->source =
      adapters::file::make_source(files(dir.path(), "decode/\xfe\xff-{window_start:%H}.csv"));
  pipelines.push_back(decode);

  // A missing file (retryable): retried, each attempt counted, then FAILED.
  auto missing = f.pipeline(1, "missing");
  missing->source =
      adapters::file::make_source(files(dir.path(), "gone/\xff\xfe-{window_start:%H}.csv"));
  missing->max_retries = 1;
  missing->backoff = {1s, 1s};
  pipelines.push_back(missing);

  // An HTTP error body.
  test::HttpTestServer server([](const test::HttpRequest&) {
    return test::HttpResponse::json("{\"error\": \"bad value \xff\xfe\0 here\"}"s, 400);
  });
  adapters::http::SourceOptions http;
  http.client.base_url = config::Secret::literal(server.base_url(), config::Secrecy::url);
  http.client.retry = {0, 50ms, 1s};
  http.client.timeout = 5s;
  http.path = *time::FieldTemplate::parse("/v1/events");
  http.records_pointer = "/items";
  http.columns = {{"id", "/id"}, {"event_time", "/time"}};
  auto api = f.pipeline(1, "api");
  auto api_source = adapters::http::make_source(std::move(http));
  REQUIRE(api_source);
  api->source = std::move(*api_source);
  pipelines.push_back(api);

  // An adapter's own error.
  auto adapter = f.pipeline(1, "adapter");
  adapter->source = std::make_shared<HostileSource>();
  pipelines.push_back(adapter);

  // Config-derived text: a required business field, a template rendering foreign bytes.
  auto config = f.pipeline(1, "config");
  config->business_fields.emplace("label", *time::FieldTemplate::parse("caf\xe9 {pipeline}"));
  config->check_fields = {"path", "r\xe9gion"};
  pipelines.push_back(config);

  const auto total = test::run_until_settled(f, pipelines, kNow, 20, kHolder);
  CHECK(total.store_errors == 0);
  CHECK(total.failed == 6);

  CHECK_THAT(error_of(f, "cast"),
             Catch::StartsWith("FAILED 0 permanent: ") && Catch::Contains("'caf\\xe9\\xff\\xfe'"));
  CHECK_THAT(error_of(f, "decode"),
             Catch::StartsWith("FAILED 0 permanent: ") && Catch::Contains("\\xfe\\xff-00.csv:"));
  CHECK_THAT(error_of(f, "missing"), Catch::StartsWith("FAILED 1 retryable: ") &&
                                         Catch::Contains("\\xff\\xfe-00.csv") &&
                                         Catch::EndsWith("(retries used up: 1)"));
  CHECK_THAT(error_of(f, "api"), Catch::StartsWith("FAILED 0 permanent: ") &&
                                     Catch::Contains("HTTP 400") &&
                                     Catch::Contains("bad value \\xff\\xfe\\x00 here"));
  const std::string adapter_error = error_of(f, "adapter");
  CHECK_THAT(adapter_error, Catch::StartsWith("FAILED 0 permanent: driver: row 7 holds "
                                              "'\\xff\\xfe\\x00'zzz") &&
                                Catch::EndsWith(" more bytes cut]"));
  CHECK(adapter_error.size() <= store::kMaxMessageBytes + 9);  // "FAILED 0 "
  CHECK(error_of(f, "config") ==
        "FAILED 0 permanent: required business fields missing: r\\xe9gion");
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE pipeline_id = 'config' AND "
                "business_fields->>'label' = 'caf\\xe9 config'") == 1);
  CHECK(f.count("SELECT count(*) FROM pipeline_records WHERE locked_by = 'host\\xff\\xfe:1'") == 6);
  CHECK(f.count("SELECT count(*) FROM pipeline_events WHERE host = 'host\\xff\\xfe:1' AND "
                "outcome = 'FAILED' AND strpos(message, '\\x') > 0") == 6);

  // The operator paths, with an operator name and arguments that are not UTF-8 either.
  auto c = f.db().connect();
  store::Operator op(*c, "ctl\xff");
  const store::AuditEntry audit{.actor = "op\xff\xfe",
                                .command = "rerun",
                                .pipeline = PipelineId{"cast"},
                                .arguments = {{"from", "\xff\xfe"}, {"note\xe9", "a\0b"s}},
                                .message = "because \xff"};
  REQUIRE(op.rerun({.pipeline = PipelineId{"cast"}}, Trigger::manual, audit) == 1);
  REQUIRE(op.set_paused(PipelineId{"cast"}, true, audit) == true);
  store::Records records(*c, "other\xfe:2");
  REQUIRE(op.rerun({.pipeline = PipelineId{"missing"}}, Trigger::manual, audit) == 1);
  auto claimed = records.claim(std::vector<store::ClaimLimit>{{PipelineId{"missing"}, 1, 1}});
  REQUIRE(claimed);
  REQUIRE(*claimed);
  REQUIRE(op.release({.pipeline = PipelineId{"missing"}}, audit) == 1);
  CHECK(error_of(f, "missing") == "PENDING 1 lock of other\\xfe:2 released by op\\xff\\xfe");
  CHECK(f.count("SELECT count(*) FROM audit_log WHERE actor = 'op\\xff\\xfe' AND message = "
                "'because \\xff' AND arguments->>'from' = '\\xff\\xfe' AND "
                "arguments->>'note\\xe9' = 'a\\x00b'") == 4);
  CHECK(f.count("SELECT count(*) FROM pipelines WHERE paused_by = 'op\\xff\\xfe'") == 1);

  // Backfill requests: a plan error, and windows the database refuses (a business_fields
  // value that is not an object breaks a CHECK constraint): both end FAILED with the message.
  store::Backfills backfills(*c, kHolder);
  const store::NewBackfillRequest request{PipelineId{"cast"}, test::kFixtureStart,
                                          test::kFixtureStart + 1h, store::Reprocess::missing,
                                          "op\xff\xfe"};
  REQUIRE(backfills.insert(request, audit));
  REQUIRE(backfills.insert(request, audit));
  const std::vector<std::string> ids{"cast"};
  const store::BackfillPlanner refusing{.check = [](const store::BackfillRequest&) -> Result<void> {
                                          return fail(Error::permanent("no window \xff\xfe here"));
                                        },
                                        .batch = {}};
  auto planned = backfills.take(ids, refusing);
  REQUIRE(planned);
  REQUIRE(*planned);
  CHECK((*planned)->request.status == "FAILED");
  const store::BackfillPlanner breaking{
      .check = [](const store::BackfillRequest&) -> Result<void> { return {}; },
      .batch = [](const store::BackfillRequest& r, Instant) -> Result<store::BackfillBatch> {
        store::NewRecord bad;
        bad.pipeline = r.pipeline;
        bad.window = Window{r.from, r.to};
        bad.target_day = date::year{2024} / 1 / 1;
        bad.time_interval = "1h";
        bad.business_fields = nlohmann::json::array({"\xff"});
        return store::BackfillBatch{.records = {bad}, .until = r.to};
      }};
  auto refused = backfills.take(ids, breaking);
  REQUIRE(refused);
  REQUIRE(*refused);
  CHECK((*refused)->request.status == "FAILED");
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE status = 'FAILED' AND "
                "requested_by = 'op\\xff\\xfe' AND claimed_by = 'host\\xff\\xfe:1'") == 2);
  CHECK(f.count("SELECT count(*) FROM backfill_requests WHERE message = 'no window "
                "\\xff\\xfe here' OR message LIKE '%pipeline_records_business_fields_check%'") ==
        2);

  for (const char* table :
       {"pipeline_records", "pipeline_events", "audit_log", "backfill_requests", "pipelines"}) {
    INFO(table);
    CHECK(unstorable_values(f, table) == 0);
  }
}
