#pragma once
// The PostgreSQL server the benchmarks run on: throw-away migrated databases, one-off
// statements, and the server's own counters (pg_stat_statements, pg_stat_database).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "framework/store/database.hpp"
#include "framework/store/migrations.hpp"
#include "tests/bench/support/measure.hpp"

namespace sluice::bench {

// The server the benchmarks use (f3_bench.sh starts a private one), or nothing: then the
// benchmark says so and exits 0, so tests/bench/run.sh still runs the others.
inline std::string server_url_or_skip(const char* bench) {
  const std::string url = env_or("SLUICE_BENCH_DATABASE_URL", "");
  if (url.empty()) {
    std::printf(
        "%s: skipped (SLUICE_BENCH_DATABASE_URL is not set; tests/bench/f3_bench.sh sets it)\n",
        bench);
    std::exit(0);
  }
  return url;
}

inline std::unique_ptr<store::Connection> connect(const std::string& url) {
  auto c = store::connect(url, {.application_name = "sluice-bench"});
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(*c);
}

inline pqxx::result sql(const std::string& url, const std::string& statement) {
  auto c = connect(url);
  pqxx::nontransaction tx(*c);
  return tx.exec(statement);
}

inline std::int64_t scalar(const std::string& url, const std::string& statement) {
  return sql(url, statement)[0][0].as<std::int64_t>();
}

// A new, migrated database `name` on the server (an older one of that name is dropped),
// with pg_stat_statements installed. Returns its URL.
inline std::string fresh_database(const std::string& server_url, const std::string& name) {
  sql(server_url, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  sql(server_url, "CREATE DATABASE " + name);
  const std::string url = store::with_database(server_url, name);
  auto c = connect(url);
  if (auto r = store::migrate(*c); !r) throw std::runtime_error(r.error().message);
  pqxx::nontransaction(*c).exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  return url;
}

// The server's own view of the work done in one database between two snapshots.
struct ServerCounters {
  std::int64_t statements = 0;  // top-level statements executed (pg_stat_statements calls)
  std::int64_t commits = 0;     // pg_stat_database.xact_commit
  std::vector<std::pair<std::int64_t, std::string>> by_statement;  // calls, statement (shortened)
};

class ServerStats {
 public:
  ServerStats(std::string server_url, std::string database)
      : url_(std::move(server_url)), db_(std::move(database)) {}

  // Zeroes the statement counters and remembers xact_commit. Backends flush their counters
  // as they end, so every connection to the database must be closed, and given a moment.
  void start() {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    sql(url_, "SELECT pg_stat_statements_reset()");
    commits_ = commits();
  }

  ServerCounters finish() {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ServerCounters c;
    c.commits = commits() - commits_;
    const auto rows =
        sql(url_,
            // One row per statement text: the server may file a statement
            // under more than one query id.
            "SELECT sum(s.calls)::bigint, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90) "
            "FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '" +
                db_ + "' AND s.toplevel GROUP BY s.query ORDER BY 1 DESC");
    for (const auto& r : rows) {
      c.statements += r[0].as<std::int64_t>();
      c.by_statement.emplace_back(r[0].as<std::int64_t>(), r[1].as<std::string>());
    }
    return c;
  }

 private:
  std::int64_t commits() const {
    return scalar(url_, "SELECT xact_commit FROM pg_stat_database WHERE datname = '" + db_ + "'");
  }

  std::string url_, db_;
  std::int64_t commits_ = 0;
};

inline void print_statements(const ServerCounters& c, double per, const char* indent = "      ") {
  for (const auto& [calls, text] : c.by_statement)
    std::printf("%s%6.2f x  %s\n", indent, static_cast<double>(calls) / per, text.c_str());
}
}  // namespace sluice::bench
