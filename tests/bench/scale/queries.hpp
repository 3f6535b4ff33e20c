#pragma once
// What the scale benchmark times on the database besides the claim: the operator views (the
// README's example queries of sql/queries/ and plain SELECTs an operator would type), one
// cron tick's record generation through the scheduler's own code, and the table's size.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "framework/store/database.hpp"
#include "framework/store/records.hpp"
#include "tasks/scheduling.hpp"
#include "tests/bench/support/measure.hpp"
#include "tests/bench/support/server.hpp"

namespace sluice::bench::scale {

struct Statement {
  std::string key;  // the figure's name
  std::string sql;
};

inline std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `pipeline`: one with a backlog, a retry waiting, failures and a long history.
inline std::vector<Statement> operator_statements(const std::string& pipeline) {
  const std::filesystem::path q = "sql/queries";
  const std::string one = "'" + pipeline + "'";
  return {
      {"sql_summary_all", "SELECT * FROM pipeline_summary"},
      {"sql_backlog", file_text(q / "backlog.sql")},
      {"sql_summary_one", "SELECT * FROM pipeline_summary WHERE pipeline_id = " + one},
      {"sql_failed_recently", file_text(q / "failed_recently.sql")},
      {"sql_failed_one", "SELECT * FROM failed_windows WHERE pipeline_id = " + one +
                             " ORDER BY window_start_time DESC"},
      {"sql_stuck", file_text(q / "stuck_windows.sql")},
      {"sql_stuck_all", "SELECT * FROM stuck_windows"},
      {"sql_latency", file_text(q / "latency.sql")},
      {"sql_latency_exact", file_text(q / "latency_exact.sql")},
      {"sql_latency_one", "SELECT * FROM window_latency WHERE pipeline_id = " + one +
                              " ORDER BY window_start_time DESC LIMIT 100"},
  };
}

struct Timed {
  double median_ms = 0;
  std::size_t rows = 0, runs = 0;
};

// How many runs a figure gets: `repeats`, fewer when they take longer than `budget_s` in all
// (a run of minutes at the largest scale says what a median would).
struct Runs {
  int repeats = 3;
  double budget_s = 60;
  bool more(int done, Clock::time_point first) const {
    return done < repeats && (done == 0 || seconds_since(first) < budget_s);
  }
};

// Each statement on a connection of its own (a psql session's), every row fetched.
inline Timed time_statement(const std::string& url, const std::string& sql, const Runs& runs) {
  auto c = connect(url);
  std::vector<double> ms;
  Timed t;
  const auto first = Clock::now();
  for (int i = 0; runs.more(i, first); ++i) {
    const auto t0 = Clock::now();
    pqxx::nontransaction tx(*c);
    const auto r = tx.exec(sql);
    ms.push_back(seconds_since(t0) * 1000);
    t.rows = r.size();
  }
  t.median_ms = median(ms);
  t.runs = ms.size();
  return t;
}

struct Generation {
  double median_s = 0;
  std::vector<double> runs;
  std::int64_t created = 0;
  std::size_t failed = 0;
};

// One cron tick at `now` for every pipeline, as sluiced's control thread makes it
// (tasks::generate_all with the daemon's batch and one second's budget per pipeline); the
// windows it made are deleted after each run, so every run makes the same ones.
inline Generation time_generation(const std::string& url, const tasks::Runtimes& runtimes,
                                  Instant now, std::size_t batch, const Runs& runs) {
  Generation g;
  const auto first = Clock::now();
  for (int i = 0; runs.more(i, first); ++i) {
    const auto before = scalar(url, "SELECT coalesce(max(id), 0) FROM pipeline_records");
    auto c = connect(url);
    store::Records records(*c, "scale-generator:1");
    const tasks::GenerateLimits limits{
        .batch = batch, .budget = std::chrono::seconds(1), .keep_going = {}};
    const auto t0 = Clock::now();
    const auto report = tasks::generate_all(records, runtimes, now, limits);
    g.runs.push_back(seconds_since(t0));
    g.created = report.created;
    g.failed = report.failed.size();
    sql(url, "DELETE FROM pipeline_records WHERE id > " + std::to_string(before));
  }
  g.median_s = median(g.runs);
  return g;
}

struct Sizes {
  std::int64_t records = 0, table = 0, indexes = 0, total = 0;
  std::vector<std::pair<std::string, std::int64_t>> per_index;
};

inline Sizes table_sizes(const std::string& url) {
  Sizes s;
  const auto r = sql(url,
                     "SELECT count(*), pg_relation_size('pipeline_records'), "
                     "pg_indexes_size('pipeline_records'), "
                     "pg_total_relation_size('pipeline_records') FROM pipeline_records")[0];
  s.records = r[0].as<std::int64_t>();
  s.table = r[1].as<std::int64_t>();
  s.indexes = r[2].as<std::int64_t>();
  s.total = r[3].as<std::int64_t>();
  for (const auto& row : sql(url,
                             "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) "
                             "FROM pg_index WHERE indrelid = 'pipeline_records'::regclass "
                             "ORDER BY 2 DESC"))
    s.per_index.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
  return s;
}

}  // namespace sluice::bench::scale
