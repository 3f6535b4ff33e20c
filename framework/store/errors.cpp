#include "framework/store/errors.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include <pqxx/except>

namespace sluice::store {
namespace {

using enum ErrorKind;

// Codes whose kind differs from their class's, then whole classes (two characters).
// https://www.postgresql.org/docs/15/errcodes-appendix.html
constexpr std::array<std::pair<std::string_view, ErrorKind>, 14> kCodes{{
    {"25006", retryable},  // read_only_sql_transaction: a standby, during failover
    {"40002", integrity},  // transaction_integrity_constraint_violation (deferred)
    {"55P03", retryable},  // lock_not_available (lock_timeout, NOWAIT)
    {"55006", retryable},  // object_in_use
    {"57014", retryable},  // query_canceled (statement_timeout, pg_cancel_backend)
    {"57P01", retryable},  // admin_shutdown
    {"57P02", retryable},  // crash_shutdown
    {"57P03", retryable},  // cannot_connect_now (starting up, recovery)
    {"57P04", permanent},  // database_dropped
    {"58P01", permanent},  // undefined_file
    {"58P02", permanent},  // duplicate_file
    {"53100", retryable},  // disk_full
    {"53200", retryable},  // out_of_memory
    {"53300", retryable},  // too_many_connections
}};

constexpr std::array<std::pair<std::string_view, ErrorKind>, 6> kClasses{{
    {"08", retryable},  // connection exception
    {"40", retryable},  // transaction rollback: serialization failure, deadlock
    {"53", retryable},  // insufficient resources
    {"58", retryable},  // system error (I/O)
    {"23", integrity},  // integrity constraint violation
    {"XX", permanent},  // internal error: a server bug does not heal by retrying
}};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// libpqxx messages are libpq's: "ERROR:  primary\nDETAIL:  detail\nHINT: ...\nLINE 1: ...".
// One line keeps logs and error_message columns readable.
std::string one_line(std::string_view what) {
  std::string primary, detail;
  while (!what.empty()) {
    auto end = what.find('\n');
    std::string_view line = what.substr(0, end);
    what = end == std::string_view::npos ? std::string_view{} : what.substr(end + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    for (std::string_view prefix : {"ERROR:  ", "FATAL:  ", "ERROR: ", "FATAL: "}) {
      if (line.starts_with(prefix)) line.remove_prefix(prefix.size());
    }
    if (line.starts_with("DETAIL:")) {
      line.remove_prefix(7);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (detail.empty()) detail = line;
    } else if (primary.empty()) {
      primary = line;
    } else if (!line.starts_with("HINT:") && !line.starts_with("LINE ") && !line.starts_with("^") &&
               !line.starts_with("CONTEXT:")) {
      // libpq's connection failures run over several lines.
      primary +=
          std::string_view(".!?:").find(primary.back()) == std::string_view::npos ? ". " : " ";
      primary += line;
    }
  }
  // Connection failures embed the server's severity mid-line ("failed: FATAL:  role ...").
  for (std::string_view severity : {"FATAL:  ", "ERROR:  "}) {
    for (auto at = primary.find(severity); at != std::string::npos; at = primary.find(severity)) {
      primary.erase(at, severity.size());
    }
  }
  return detail.empty() ? primary : primary + " (" + detail + ")";
}

// libpqxx 6 throws class 40 as its own types, outside sql_error and without the state.
const char* rollback_state(const std::exception& e) {
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e)) return "40P01";
  if (dynamic_cast<const pqxx::serialization_failure*>(&e)) return "40001";
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e)) return "40003";
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e)) return "40000";
  return nullptr;
}

}  // namespace

ErrorKind classify_sqlstate(std::string_view sqlstate) {
  for (const auto& [code, kind] : kCodes) {
    if (code == sqlstate) return kind;
  }
  if (sqlstate.size() == 5) {
    for (const auto& [cls, kind] : kClasses) {
      if (sqlstate.starts_with(cls)) return kind;
    }
  }
  return permanent;
}

bool is_connection_sqlstate(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

ErrorKind classify_connection_failure(std::string_view message) {
  // Each of these needs a person: wrong credentials, a database or role that does not
  // exist, pg_hba.conf, TLS setup, an invalid option, a host name that does not resolve.
  static constexpr std::array<std::string_view, 14> kPermanent{"password authentication failed",
                                                               "no password supplied",
                                                               "authentication failed",
                                                               "does not exist",
                                                               "no pg_hba.conf entry",
                                                               "pg_hba.conf rejects",
                                                               "invalid connection option",
                                                               "invalid integer value",
                                                               "invalid sslmode value",
                                                               "server does not support SSL",
                                                               "certificate",
                                                               "Name or service not known",
                                                               "permission denied",
                                                               "is not permitted to log in"};
  const bool needs_a_person = std::any_of(kPermanent.begin(), kPermanent.end(),
                                          [&](auto part) { return contains(message, part); });
  return needs_a_person ? permanent : retryable;
}

Error classify(const std::exception& e, std::string_view doing) {
  std::string message(doing);
  message += ": ";
  message += one_line(e.what());
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (state.empty()) {
      // libpqxx reports some lost connections as SQL errors without a state.
      const bool lost =
          contains(e.what(), "connection") && classify_connection_failure(e.what()) == retryable;
      return {lost ? retryable : permanent, std::move(message), lost};
    }
    return {classify_sqlstate(state), message + " [SQLSTATE " + state + "]",
            is_connection_sqlstate(state)};
  }
  if (const char* state = rollback_state(e)) {
    return {classify_sqlstate(state), message + " [SQLSTATE " + state + "]"};
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e)) {
    return {classify_connection_failure(e.what()), std::move(message), true};
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    // The connection broke during COMMIT: the transaction may or may not have landed.
    // Fenced, idempotent writes make trying again safe.
    return {retryable, message + " (commit outcome unknown)", true};
  }
  return {permanent, std::move(message)};
}

}  // namespace sluice::store
