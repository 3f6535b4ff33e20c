// PostgreSQL source -> local stage -> PostgreSQL target against the real server of
// $SLUICE_TEST_DATABASE_URL, each test in a schema of its own.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include <date/date.h>

#include "framework/adapters/postgres/libpq.hpp"
#include "framework/adapters/postgres/postgres.hpp"
#include "framework/adapters/stage_local/local_stage.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
using namespace sluice::adapters;
namespace pg = sluice::adapters::postgres;

namespace {

std::string test_url() {
  const char* url = std::getenv("SLUICE_TEST_DATABASE_URL");
  if (!url || !*url)
    FAIL("SLUICE_TEST_DATABASE_URL is not set: run the tests through deploy/test.sh");
  return url;
}

// A schema with a source table `src` and a target table `dst`, dropped at the end.
class Scratch {
 public:
  Scratch() : url_(test_url()), schema_("adapter_" + std::to_string(std::random_device{}())) {
    exec("CREATE SCHEMA " + schema_);
    for (const char* t : {"src", "dst"})
      exec("CREATE TABLE " + schema_ + "." + t +
           " (id bigint, event_time timestamptz NOT NULL, note text, amount numeric(12,2))");
  }
  ~Scratch() { exec("DROP SCHEMA " + schema_ + " CASCADE"); }

  void exec(const std::string& sql) {
    auto conn = pg::Connection::open(url_, "sluice-test");
    REQUIRE(conn);
    auto r = conn->exec(sql);
    if (!r) FAIL(r.error().message);
  }
  std::int64_t count(const std::string& sql) {
    auto conn = pg::Connection::open(url_, "sluice-test");
    REQUIRE(conn);
    auto r = conn->exec_count(sql, {});
    REQUIRE(r);
    return *r;
  }
  const std::string& url() const { return url_; }
  std::string table(const char* t) const { return schema_ + "." + t; }

 private:
  std::string url_;
  std::string schema_;
};

const Instant kStart = date::sys_days{date::year{2024} / 3 / 10} + std::chrono::hours(8);
const Window kWindow{kStart, kStart + std::chrono::hours(1)};

WindowContext ctx(const char* run = "scheduled__test") {
  return {PipelineId{"pg"}, kWindow, RunId{run}};
}

void seed_awkward_rows(Scratch& s) {
  const std::string src = s.table("src");
  s.exec("INSERT INTO " + src +
         " VALUES "
         "(1, '2024-03-10 08:00:00+00', 'at the start: inside', 1.50),"
         "(2, '2024-03-10 08:59:59.999999+00', 'last microsecond', NULL),"
         "(3, '2024-03-10 09:00:00+00', 'at the end: next window', 3),"
         "(4, '2024-03-10 07:59:59+00', 'before', 4),"
         "(5, '2024-03-10 08:30:00+00', NULL, 5),"
         "(6, '2024-03-10 08:30:00+00', E'tab\\there, new\\nline, back\\\\slash', 6),"
         "(7, '2024-03-10 08:31:00+00', 'ünïcödé ✓ \"quoted\" ''single''', 7),"
         "(8, '2024-03-10 08:32:00+00', '', 8),"
         "(9, '2024-03-10 08:33:00+00', E'\\\\N is not null', 9)");
}

pg::SourceOptions table_source(const Scratch& s) {
  return {s.url(), std::nullopt, s.table("src"), "event_time"};
}
pg::TargetOptions target(const Scratch& s) {
  return {s.url(), s.table("dst"), "event_time"};
}

std::int64_t stage_window(Source& source, Stage& stage, const WindowContext& c) {
  auto writer = stage.open_writer(c);
  REQUIRE(writer);
  auto rows = source.extract(c, **writer);
  if (!rows) FAIL(rows.error().message);
  REQUIRE((*writer)->commit());
  return *rows;
}

std::int64_t load_window(Target& t, Stage& stage, const WindowContext& c) {
  auto reader = stage.open_reader(c);
  REQUIRE(reader);
  auto loaded = t.load(c, **reader);
  if (!loaded) FAIL(loaded.error().message);
  return loaded->rows;
}

// Rows of the window that differ between src and dst, both ways.
std::int64_t differences(Scratch& s) {
  const std::string w =
      " WHERE event_time >= '2024-03-10 08:00:00+00' AND event_time < '2024-03-10 09:00:00+00'";
  return s.count("SELECT count(*) FROM ((SELECT * FROM " + s.table("src") + w +
                 " EXCEPT ALL SELECT * FROM " + s.table("dst") + w + ") UNION ALL (SELECT * FROM " +
                 s.table("dst") + w + " EXCEPT ALL SELECT * FROM " + s.table("src") + w + ")) d");
}

}  // namespace

TEST_CASE(
    "a window moves PostgreSQL -> stage -> PostgreSQL exactly, edges and awkward values included",
    "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  test::TempDir dir;
  LocalStage stage(dir.path());
  auto source = pg::make_source(table_source(s));
  auto sink = pg::make_target(target(s));

  auto counted = source->count(ctx());
  REQUIRE(counted);
  CHECK(*counted == 7);  // ids 1, 2, 5, 6, 7, 8, 9
  CHECK(stage_window(*source, stage, ctx()) == 7);
  CHECK(load_window(*sink, stage, ctx()) == 7);
  CHECK(*sink->count(ctx()) == 7);
  CHECK(differences(s) == 0);
  CHECK(s.count("SELECT count(*) FROM " + s.table("dst") + " WHERE note IS NULL") == 1);

  SECTION("loading the same window again leaves the target unchanged") {
    CHECK(load_window(*sink, stage, ctx()) == 7);
    CHECK(s.count("SELECT count(*) FROM " + s.table("dst")) == 7);
    CHECK(differences(s) == 0);
  }
}

TEST_CASE("a load replaces exactly the window's rows and nothing outside it",
          "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  s.exec("INSERT INTO " + s.table("dst") +
         " VALUES (100, '2024-03-10 08:10:00+00', 'stale row in window', 0),"
         "(101, '2024-03-10 09:00:00+00', 'next window, keep', 0), (102, '2024-03-10 07:00:00+00', "
         "'keep', 0)");
  test::TempDir dir;
  LocalStage stage(dir.path());
  auto source = pg::make_source(table_source(s));
  auto sink = pg::make_target(target(s));
  stage_window(*source, stage, ctx());
  load_window(*sink, stage, ctx());
  CHECK(differences(s) == 0);
  CHECK(s.count("SELECT count(*) FROM " + s.table("dst") + " WHERE id IN (101, 102)") == 2);
  CHECK(s.count("SELECT count(*) FROM " + s.table("dst") + " WHERE id = 100") == 0);
}

TEST_CASE("a stage that fails verification during the load leaves the target as it was",
          "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  s.exec("INSERT INTO " + s.table("dst") +
         " VALUES (100, '2024-03-10 08:10:00+00', 'previous load', 0)");
  test::TempDir dir;
  LocalStage stage(dir.path());
  auto source = pg::make_source(table_source(s));
  auto sink = pg::make_target(target(s));
  stage_window(*source, stage, ctx());
  const auto manifest = **stage.find(ctx());
  {
    std::fstream f(stage.window_dir(ctx()) / manifest.data_file, std::ios::in | std::ios::out);
    f.seekp(0);
    f.put('9');  // same size, different bytes: only the checksum can tell
  }
  auto reader = stage.open_reader(ctx());
  REQUIRE(reader);
  auto loaded = sink->load(ctx(), **reader);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().kind == ErrorKind::permanent);
  CHECK(s.count("SELECT count(*) FROM " + s.table("dst")) == 1);
  CHECK(s.count("SELECT count(*) FROM " + s.table("dst") + " WHERE id = 100") == 1);
}

TEST_CASE("a query source binds the window in count and extract alike", "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  pg::SourceOptions o{
      s.url(),
      "SELECT id, event_time, upper(note) AS note, amount FROM " + s.table("src") +
          " WHERE event_time >= {window_start} AND event_time < {window_end} AND id <> 9",
      std::nullopt, ""};
  auto source = pg::make_source(o);
  CHECK(*source->count(ctx()) == 6);
  test::TempDir dir;
  LocalStage stage(dir.path());
  CHECK(stage_window(*source, stage, ctx()) == 6);
  CHECK((*stage.find(ctx()))->columns ==
        std::vector<Column>{{"id"}, {"event_time"}, {"note"}, {"amount"}});
}

TEST_CASE("a query source may use one window bound only (the bounds are typed parameters)",
          "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  const auto all = s.count("SELECT count(*) FROM " + s.table("src") +
                           " WHERE event_time >= '2024-03-10 08:00:00+00'");
  auto source = pg::make_source(
      {s.url(), "SELECT * FROM " + s.table("src") + " WHERE event_time >= {window_start}",
       std::nullopt, ""});
  auto n = source->count(ctx());
  if (!n) FAIL(n.error().message);
  CHECK(*n == all);
  CHECK(*source->has_rows(ctx()));
}

TEST_CASE("PostgreSQL errors are classified at the adapter edge", "[integration][postgres]") {
  Scratch s;
  SECTION("a missing table is permanent") {
    auto source = pg::make_source({s.url(), std::nullopt, s.table("nope"), "event_time"});
    auto r = source->count(ctx());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::permanent);
    CHECK(r.error().message.find("does not exist") != std::string::npos);
  }
  SECTION("a server that does not answer is retryable and the message names no password") {
    auto source =
        pg::make_source({"postgresql://sluice:s3cret-pw@127.0.0.1:1/none", std::nullopt, "t", "c"});
    auto r = source->count(ctx());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::retryable);
    CHECK(r.error().message.find("s3cret-pw") == std::string::npos);
  }
}

TEST_CASE("an adapter keeps its connection between windows and replaces one the server ended",
          "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  // The source's query notes which server process ran it.
  s.exec("CREATE TABLE " + s.table("pids") + " (pid int)");
  s.exec("CREATE FUNCTION " + s.table("note_pid") +
         "() RETURNS boolean LANGUAGE sql VOLATILE AS "
         "'INSERT INTO " +
         s.table("pids") + " VALUES (pg_backend_pid()) RETURNING true'");
  auto source = pg::make_source({s.url(),
                                 "SELECT * FROM " + s.table("src") +
                                     " WHERE event_time >= {window_start} AND "
                                     "event_time < {window_end} AND id = 1 AND " +
                                     s.table("note_pid") + "()",
                                 std::nullopt, ""});
  const std::string distinct = "SELECT count(DISTINCT pid) FROM " + s.table("pids");
  REQUIRE(*source->count(ctx()) == 1);
  REQUIRE(*source->count(ctx()) == 1);
  CHECK(s.count(distinct) == 1);

  s.exec("SELECT pg_terminate_backend(pid, 10000) FROM (SELECT DISTINCT pid FROM " +
         s.table("pids") + ") p");
  auto after = source->count(ctx());
  if (!after) FAIL(after.error().message);
  CHECK(*after == 1);
  CHECK(s.count(distinct) == 2);
}

TEST_CASE("a failed load does not hand its aborted transaction to the next window",
          "[integration][postgres]") {
  Scratch s;
  s.exec("ALTER TABLE " + s.table("dst") + " ADD CHECK (id <> 6)");
  auto sink = pg::make_target(target(s));
  auto load =
      sink->start_load(ctx(), std::vector<Column>{{"id"}, {"event_time"}, {"note"}, {"amount"}});
  REQUIRE(load);
  REQUIRE(
      (*load)->put("5\t2024-03-10 08:10:00+00\tfine\t1\n6\t2024-03-10 08:20:00+00\trefused\t2\n"));
  auto committed = (*load)->commit();
  REQUIRE_FALSE(committed);
  CHECK(committed.error().kind == ErrorKind::integrity);
  CHECK(committed.error().message.find("check constraint") != std::string::npos);
  load->reset();
  auto counted = sink->count(ctx());  // on the pooled connection, if one was kept
  if (!counted) FAIL(counted.error().message);
  CHECK(*counted == 0);
}

TEST_CASE("a streamed load shows nothing before commit and nothing when abandoned",
          "[integration][postgres]") {
  Scratch s;
  s.exec("INSERT INTO " + s.table("dst") +
         " VALUES (100, '2024-03-10 08:10:00+00', 'previous load', 0)");
  auto sink = pg::make_target(target(s));
  const std::vector<Column> columns{{"id"}, {"event_time"}, {"note"}, {"amount"}};
  const std::string rows =
      "1\t2024-03-10 08:00:00+00\tfirst\t1.00\n2\t2024-03-10 08:20:00+00\t\\N\t2.00\n";
  const std::string dst = "SELECT count(*) FROM " + s.table("dst");
  {
    auto load = sink->start_load(ctx(), columns);
    REQUIRE(load);
    REQUIRE(*load);
    REQUIRE((*load)->put(rows));
    CHECK(s.count(dst + " WHERE id = 100") == 1);  // not replaced yet
  }                                                // abandoned
  CHECK(s.count(dst) == 1);
  CHECK(s.count(dst + " WHERE id = 100") == 1);

  auto load = sink->start_load(ctx(), columns);
  REQUIRE(load);
  REQUIRE((*load)->put(rows));
  REQUIRE((*load)->commit());
  CHECK(s.count(dst) == 2);
  CHECK(s.count(dst + " WHERE id = 100") == 0);
  CHECK(s.count(dst + " WHERE id = 2 AND note IS NULL") == 1);
}

TEST_CASE("a connection pool keeps at most max_idle connections, none older than max_idle_time",
          "[integration][postgres]") {
  const std::string url = test_url();
  auto pid = [](pg::ConnectionPool::Lease& c) {
    return *c->exec_count("SELECT pg_backend_pid()", {});
  };
  SECTION("max_idle") {
    pg::ConnectionPool pool(url, "sluice-test", 1, std::chrono::seconds(60));
    std::int64_t first = 0, second = 0;
    {
      auto a = pool.acquire();
      auto b = pool.acquire();
      REQUIRE(a);
      REQUIRE(b);
      first = pid(*a);
      second = pid(*b);
      CHECK(first != second);
    }  // both given back; one is kept
    auto c = pool.acquire();
    auto d = pool.acquire();
    REQUIRE(c);
    REQUIRE(d);
    const std::int64_t kept = pid(*c);
    CHECK((kept == first || kept == second));
    CHECK(pid(*d) != first);
    CHECK(pid(*d) != second);
  }
  SECTION("max_idle_time") {
    pg::ConnectionPool pool(url, "sluice-test", 8, std::chrono::seconds(0));
    std::int64_t first = 0;
    {
      auto a = pool.acquire();
      REQUIRE(a);
      first = pid(*a);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto b = pool.acquire();
    REQUIRE(b);
    CHECK(pid(*b) != first);
  }
}

TEST_CASE("several windows are counted in one statement, each as count and has_rows count it alone",
          "[integration][postgres]") {
  Scratch s;
  seed_awkward_rows(s);
  s.exec("INSERT INTO " + s.table("dst") + " SELECT * FROM " + s.table("src") + " WHERE id = 3");
  // 07:00 (id 4), 08:00 (seven rows), 09:00 (id 3, also in the target), 10:00 (none).
  std::vector<Window> windows;
  for (int h = -1; h < 3; ++h)
    windows.push_back({kStart + std::chrono::hours(h), kStart + std::chrono::hours(h + 1)});
  auto source = pg::make_source(table_source(s));
  auto sink = pg::make_target(target(s));
  CHECK(source->answers_windows_together());
  CHECK(sink->answers_windows_together());
  const auto any = source->has_rows_each(ctx(), windows);
  if (!any) FAIL(any.error().message);
  CHECK(*any == std::vector<bool>{true, true, true, false});
  const auto counts = sink->count_each(ctx(), windows);
  if (!counts) FAIL(counts.error().message);
  CHECK(*counts == std::vector<std::int64_t>{0, 0, 1, 0});
  for (std::size_t i = 0; i < windows.size(); ++i) {
    WindowContext one = ctx();
    one.window = windows[i];
    CHECK(*source->has_rows(one) == (*any)[i]);
    CHECK(*sink->count(one) == (*counts)[i]);
  }
  CHECK(sink->count_each(ctx(), {})->empty());

  SECTION("a query source answers one window at a time, alike") {
    auto query = pg::make_source({s.url(),
                                  "SELECT * FROM " + s.table("src") +
                                      " WHERE event_time >= {window_start} AND "
                                      "event_time < {window_end}",
                                  std::nullopt, ""});
    CHECK_FALSE(query->answers_windows_together());
    const auto alike = query->has_rows_each(ctx(), windows);
    REQUIRE(alike);
    CHECK(*alike == *any);
  }
  SECTION("hostile table and column names are quoted") {
    s.exec("CREATE TABLE " + s.table("\"we\"\"ird; drop\"") + " (\"t \"\"c\" timestamptz)");
    s.exec("INSERT INTO " + s.table("\"we\"\"ird; drop\"") + " VALUES ('2024-03-10 09:30+00')");
    const std::string table = s.table("we\"ird; drop");
    auto odd_source = pg::make_source({s.url(), std::nullopt, table, "t \"c"});
    auto odd_target = pg::make_target({s.url(), table, "t \"c"});
    const auto odd_any = odd_source->has_rows_each(ctx(), windows);
    if (!odd_any) FAIL(odd_any.error().message);
    CHECK(*odd_any == std::vector<bool>{false, false, true, false});
    const auto odd_counts = odd_target->count_each(ctx(), windows);
    if (!odd_counts) FAIL(odd_counts.error().message);
    CHECK(*odd_counts == std::vector<std::int64_t>{0, 0, 1, 0});
  }
  SECTION("a missing table fails the call, classified") {
    auto missing = pg::make_target({s.url(), s.table("nope"), "event_time"});
    const auto r = missing->count_each(ctx(), windows);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::permanent);
  }
}
