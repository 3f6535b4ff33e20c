#include "tests/support/hostile_session.hpp"

#include <libpq-fe.h>

#include <memory>
#include <sstream>
#include <stdexcept>

#include "framework/adapters/postgres/libpq.hpp"

namespace sluice::test {
namespace {

std::vector<std::string> split(const std::string& text, char by) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, by)) out.push_back(part);
  return out;
}

}  // namespace

ScopedEnv::ScopedEnv(const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const char* old = std::getenv(name.c_str());
    saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
}

ScopedEnv::~ScopedEnv() {
  for (const auto& [name, value] : saved_) {
    if (value)
      ::setenv(name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
}

std::map<std::string, std::string> hostile_libpq_environment() {
  return {{"PGDATESTYLE", "SQL, DMY"},
          {"PGTZ", "Asia/Kathmandu"},
          {"PGCLIENTENCODING", "LATIN1"},
          {"PGOPTIONS", "-c IntervalStyle=iso_8601 -c extra_float_digits=-2"}};
}

void set_database_defaults(const std::string& url, const std::string& database,
                           const std::map<std::string, std::string>& settings) {
  auto conn = adapters::postgres::Connection::open(url, "sluice-test");
  if (!conn) throw std::runtime_error(conn.error().message);
  for (const auto& [name, value] : settings) {
    auto r = conn->exec("ALTER DATABASE \"" + database + "\" SET " + name + " = '" + value + "'");
    if (!r) throw std::runtime_error(r.error().message);
  }
}

std::string plain_session_setting(const std::string& url, const std::string& name) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), ("SHOW " + name).c_str()),
                                                  PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    throw std::runtime_error(PQresultErrorMessage(r.get()));
  return PQgetvalue(r.get(), 0, 0);
}

std::string rendering(const std::string& url, const std::string& sql) {
  auto conn = adapters::postgres::Connection::open(url, "sluice-test");
  if (!conn) throw std::runtime_error(conn.error().message);
  std::string out;
  auto rows =
      conn->copy_out("COPY (" + sql + ") TO STDOUT", [&](std::string_view block, std::int64_t) {
        out.append(block);
        return Result<void>{};
      });
  if (!rows) throw std::runtime_error(rows.error().message);
  return out;
}

std::string rendering_differences(const std::string& expected, const std::string& actual,
                                  const std::vector<std::string>& columns) {
  const auto want = split(expected, '\n'), got = split(actual, '\n');
  std::string out;
  if (want.size() != got.size())
    out +=
        std::to_string(want.size()) + " rows expected, " + std::to_string(got.size()) + " found\n";
  for (std::size_t row = 0; row < std::min(want.size(), got.size()); ++row) {
    const auto a = split(want[row], '\t'), b = split(got[row], '\t');
    for (std::size_t c = 0; c < std::max(a.size(), b.size()); ++c) {
      const std::string x = c < a.size() ? a[c] : "(none)", y = c < b.size() ? b[c] : "(none)";
      if (x == y) continue;
      out += "row " + std::to_string(row + 1) + " " + (c < columns.size() ? columns[c] : "?") +
             ": expected " + x + ", got " + y + "\n";
    }
  }
  return out;
}

}  // namespace sluice::test
