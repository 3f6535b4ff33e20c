// `sluicectl deploy` and `undeploy` through the binary against a real PostgreSQL: the plan
// printed first, the table created from the pipeline's ddl, a column mismatch reported with
// nothing altered (exit 1), and undeploy pausing (in audit_log) and dropping after -y; no
// terminal and no -y refuses with nothing changed.
#include <catch2/catch.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;
using Catch::Matchers::Contains;

namespace {

// A SQL pipeline `facts` over the ctl tables, with the ddl of its table.
struct Env : test::CtlEnv {
  Env() {
    test::write_file(dir.path() / "pipelines.d" / "facts.yaml",
                     "id: facts\n"
                     "kind: sql\n"
                     "target:\n"
                     "  connection: db\n"
                     "  table: facts\n"
                     "  time_column: event_time\n"
                     "sql:\n"
                     "  insert: |\n"
                     "    INSERT INTO facts SELECT id, event_time, note FROM src\n"
                     "    WHERE event_time >= :window_start AND event_time < :window_end\n"
                     "ddl: |\n"
                     "  CREATE TABLE facts (\n"
                     "    id bigint PRIMARY KEY,\n"
                     "    event_time timestamptz NOT NULL,\n"
                     "    note text\n"
                     "  )\n"
                     "window:\n"
                     "  granularity: 1h\n"
                     "  start_date: 2024-01-01\n");
  }
  bool table_exists() const { return count("SELECT count(to_regclass('facts'))") == 1; }
};

}  // namespace

TEST_CASE("deploy creates a missing table from its ddl, after printing its plan",
          "[e2e][ctl][deploy]") {
  Env e;
  const auto dry = e.ctl({"deploy", "facts", "--dry-run"});
  INFO(dry.err);
  CHECK(dry.exit_code == 0);
  CHECK_THAT(dry.out, Contains("deploy plan (parents first), dry run:"));
  CHECK_THAT(dry.out, Contains("facts     db          facts  create (dry run)"));
  CHECK_FALSE(e.table_exists());

  const auto made = e.ctl({"deploy", "facts"});
  INFO(made.err);
  CHECK(made.exit_code == 0);
  CHECK_THAT(made.out, Contains("create: created"));
  CHECK(e.table_exists());
  CHECK(e.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'facts'") == 3);

  const auto again = e.ctl({"-o", "json", "deploy", "facts"});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("\"action\": \"exists, columns match\""));

  // A table that is not what the ddl says: reported, exit 1, nothing altered.
  test::run_sql(*e.c,
                "ALTER TABLE facts ALTER COLUMN id TYPE integer, DROP COLUMN note, ADD COLUMN "
                "extra int");
  const auto differs = e.ctl({"deploy", "facts"});
  CHECK(differs.exit_code == 1);
  CHECK_THAT(differs.out,
             Contains("exists, differs: column id: ddl bigint (bigint), table integer; missing "
                      "column note; extra column extra"));
  CHECK(e.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'facts' AND "
                "column_name IN ('id', 'event_time', 'extra')") == 3);
  CHECK(e.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'facts' AND "
                "data_type = 'integer' AND column_name = 'id'") == 1);
}

TEST_CASE("undeploy pauses and, confirmed, drops, and without a terminal or -y changes nothing",
          "[e2e][ctl][deploy]") {
  Env e;
  REQUIRE(e.ctl({"deploy", "facts"}).exit_code == 0);
  const auto before = test::database_fingerprint(*e.c);
  const auto refused = e.ctl({"undeploy", "facts", "--drop-tables"});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.out, Contains("facts     pause   db          drop facts"));
  CHECK_THAT(refused.err, Contains("refusing to drop 1 table(s) without -y"));
  CHECK(test::database_fingerprint(*e.c) == before);
  CHECK(e.table_exists());

  // Without --drop-tables: paused, the table kept.
  const auto paused = e.ctl({"undeploy", "facts"});
  INFO(paused.err);
  CHECK(paused.exit_code == 0);
  CHECK_THAT(paused.out, Contains("keep facts"));
  CHECK_THAT(paused.out, Contains("facts: paused"));
  CHECK(e.table_exists());
  CHECK(e.count("SELECT count(*) FROM pipelines WHERE pipeline_id = 'facts' AND paused") == 1);
  CHECK(e.count("SELECT count(*) FROM audit_log WHERE command = 'pause' AND pipeline_id = "
                "'facts' AND arguments->>'by' = 'undeploy facts'") == 1);

  const auto dropped = e.ctl({"-y", "undeploy", "facts", "--drop-tables"});
  INFO(dropped.err);
  CHECK(dropped.exit_code == 0);
  CHECK_THAT(dropped.out, Contains("facts: already paused"));
  CHECK_THAT(dropped.out, Contains("dropped facts"));
  CHECK_FALSE(e.table_exists());
}

TEST_CASE("undeploy keeps a table another pipeline still uses", "[e2e][ctl][deploy]") {
  test::CtlEnv e;
  // copy_events and history both load dst: undeploying one keeps it for the other.
  const auto r = e.ctl({"-y", "undeploy", "history", "--drop-tables"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("keep dst (pipeline copy_events uses it)"));
  CHECK(e.count("SELECT count(to_regclass('dst'))") == 1);
}

namespace {

// Three SQL pipelines in a chain, each with its table's ddl: raw_events (hourly, from the
// ctl's src) -> daily_events -> event_facts (both daily).
void write_dag(const test::CtlEnv& e) {
  const auto pipeline = [&](const std::string& id, const std::string& upstream,
                            const std::string& from, const std::string& granularity) {
    test::write_file(
        e.dir.path() / "pipelines.d" / (id + ".yaml"),
        "id: " + id + "\nkind: sql\n" +
            (upstream.empty() ? "" : "depends_on: [" + upstream + "]\n") +
            "target:\n  connection: db\n  table: " + id +
            "\n  time_column: event_time\nsql:\n  insert: INSERT INTO " + id +
            " SELECT id, event_time FROM " + from +
            " WHERE event_time >= :window_start AND event_time < :window_end\nddl: CREATE TABLE " +
            id + " (id bigint, event_time timestamptz NOT NULL)\nwindow:\n  granularity: " +
            granularity + "\n  start_date: 2024-01-01\n");
  };
  pipeline("raw_events", "", "src", "1h");
  pipeline("daily_events", "raw_events", "raw_events", "1d");
  pipeline("event_facts", "daily_events", "daily_events", "1d");
}

}  // namespace

TEST_CASE("deploy and undeploy --with-children follow the dependency order", "[e2e][ctl][deploy]") {
  test::CtlEnv e;
  write_dag(e);
  // The middle table exists already, with another column: reported, not altered.
  test::run_sql(*e.c, "CREATE TABLE daily_events (id bigint, at timestamptz)");
  const auto deployed = e.ctl({"deploy", "raw_events", "--with-children"});
  INFO(deployed.err);
  CHECK(deployed.exit_code == 1);
  const auto at = [&](const std::string& text) { return deployed.out.find(text); };
  CHECK(at("raw_events") < at("daily_events"));
  CHECK(at("daily_events") < at("event_facts"));
  CHECK_THAT(deployed.out, Contains("raw_events    db          raw_events    create: created"));
  CHECK_THAT(deployed.out,
             Contains("daily_events  db          daily_events  exists, differs: missing column "
                      "event_time; extra column at"));
  CHECK_THAT(deployed.out, Contains("event_facts   db          event_facts   create: created"));
  // Created parents first: the catalog numbers relations as they are made.
  CHECK(
      e.count("SELECT count(*) FROM (SELECT relname, row_number() OVER (ORDER BY oid) AS n FROM "
              "pg_class WHERE relname IN ('raw_events', 'event_facts') AND relkind = 'r') t "
              "WHERE (relname = 'raw_events' AND n = 1) OR (relname = 'event_facts' AND n = 2)") ==
      2);
  CHECK(e.count("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                "'daily_events' AND column_name = 'at'") == 1);

  const auto undeployed =
      e.ctl({"-y", "undeploy", "raw_events", "--with-children", "--drop-tables"});
  INFO(undeployed.err);
  CHECK(undeployed.exit_code == 0);
  const auto out = undeployed.out;
  CHECK(out.find("dropped event_facts") < out.find("dropped daily_events"));
  CHECK(out.find("dropped daily_events") < out.find("dropped raw_events"));
  CHECK(out.find("event_facts: paused") < out.find("raw_events: paused"));
  CHECK(e.count("SELECT count(*) FROM pipelines WHERE paused AND pipeline_id IN ('raw_events', "
                "'daily_events', 'event_facts')") == 3);
  // Paused children first, in audit_log as sluicectl pause records them.
  CHECK(e.count("SELECT count(*) FROM (SELECT pipeline_id, row_number() OVER (ORDER BY id) AS n "
                "FROM audit_log WHERE command = 'pause') t WHERE (pipeline_id = 'event_facts' AND "
                "n = 1) OR (pipeline_id = 'daily_events' AND n = 2) OR (pipeline_id = "
                "'raw_events' AND n = 3)") == 3);
  CHECK(e.count("SELECT count(*) FROM pg_class WHERE relname IN ('raw_events', 'daily_events', "
                "'event_facts') AND relkind = 'r'") == 0);
}
