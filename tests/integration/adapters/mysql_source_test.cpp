// The MySQL/MariaDB source against the real server of $SLUICE_TEST_MYSQL_URL (deploy/test.sh
// starts one), each test in a database of its own.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "framework/adapters/mysql/mysql.hpp"
#include "framework/config/load.hpp"
#include "framework/config/model.hpp"
#include "tests/support/files.hpp"
#include "tests/support/mysql_database.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::adapters;
namespace my = sluice::adapters::mysql;
using Row = std::vector<std::optional<std::string>>;

namespace {

const Instant kStart = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);
const Window kWindow{kStart, kStart + std::chrono::hours(1)};
WindowContext ctx(Window w = kWindow) {
  return {PipelineId{"my"}, w, RunId{"scheduled__test"}};
}

// Keeps what it is sent, decoded from COPY text the way PostgreSQL reads it.
class RecordingSink final : public RowSink {
 public:
  Result<void> begin(std::span<const Column> c) override {
    columns.assign(c.begin(), c.end());
    return {};
  }
  Result<void> row(std::span<const Field> fields) override {
    Row r;
    for (const auto& f : fields) r.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    rows.push_back(std::move(r));
    return {};
  }
  Result<void> copy_block(std::string_view block, std::int64_t n) override {
    ++blocks;
    if (fail_at_block && blocks == fail_at_block)
      return fail(Error::permanent("sink refused the block"));
    block_rows += n;
    return RowSink::copy_block(block, n);
  }
  Result<void> end() override {
    ended = true;
    return {};
  }
  std::vector<Column> columns;
  std::vector<Row> rows;
  int blocks = 0, fail_at_block = 0;
  std::int64_t block_rows = 0;
  bool ended = false;
};

void create_awkward_table(const test::MysqlDatabase& db) {
  db.exec(
      "CREATE TABLE src (id BIGINT PRIMARY KEY, event_time DATETIME(6) NOT NULL, note TEXT, "
      "amount DECIMAL(30,10), payload VARBINARY(16), day DATE, happened TIMESTAMP(6) NULL, flags "
      "BIT(4), "
      "KEY (event_time)) CHARACTER SET utf8mb4");
  db.exec(
      "INSERT INTO src VALUES "
      "(1, '2024-03-10 08:00:00', 'at the start: inside', 1.5, X'00FF0A09', '2024-03-10', "
      "'2024-03-10 08:00:00.25', b'1010'),"
      "(2, '2024-03-10 08:59:59.999999', 'last microsecond', NULL, NULL, NULL, NULL, NULL),"
      "(3, '2024-03-10 09:00:00', 'at the end: next window', 3, NULL, NULL, NULL, NULL),"
      "(4, '2024-03-10 07:59:59.999999', 'before', 4, NULL, NULL, NULL, NULL),"
      "(5, '2024-03-10 08:30:00', NULL, 12345678901234567890.0123456789, '', NULL, NULL, b'0001'),"
      "(6, '2024-03-10 08:30:00', " +
      test::mysql_literal("tab\there, new\nline, cr\r, back\\slash") +
      ", -0.0000000001, NULL, NULL, NULL, NULL),"
      "(7, '2024-03-10 08:31:00', " +
      test::mysql_literal("ünïcödé ✓ 😀 \"quoted\" 'single'") +
      ", 7, NULL, NULL, NULL, NULL),"
      "(8, '2024-03-10 08:32:00', '', 8, NULL, NULL, NULL, NULL),"
      "(9, '2024-03-10 08:33:00', " +
      test::mysql_literal("\\N is not null") + ", 9, NULL, NULL, NULL, NULL)");
}

my::SourceOptions table_source(const test::MysqlDatabase& db) {
  return {db.params(), std::nullopt, "src", "event_time"};
}

Row row(std::initializer_list<std::optional<std::string>> values) {
  return Row(values);
}

}  // namespace

TEST_CASE("a MariaDB window is read exactly: edges, NULLs, text, decimals, dates, binary",
          "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  create_awkward_table(db);
  auto source = my::make_source(table_source(db));

  auto counted = source->count(ctx());
  if (!counted) FAIL(counted.error().message);
  CHECK(*counted == 7);  // 1, 2, 5, 6, 7, 8, 9: not 3 (at the end) nor 4 (before)
  CHECK(*source->has_rows(ctx()));

  RecordingSink sink;
  auto rows = source->extract(ctx(), sink);
  if (!rows) FAIL(rows.error().message);
  CHECK(*rows == 7);
  CHECK(sink.ended);
  CHECK(sink.block_rows == 7);
  CHECK(sink.columns == std::vector<Column>{{"id"},
                                            {"event_time"},
                                            {"note"},
                                            {"amount"},
                                            {"payload"},
                                            {"day"},
                                            {"happened"},
                                            {"flags"}});
  std::sort(sink.rows.begin(), sink.rows.end(),
            [](const Row& a, const Row& b) { return std::stoi(*a[0]) < std::stoi(*b[0]); });
  const std::optional<std::string> null;
  const std::vector<Row> expected{
      row({"1", "2024-03-10 08:00:00.000000+00", "at the start: inside", "1.5000000000",
           "\\x00ff0a09", "2024-03-10", "2024-03-10 08:00:00.250000+00", "1010"}),
      row({"2", "2024-03-10 08:59:59.999999+00", "last microsecond", null, null, null, null, null}),
      row({"5", "2024-03-10 08:30:00.000000+00", null, "12345678901234567890.0123456789", "\\x",
           null, null, "0001"}),
      row({"6", "2024-03-10 08:30:00.000000+00", "tab\there, new\nline, cr\r, back\\slash",
           "-0.0000000001", null, null, null, null}),
      row({"7", "2024-03-10 08:31:00.000000+00", "ünïcödé ✓ 😀 \"quoted\" 'single'", "7.0000000000",
           null, null, null, null}),
      row({"8", "2024-03-10 08:32:00.000000+00", "", "8.0000000000", null, null, null, null}),
      row({"9", "2024-03-10 08:33:00.000000+00", "\\N is not null", "9.0000000000", null, null,
           null, null}),
  };
  CHECK(sink.rows == expected);
}

TEST_CASE("an empty MariaDB window counts 0, has no rows and extracts none",
          "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  create_awkward_table(db);
  auto source = my::make_source(table_source(db));
  const Window empty{kStart + std::chrono::hours(5), kStart + std::chrono::hours(6)};
  CHECK(*source->count(ctx(empty)) == 0);
  CHECK_FALSE(*source->has_rows(ctx(empty)));
  RecordingSink sink;
  CHECK(*source->extract(ctx(empty), sink) == 0);
  CHECK(sink.columns.size() == 8);
  CHECK(sink.blocks == 0);
  CHECK(sink.ended);
}

TEST_CASE("TIMESTAMP values are read in UTC whatever zone wrote them", "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  db.exec("CREATE TABLE t (ts TIMESTAMP NOT NULL)");
  auto conn = my::Connection::open(db.params());
  REQUIRE(conn);
  REQUIRE(conn->exec("SET time_zone = '+05:00'"));
  REQUIRE(conn->exec(
      "INSERT INTO t VALUES ('2024-03-10 13:15:00'), ('2024-03-10 14:00:00')"));  // 08:15Z, 09:00Z
  auto source = my::make_source({db.params(), std::nullopt, "t", "ts"});
  RecordingSink sink;
  CHECK(*source->extract(ctx(), sink) == 1);
  CHECK(sink.rows == std::vector<Row>{row({"2024-03-10 08:15:00+00"})});
}

TEST_CASE("a MariaDB query source binds the window, with placeholders or a time column",
          "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  create_awkward_table(db);
  SECTION("placeholders") {
    auto source = my::make_source(
        {db.params(),
         "SELECT id, UPPER(note) AS note FROM src WHERE event_time >= {window_start} "
         "AND event_time < {window_end} AND id <> 9",
         std::nullopt, ""});
    CHECK(*source->count(ctx()) == 6);
    RecordingSink sink;
    CHECK(*source->extract(ctx(), sink) == 6);
    CHECK(sink.columns == std::vector<Column>{{"id"}, {"note"}});
  }
  SECTION("a time column filters the query's rows") {
    auto source = my::make_source(
        {db.params(), "SELECT id, event_time FROM src WHERE id < 5", std::nullopt, "event_time"});
    CHECK(*source->count(ctx()) == 2);  // ids 1 and 2
  }
}

TEST_CASE("a large MariaDB window streams in blocks, and a sink error stops it",
          "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  db.exec("CREATE TABLE big (id INT PRIMARY KEY, event_time DATETIME NOT NULL, pad VARCHAR(200))");
  // 3 * 2^15 rows of about 150 bytes: several blocks of 1 MiB.
  db.exec(
      "INSERT INTO big SELECT seq, '2024-03-10 08:00:00' + INTERVAL (seq MOD 3600) SECOND, "
      "REPEAT('x', 120) "
      "FROM seq_1_to_98304");
  auto source = my::make_source({db.params(), std::nullopt, "big", "event_time"});
  SECTION("every row arrives, in more than one block") {
    RecordingSink sink;
    CHECK(*source->extract(ctx(), sink) == 98304);
    CHECK(sink.blocks > 5);
    CHECK(sink.rows.size() == 98304);
  }
  SECTION("the sink's error is the extract's, and the source still serves the next window") {
    RecordingSink sink;
    sink.fail_at_block = 2;
    auto r = source->extract(ctx(), sink);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "sink refused the block");
    CHECK_FALSE(sink.ended);
    CHECK(*source->count(ctx()) == 98304);
  }
}

TEST_CASE("MariaDB errors are classified and name no password", "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  create_awkward_table(db);
  auto expect = [](Source& source, ErrorKind kind, const std::string& says) {
    auto r = source.count(ctx());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == kind);
    CHECK_THAT(r.error().message, Catch::Contains(says));
    CHECK_THAT(r.error().message, !Catch::Contains("s3cret-pw"));
  };
  SECTION("unreachable server: retryable") {
    auto p = *my::parse_url("mysql://sluice:s3cret-pw@127.0.0.1:1/none");
    auto source = my::make_source({p, std::nullopt, "src", "event_time"});
    expect(*source, ErrorKind::retryable, "127.0.0.1:1/none: cannot connect");
  }
  SECTION("wrong password: permanent") {
    auto p = db.params();
    p.password = "s3cret-pw";
    auto source = my::make_source({p, std::nullopt, "src", "event_time"});
    expect(*source, ErrorKind::permanent, "Access denied for user 'sluice'");
  }
  SECTION("missing table: permanent, named") {
    auto source = my::make_source({db.params(), std::nullopt, "no_such_table", "event_time"});
    expect(*source, ErrorKind::permanent, "no_such_table' doesn't exist");
  }
  SECTION("unknown column: permanent, named") {
    auto source = my::make_source({db.params(), std::nullopt, "src", "no_such_column"});
    expect(*source, ErrorKind::permanent, "Unknown column 'no_such_column'");
  }
  SECTION("syntax error: permanent") {
    auto source =
        my::make_source({db.params(), "SELEKT {window_start}, {window_end}", std::nullopt, ""});
    expect(*source, ErrorKind::permanent, "SQL syntax");
  }
}

TEST_CASE("a MariaDB source replaces a connection the server ended between windows",
          "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  create_awkward_table(db);
  auto source = my::make_source(table_source(db));
  REQUIRE(*source->count(ctx()) == 7);
  // Kill every other session in the test's database: the pooled one among them. Sessions
  // that other calls closed may linger in the list a moment; killing them again is harmless.
  auto admin = my::Connection::open(db.params());
  REQUIRE(admin);
  const auto own = admin->query_int("SELECT CONNECTION_ID()");
  REQUIRE(own);
  const std::string others = "FROM information_schema.PROCESSLIST WHERE DB = '" + db.name() +
                             "' AND ID <> " + std::to_string(*own) + " AND COMMAND <> 'Killed'";
  int killed = 0;
  for (int i = 0; i < 20 && *admin->query_int("SELECT count(*) " + others) > 0; ++i) {
    auto id = admin->query_int("SELECT ID " + others + " LIMIT 1");
    REQUIRE(id);
    if (admin->exec("KILL " + std::to_string(*id))) ++killed;
  }
  CHECK(killed >= 1);
  auto after = source->count(ctx());
  if (!after) FAIL(after.error().message);
  CHECK(*after == 7);
}

TEST_CASE("the registry probes a MariaDB connection, secrets redacted", "[integration][mysql]") {
  SLUICE_REQUIRE_MYSQL();
  test::MysqlDatabase db;
  const auto p = db.params();
  test::TempDir dir;
  test::write_file(
      dir.path() / "sluice.yaml",
      "connections:\n  shop:\n    kind: mysql\n    url: ${env:MYSQL_URL}\n"
      "  wrong:\n    kind: mysql\n    host: " +
          p.host + "\n    port: " + std::to_string(p.port) +
          "\n    user: sluice\n    password: ${env:WRONG_PW}\n    connect_timeout: 5s\n");
  const auto env = config::Environment::fixed({{"MYSQL_URL", db.url()}, {"WRONG_PW", "s3cret-pw"}});
  auto loaded = config::load_daemon_config(dir.path() / "sluice.yaml", {&env, true});
  if (!loaded) {
    for (const auto& d : loaded.error()) UNSCOPED_INFO(config::to_string(d));
  }
  REQUIRE(loaded);
  REQUIRE(loaded->connections.size() == 2);
  const AdapterInfo* info = find_adapter("mysql");
  REQUIRE(info);
  REQUIRE(info->make_source);
  REQUIRE(info->probe);

  auto answer = info->probe(loaded->connections[0]);
  if (!answer) FAIL(answer.error().message);
  CHECK_THAT(*answer, Catch::StartsWith("MariaDB 10."));

  auto refused = info->probe(loaded->connections[1]);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::permanent);
  CHECK_THAT(refused.error().message, Catch::Contains("Access denied for user 'sluice'"));
  CHECK_THAT(refused.error().message, !Catch::Contains("s3cret-pw"));
}
