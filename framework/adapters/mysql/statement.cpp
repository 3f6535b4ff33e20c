#include "framework/adapters/mysql/statement.hpp"

#include <mysql.h>

#include <charconv>
#include <cstring>
#include <memory>

#include <date/date.h>

namespace sluice::adapters::mysql {
namespace {

using StatementPtr = std::unique_ptr<MYSQL_STMT, decltype(&mysql_stmt_close)>;

// Longer values (a catalog's name or type never is) are an error, not cut short.
constexpr unsigned long kValueBytes = 4096;

Error statement_error(const Connection& conn, MYSQL_STMT* st, std::string_view what) {
  const unsigned number = mysql_stmt_errno(st);
  return Error{classify(number), "mysql " + conn.params().describe() + ": " + std::string(what) +
                                     ": " + mysql_stmt_error(st) + " (error " +
                                     std::to_string(number) + ")"};
}

MYSQL_TIME time_of(const Value& v) {
  MYSQL_TIME t;
  std::memset(&t, 0, sizeof t);
  const auto day = date::floor<date::days>(v.at);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{v.at - day};
  t.year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  t.month = static_cast<unsigned>(ymd.month());
  t.day = static_cast<unsigned>(ymd.day());
  if (v.type == Value::Type::datetime) {
    t.hour = static_cast<unsigned>(hms.hours().count());
    t.minute = static_cast<unsigned>(hms.minutes().count());
    t.second = static_cast<unsigned>(hms.seconds().count());
    t.time_type = MYSQL_TIMESTAMP_DATETIME;
  } else {
    t.time_type = MYSQL_TIMESTAMP_DATE;
  }
  return t;
}

// Prepares and runs `sql` with `values` bound; the statement, ready to be read.
Result<StatementPtr> execute(Connection& conn, const std::string& sql,
                             const std::vector<Value>& values) {
  if (!conn.raw()) return fail(Error::retryable("mysql: connection closed after a failure"));
  StatementPtr st(mysql_stmt_init(conn.raw()), &mysql_stmt_close);
  if (!st) return fail(conn.error("cannot make a statement"));
  if (mysql_stmt_prepare(st.get(), sql.data(), sql.size()) != 0)
    return fail(statement_error(conn, st.get(), "prepare failed"));
  if (mysql_stmt_param_count(st.get()) != values.size())
    return fail(Error::permanent("mysql: the statement has " +
                                 std::to_string(mysql_stmt_param_count(st.get())) +
                                 " parameters, " + std::to_string(values.size()) + " given"));
  std::vector<MYSQL_BIND> binds(values.size());
  std::vector<MYSQL_TIME> times(values.size());
  std::vector<unsigned long> lengths(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof b);
    const Value& v = values[i];
    if (v.type == Value::Type::text) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(v.text.data());  // NOLINT: the C API is not const-correct
      b.buffer_length = lengths[i] = v.text.size();
      b.length = &lengths[i];
    } else {
      times[i] = time_of(v);
      b.buffer_type = v.type == Value::Type::date ? MYSQL_TYPE_DATE : MYSQL_TYPE_DATETIME;
      b.buffer = &times[i];
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(st.get(), binds.data()) != 0)
    return fail(statement_error(conn, st.get(), "binding parameters failed"));
  if (mysql_stmt_execute(st.get()) != 0)
    return fail(statement_error(conn, st.get(), "query failed"));
  return st;
}

}  // namespace

TableCondition table_condition(const std::string& table) {
  const auto dot = table.find('.');
  if (dot == std::string::npos)
    return {"TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", {Value::string(table)}};
  return {"TABLE_SCHEMA = ? AND TABLE_NAME = ?",
          {Value::string(table.substr(0, dot)), Value::string(table.substr(dot + 1))}};
}

Result<std::int64_t> run_prepared(Connection& conn, const std::string& sql,
                                  const std::vector<Value>& values) {
  auto st = execute(conn, sql, values);
  if (!st) return fail(st.error());
  return static_cast<std::int64_t>(mysql_stmt_affected_rows(st->get()));
}

Result<TextRows> query_prepared(Connection& conn, const std::string& sql,
                                const std::vector<Value>& values) {
  auto st = execute(conn, sql, values);
  if (!st) return fail(st.error());
  MYSQL_RES* meta = mysql_stmt_result_metadata(st->get());
  if (!meta) return fail(Error::permanent("mysql: the statement returns no rows"));
  const unsigned n = mysql_num_fields(meta);
  mysql_free_result(meta);
  std::vector<MYSQL_BIND> binds(n);
  std::vector<std::string> buffers(n, std::string(kValueBytes, '\0'));
  std::vector<unsigned long> lengths(n);
  std::vector<my_bool> nulls(n), errors(n);
  for (unsigned i = 0; i < n; ++i) {
    std::memset(&binds[i], 0, sizeof binds[i]);
    binds[i].buffer_type = MYSQL_TYPE_STRING;
    binds[i].buffer = buffers[i].data();
    binds[i].buffer_length = kValueBytes;
    binds[i].length = &lengths[i];
    binds[i].is_null = &nulls[i];
    binds[i].error = &errors[i];
  }
  if (mysql_stmt_bind_result(st->get(), binds.data()) != 0 ||
      mysql_stmt_store_result(st->get()) != 0)
    return fail(statement_error(conn, st->get(), "reading the result failed"));
  TextRows rows;
  for (;;) {
    const int fetched = mysql_stmt_fetch(st->get());
    if (fetched == MYSQL_NO_DATA) break;
    if (fetched == MYSQL_DATA_TRUNCATED)
      return fail(Error::permanent("mysql: a value of the result is longer than " +
                                   std::to_string(kValueBytes) + " bytes"));
    if (fetched != 0) return fail(statement_error(conn, st->get(), "reading a row failed"));
    auto& row = rows.emplace_back();
    for (unsigned i = 0; i < n; ++i) {
      if (nulls[i]) {
        row.emplace_back();
      } else {
        row.emplace_back(buffers[i].substr(0, lengths[i]));
      }
    }
  }
  return rows;
}

Result<std::int64_t> number_prepared(Connection& conn, const std::string& sql,
                                     const std::vector<Value>& values) {
  auto rows = query_prepared(conn, sql, values);
  if (!rows) return fail(rows.error());
  if (rows->size() != 1 || rows->front().empty() || !rows->front().front())
    return fail(Error::permanent("mysql: the count query returned no single number"));
  const std::string& text = *rows->front().front();
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size())
    return fail(Error::permanent("mysql: the count query returned '" + text + "', not a number"));
  return v;
}

}  // namespace sluice::adapters::mysql
