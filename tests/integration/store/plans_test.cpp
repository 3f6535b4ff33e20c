// The plans of the statements that must stay cheap however long the history grows, on a
// database of 200,000 records: the product's own calls (the claim and the statements
// sluice_claim runs inside, the stale-lock cleanup, `records list` with each filter,
// `status`, which GET /api/v1/pipelines and the metrics refresh run too) and the operator
// views as operators query them, the README's sql/queries among them. PostgreSQL's auto_explain
// reports every statement's plan as it runs, nested ones included, and none may read
// pipeline_records by a sequential scan: a change that loses an index fails here, not on a
// production database a year from now.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "framework/store/catalog.hpp"
#include "framework/store/operator.hpp"
#include "framework/store/records.hpp"
#include "tests/support/test_database.hpp"

using namespace sluice;
using test::run_sql;

namespace {

constexpr int kPipelines = 200;
constexpr int kWindows = 1000;  // hourly, per pipeline: 200,000 records

std::string pipeline_id(int i) {
  return "p_" + std::to_string(1000 + i).substr(1);
}

// Most windows loaded, a backlog of PENDING (live and backfill), a few IN_PROGRESS (some of
// them stale), FAILED and SKIPPED ones; every pipeline registered; statistics up to date.
void seed(store::Connection& c) {
  run_sql(c,
          "INSERT INTO pipelines (pipeline_id, stale_threshold) SELECT 'p_' || lpad(p::text, "
          "3, '0'), interval '2 hours' FROM generate_series(0, " +
              std::to_string(kPipelines - 1) + ") p");
  run_sql(c, R"(
    INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, window_end_time,
                                  time_interval, pipeline_status, trigger, dag_run_id,
                                  pipeline_locked_at, heartbeat_at, pipeline_start_time,
                                  pipeline_end_time, error_message, record_last_updated_time)
    SELECT 'p_' || lpad(p::text, 3, '0'), date '2024-01-01' + n / 24,
           timestamptz '2024-01-01' + n * interval '1 hour',
           timestamptz '2024-01-01' + (n + 1) * interval '1 hour', '1h', s.status,
           CASE WHEN n % 7 = 0 AND s.status = 'PENDING' THEN 'backfill'
                WHEN n < 100 AND p % 10 = 5 THEN 'backfill'
                WHEN n % 101 = 50 THEN 'manual' ELSE 'scheduled' END,
           CASE WHEN s.status <> 'PENDING' THEN 'scheduled__x' END,
           CASE WHEN s.status = 'IN_PROGRESS' THEN now() - (n % 5) * interval '1 hour' END,
           CASE WHEN s.status = 'IN_PROGRESS' THEN now() - (n % 5) * interval '1 hour' END,
           CASE WHEN s.status <> 'PENDING' THEN timestamptz '2024-01-01' + (n + 1) * interval '1 hour' END,
           CASE WHEN s.status IN ('SUCCESS', 'SKIPPED', 'FAILED')
                THEN timestamptz '2024-01-01' + (n + 1) * interval '1 hour' + interval '5 minutes' END,
           CASE WHEN s.status = 'FAILED' THEN 'integrity: audit failed' END,
           CASE WHEN s.status IN ('SUCCESS', 'SKIPPED', 'FAILED')
                THEN timestamptz '2024-01-01' + (n + 1) * interval '1 hour' + interval '5 minutes'
                ELSE now() END
      FROM generate_series(0, 199) p, generate_series(0, 999) n,
           LATERAL (SELECT CASE WHEN n >= 990 AND p % 10 = 0 THEN 'IN_PROGRESS'
                                WHEN n >= 970 THEN 'PENDING'
                                WHEN n % 97 = 5 THEN 'FAILED'
                                WHEN n % 13 = 3 THEN 'SKIPPED'
                                ELSE 'SUCCESS' END AS status) s;
    ANALYZE;
  )");
}

// The plans auto_explain sends as notices, in JSON.
struct Plans : pqxx::errorhandler {
  explicit Plans(store::Connection& c) : pqxx::errorhandler(c) {}
  bool operator()(const char message[]) noexcept override {
    const std::string text(message);
    const auto at = text.find('{');
    if (text.find("plan:") != std::string::npos && at != std::string::npos)
      plans.push_back(nlohmann::json::parse(text.substr(at), nullptr, false));
    return false;
  }
  std::vector<nlohmann::json> plans;
};

void explain_every_statement(store::Connection& c) {
  run_sql(c,
          "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; "
          "SET auto_explain.log_nested_statements = on; SET auto_explain.log_format = 'json'; "
          "SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'");
}

// The sequential scans of `relation` in a plan.
void scans_of(const nlohmann::json& node, std::vector<std::string>& out,
              const std::string& relation = "pipeline_records") {
  if (!node.is_object()) return;
  if (node.value("Node Type", "") == "Seq Scan" && node.value("Relation Name", "") == relation)
    out.push_back("Seq Scan on " + relation);
  if (node.contains("Plans"))
    for (const auto& child : node["Plans"]) scans_of(child, out, relation);
}

void indexes_of(const nlohmann::json& node, std::vector<std::string>& out) {
  if (!node.is_object()) return;
  if (node.contains("Index Name")) out.push_back(node.value("Index Name", ""));
  if (node.contains("Plans"))
    for (const auto& child : node["Plans"]) indexes_of(child, out);
}

// The indexes the plans of the last action read.
std::vector<std::string> indexes_read(const Plans& plans) {
  std::vector<std::string> out;
  for (const auto& p : plans.plans)
    if (!p.is_discarded()) indexes_of(p.value("Plan", nlohmann::json()), out);
  return out;
}

// One of the README's example queries, as an operator runs it with psql.
std::string shipped_query(const std::string& name) {
  std::ifstream in(std::filesystem::path(SLUICE_SOURCE_DIR) / "sql" / "queries" / name);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The statements `action` ran that read pipeline_records by a sequential scan, with their
// text; how many statements it ran goes to `statements`.
std::vector<std::string> sequential_scans(Plans& plans, const std::function<void()>& action,
                                          std::size_t& statements) {
  plans.plans.clear();
  action();
  statements = plans.plans.size();
  std::vector<std::string> out;
  for (const auto& p : plans.plans) {
    if (p.is_discarded()) {
      out.push_back("(a plan that is not JSON)");
      continue;
    }
    std::vector<std::string> scans;
    scans_of(p.value("Plan", nlohmann::json()), scans);
    if (!scans.empty()) out.push_back(p.value("Query Text", "") + "\n" + p.dump(1));
  }
  return out;
}

}  // namespace

TEST_CASE("no hot statement reads pipeline_records by a sequential scan, at 200,000 records",
          "[store][plans]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  seed(*c);
  REQUIRE(run_sql(*c, "SELECT count(*) FROM pipeline_records")[0][0].as<long>() ==
          kPipelines * kWindows);
  explain_every_statement(*c);
  Plans plans(*c);

  std::vector<store::ClaimLimit> limits;
  std::vector<store::StaleLimit> stale;
  std::vector<std::string> ids;
  for (int i = 0; i < kPipelines; ++i) {
    limits.push_back({.pipeline = PipelineId{pipeline_id(i)}, .live = 2, .backfill = 1});
    stale.push_back({.pipeline = PipelineId{pipeline_id(i)}});
    ids.push_back(pipeline_id(i));
  }
  store::Records records(*c, "plans-test:1");
  store::Operator op(*c, "plans-test");
  const auto from = Instant{} + std::chrono::hours(24 * 19723);  // 2024-01-01
  const auto day = std::chrono::hours(24);

  struct Case {
    std::string name;
    std::function<void()> run;
    std::string index{};  // one the plans must read, when it is the only cheap way
  };
  const auto list = [&](store::RecordSelection s) { return [&op, s] { REQUIRE(op.list(s, 50)); }; };
  const auto view = [&](const std::string& sql) { return [&c, sql] { run_sql(*c, sql); }; };
  std::vector<Case> cases{
      {"the claim", [&] { REQUIRE(records.claim(limits)); }},
      {"the stale-lock cleanup",
       [&] { REQUIRE(records.expire_stale_locks(stale, store::StaleLimit{})); }},
      {"records list", list({})},
      {"records list --pipeline", list({.pipeline = PipelineId{"p_042"}})},
      {"records list --status FAILED", list({.statuses = {store::Status::failed}})},
      {"records list --status PENDING --pipeline",
       list({.pipeline = PipelineId{"p_007"}, .statuses = {store::Status::pending}})},
      {"records list --from --to", list({.from = from + 30 * day, .to = from + 31 * day})},
      {"records list --trigger backfill", list({.trigger = Trigger::backfill}),
       "pipeline_records_trigger_idx"},
      {"records list --trigger manual, newest first",
       list({.trigger = Trigger::manual, .newest_first = true}), "pipeline_records_trigger_idx"},
      {"records list --tag", list({.pipelines = std::vector<std::string>{"p_001", "p_002"}})},
      {"records list, newest first", list({.newest_first = true})},
      {"status", [&] { REQUIRE(op.counts(ids, ids)); }},
      {"status of a few pipelines",
       [&] {
         const std::vector<std::string> few{"p_001", "p_042", "p_199"};
         REQUIRE(op.counts(few, few));
       }},
      {"pipeline_summary", view("SELECT * FROM pipeline_summary")},
      {"pipeline_summary of a pipeline",
       view("SELECT * FROM pipeline_summary WHERE pipeline_id = 'p_042'"),
       "pipeline_records_claim_kind_idx"},
      {"sql/queries/backlog.sql", view(shipped_query("backlog.sql"))},
      {"sql/queries/failed_recently.sql", view(shipped_query("failed_recently.sql")),
       "pipeline_records_failed_at_idx"},
      {"failed_windows", view("SELECT * FROM failed_windows ORDER BY failed_at DESC LIMIT 50")},
      {"stuck_windows", view("SELECT * FROM stuck_windows")},
      {"window_latency of a pipeline",
       view("SELECT * FROM window_latency WHERE pipeline_id = 'p_009' ORDER BY "
            "window_start_time DESC LIMIT 50")},
      {"sql/queries/latency.sql", view(shipped_query("latency.sql"))},
      // Windows of this week finished, folded, one of them rerun: the fold and the readers
      // read the largest latency of that day from its windows (0022).
      {"sql/queries/latency.sql, a window left a day",
       view("INSERT INTO pipeline_records (pipeline_id, target_day, window_start_time, "
            "window_end_time, time_interval, pipeline_status, pipeline_start_time, "
            "pipeline_end_time) SELECT 'p_001', current_date, e - interval '1 hour', e, '1h', "
            "'SUCCESS', e, e + n * interval '1 minute' FROM generate_series(1, 30) n, "
            "LATERAL (SELECT date_trunc('hour', now()) - n * interval '1 hour' AS e) w; "
            "SELECT sluice_fold_latency(); "
            "UPDATE pipeline_records SET pipeline_status = 'PENDING', pipeline_end_time = NULL "
            "WHERE pipeline_id = 'p_001' AND window_start_time = date_trunc('hour', now()) - "
            "interval '2 hours'; " +
            shipped_query("latency.sql") + "; SELECT sluice_fold_latency()"),
       "pipeline_records_window_unique"},
      // A newest scheduled window deleted: the fold reads that pipeline's newest one (0019).
      {"the fold of the counts, after a delete",
       view("DELETE FROM pipeline_records WHERE id = (SELECT max(id) FROM pipeline_records); "
            "SELECT sluice_fold_counts()"),
       "pipeline_records_window_unique"},
  };
  for (const auto& q : cases) {
    INFO(q.name);
    std::size_t statements = 0;
    const auto scans = sequential_scans(plans, q.run, statements);
    CHECK(statements > 0);  // auto_explain saw it: the check below means something
    for (const auto& s : scans) {
      INFO(s);
      CHECK(s.empty());
    }
    CHECK(scans.empty());
    if (!q.index.empty()) {
      const auto read = indexes_read(plans);
      INFO("indexes read: " << nlohmann::json(read).dump());
      CHECK(std::find(read.begin(), read.end(), q.index) != read.end());
    }
  }
}

TEST_CASE("the catalog's reads find its rows by their indexes beside 20,000 file versions",
          "[store][plans][catalog]") {
  test::TestDatabase db;
  db.migrate();
  auto c = db.connect();
  // The versions of file pipelines the daemons record, and a catalog of three pipelines.
  run_sql(*c, R"(
    INSERT INTO pipeline_definitions (pipeline_id, version, origin, file, yaml, checksum, created_by)
    SELECT 'file_' || p, v, 'file', '/etc/sluice/pipelines.d/file_' || p || '.yaml', 'id: x',
           repeat('0', 64), 'plans-test'
      FROM generate_series(1, 10000) p, generate_series(1, 2) v;
    INSERT INTO pipeline_definitions (pipeline_id, version, origin, yaml, checksum, created_by)
    SELECT 'catalog_' || p, v, 'catalog', 'id: x', repeat('0', 64), 'plans-test'
      FROM generate_series(1, 3) p, generate_series(1, 2) v;
    ANALYZE pipeline_definitions;
  )");
  explain_every_statement(*c);
  Plans plans(*c);
  store::Catalog catalog(*c);
  const std::vector<std::pair<std::string, std::function<void()>>> reads = {
      {"current",
       [&] {
         const auto current = catalog.current();
         REQUIRE(current);
         CHECK(current->size() == 3);
       }},
      {"last_change",
       [&] {
         const auto seq = catalog.last_change();
         REQUIRE(seq);
         CHECK(*seq == 20006);
       }},
  };
  for (const auto& [name, read] : reads) {
    INFO(name);
    plans.plans.clear();
    read();
    REQUIRE_FALSE(plans.plans.empty());
    // Either of 0023's partial indexes holds the catalog's rows alone; the plan may pick
    // either, never a scan of every file version.
    std::vector<std::string> scans;
    for (const auto& p : plans.plans)
      scans_of(p.value("Plan", nlohmann::json()), scans, "pipeline_definitions");
    CHECK(scans.empty());
    const auto used = indexes_read(plans);
    INFO("indexes read: " << nlohmann::json(used).dump());
    CHECK(std::any_of(used.begin(), used.end(), [](const std::string& index) {
      return index.starts_with("pipeline_definitions_catalog_");
    }));
  }
}
