#include "framework/adapters/mysql/target_load.hpp"

#include <mysql.h>
#include <mysqld_error.h>

#include <fmt/format.h>

#include "framework/adapters/mysql/statement.hpp"

namespace sluice::adapters::mysql {

MysqlLoad::MysqlLoad(ConnectionPool::Lease connection, LoadStatements statements,
                     std::vector<Conversion> conversions, std::string table)
    : conn_(std::move(connection)),
      statements_(std::move(statements)),
      encoder_(std::move(conversions)),
      table_(std::move(table)),
      thread_([this] { run(); }) {}

MysqlLoad::~MysqlLoad() {
  if (!joined_) {
    feed_.abort();
    thread_.join();
  }
  if (!committed_) conn_->close();
}

void MysqlLoad::run() {
  st_mysql* handle = conn_->raw();
  feed_.attach(handle);
  const std::string& sql = statements_.load_data;
  // The statement has no result set: what it did is read at once, before anything else runs.
  if (mysql_real_query(handle, sql.data(), sql.size()) != 0) {
    Error e = conn_->error("LOAD DATA into " + table_ + " failed");
    const unsigned number = mysql_errno(handle);
    if (number == ER_NOT_ALLOWED_COMMAND || number == ER_LOAD_INFILE_CAPABILITY_DISABLED)
      e.message +=
          " (a MariaDB target needs the server to allow LOAD DATA LOCAL INFILE: "
          "local_infile = ON)";
    outcome_ = fail(std::move(e));
  } else {
    affected_ = mysql_affected_rows(handle);
    warning_count_ = mysql_warning_count(handle);
  }
  InfileFeed::detach(handle);
  feed_.stopped();
}

Result<void> MysqlLoad::finished() {
  if (!joined_) {
    thread_.join();
    joined_ = true;
  }
  return outcome_;
}

Error MysqlLoad::failed(Error e) {
  conn_->close();
  return e;
}

Result<void> MysqlLoad::put(std::string_view block) {
  std::string encoded;
  encoded.reserve(block.size() + block.size() / 8);
  auto n = encoder_.encode(block, encoded);
  if (!n) return fail(n.error());
  rows_ += *n;
  if (feed_.push(std::move(encoded))) return {};
  // The statement stopped reading: it failed, or was killed.
  if (auto r = finished(); !r) return fail(failed(r.error()));
  return fail(
      failed(Error::retryable("mysql: LOAD DATA into " + table_ + " ended before its rows did")));
}

std::string MysqlLoad::warnings() {
  auto rows = query_prepared(*conn_, "SHOW WARNINGS LIMIT 3", {});
  if (!rows) return "(the warnings cannot be read: " + rows.error().message + ")";
  std::string out;
  for (const auto& row : *rows) {
    if (row.size() < 3) continue;
    out += (out.empty() ? "" : "; ") + row[0].value_or("") + " " + row[1].value_or("") + ": " +
           row[2].value_or("");
  }
  return out;
}

Result<void> MysqlLoad::check_taken() {
  // With LOCAL the server cannot stop the file, so what strict mode would refuse (a value the
  // column cannot take, a row too short, a duplicate key) is a warning and the row is changed
  // or skipped: any warning fails the load, before anything is committed.
  if (warning_count_ > 0)
    return fail(Error::permanent(fmt::format(
        "mysql: LOAD DATA into {}: the server changed or skipped rows ({} warning(s): {}); "
        "nothing is loaded",
        table_, warning_count_, warnings())));
  if (affected_ != static_cast<std::uint64_t>(rows_))
    return fail(Error::permanent(
        fmt::format("mysql: LOAD DATA into {} took {} of the {} rows sent; nothing is loaded",
                    table_, affected_, rows_)));
  return {};
}

Result<void> MysqlLoad::upsert() {
  // What would make an upsert double rows, or pick one of two rows at random.
  const std::pair<const std::string*, const char*> refusals[] = {
      {&statements_.null_keys,
       "row(s) of the window have a NULL in the key, which no row would match: each run would "
       "add them again"},
      {&statements_.repeated_keys,
       "key(s) are held by more than one row of the window, and which of them should stay is "
       "not known"}};
  for (const auto& [sql, says] : refusals) {
    auto n = conn_->query_int(*sql);
    if (!n) return fail(n.error());
    if (*n > 0)
      return fail(Error::permanent(fmt::format("upsert into {}: {} {}", table_, *n, says)));
  }
  if (auto r = conn_->exec(statements_.upsert); !r) return r;
  if (const unsigned n = mysql_warning_count(conn_->raw()); n > 0)
    return fail(Error::permanent(fmt::format("upsert into {}: {} warning(s): {}; nothing is loaded",
                                             table_, n, warnings())));
  auto held = conn_->query_int(statements_.held);
  if (!held) return fail(held.error());
  held_ = *held;
  return conn_->exec(statements_.drop_rows);
}

Result<void> MysqlLoad::commit() {
  feed_.close();
  if (auto r = finished(); !r) return fail(failed(r.error()));
  if (auto r = check_taken(); !r) return fail(failed(r.error()));
  if (statements_.upserts()) {
    if (auto r = upsert(); !r) return fail(failed(r.error()));
  }
  if (auto r = conn_->exec("COMMIT"); !r) return fail(failed(r.error()));
  committed_ = true;
  return {};
}

}  // namespace sluice::adapters::mysql
