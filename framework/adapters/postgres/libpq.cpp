#include "framework/adapters/postgres/libpq.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>

#include <date/date.h>

#include "framework/observe/log.hpp"
#include "framework/schema/credentials.hpp"
#include "framework/store/database.hpp"
#include "framework/store/errors.hpp"
#include "framework/store/session_settings.hpp"

namespace sluice::adapters::postgres {
namespace {

// Server NOTICEs go to the adapter's logger instead of libpq's default, stderr.
void log_notice(void*, const char* message) {
  std::string_view text(message);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  observe::logger("adapter.postgres")->debug("server notice: {}", text);
}

// The `options` a connection string carries, so that pinning settings keeps them.
std::string given_options(const std::string& conninfo) {
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), nullptr);
  std::string out;
  for (auto* o = parsed; o && o->keyword; ++o)
    if (std::string_view(o->keyword) == "options" && o->val) out = o->val;
  if (parsed) PQconninfoFree(parsed);
  return out;
}

}  // namespace

Result<Connection> Connection::open(const std::string& conninfo, std::string_view application) {
  // A string libpq cannot parse is the operator's to fix, and libpq's own account of it
  // quotes what it could not parse, which may be the password: the store's parse says why
  // without quoting.
  if (auto parsed = store::parse_database_url(conninfo); !parsed)
    return fail(Error::permanent("cannot connect to PostgreSQL: " + parsed.error().message));
  // Options are passed as keywords so that a URL and a keyword string both work; those after
  // `dbname` win over the URL's. The session's settings are pinned (store/session_settings.hpp):
  // the text of every value read and written depends on them.
  const std::string app(application);
  const std::string options = store::pinned_options(given_options(conninfo));
  const char* keys[] = {"dbname",          "application_name", "options",
                        "client_encoding", "connect_timeout",  nullptr};
  const char* values[] = {conninfo.c_str(),       app.c_str(), options.c_str(),
                          store::kClientEncoding, "10",        nullptr};
  Connection c;
  c.conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!c.conn_) return fail(Error::retryable("cannot allocate a PostgreSQL connection"));
  if (PQstatus(c.conn_.get()) != CONNECTION_OK) {
    std::string message = PQerrorMessage(c.conn_.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    // libpq's message names host and port; a password it might quote all the same is
    // scrubbed.
    return fail(
        Error{store::classify_connection_failure(message),
              "cannot connect to PostgreSQL: " + config::scrub_credentials(message, conninfo)});
  }
  PQsetNoticeProcessor(c.conn_.get(), log_notice, nullptr);
  if (auto r = c.pin_settings(); !r) return fail(r.error());
  return c;
}

Result<void> Connection::pin_settings() {
  const auto reported = [&](const char* name) -> std::optional<std::string> {
    const char* value = PQparameterStatus(conn_.get(), name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  // PGDATESTYLE and PGTZ outrank the startup options: set back what they changed.
  if (store::drifted_settings(reported).empty()) return {};
  // Several statements: the simple protocol, not exec()'s.
  ResultPtr set(PQexec(conn_.get(), store::pinned_set_statement().c_str()));
  if (!set || PQresultStatus(set.get()) != PGRES_COMMAND_OK)
    return fail(error_from(set.get(), "SET"));
  if (const auto left = store::drifted_settings(reported); !left.empty())
    return fail(Error::permanent("PostgreSQL " + describe() + " keeps the session settings " +
                                 left + " after SET; sluice needs them as it set them"));
  return {};
}

std::string Connection::describe() const {
  if (!conn_) return "(closed)";
  const char* host = PQhost(conn_.get());
  return std::string(host ? host : "?") + ":" + (PQport(conn_.get()) ? PQport(conn_.get()) : "?") +
         "/" + (PQdb(conn_.get()) ? PQdb(conn_.get()) : "?");
}

Error Connection::connection_error(std::string_view what) const {
  std::string message = conn_ ? PQerrorMessage(conn_.get()) : "connection closed";
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return Error::retryable(std::string(what) + " on " + describe() + ": " + message);
}

Error Connection::error_from(PGresult* result, std::string_view what) const {
  if (!result) return connection_error(what);
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message = PQresultErrorMessage(result);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (message.empty()) message = PQresStatus(PQresultStatus(result));
  // No SQLSTATE means the connection broke mid-command: worth another attempt.
  return Error{state ? store::classify_sqlstate(state) : ErrorKind::retryable,
               std::string(what) + " on " + describe() + ": " + message};
}

namespace {

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value ? value : "";
}

}  // namespace

void Connection::bind(Deadline* deadline) {
  cancel_hook_.reset();
  deadline_ = deadline;
  if (!deadline || !conn_) return;
  // PGcancel is libpq's thread-safe handle for a cancel from another thread.
  std::shared_ptr<PGcancel> cancel(PQgetCancel(conn_.get()), PQfreeCancel);
  if (!cancel) return;
  cancel_hook_ = std::make_unique<Deadline::Hook>(
      deadline->on_expiry([cancel, cancelled = cancelled_, where = describe()] {
        cancelled->store(true);
        char message[256] = {};
        if (PQcancel(cancel.get(), message, sizeof message) == 0)
          observe::logger("adapter.postgres")
              ->warn("cancelling the statement on {} past its deadline: {}", where, message);
      }));
}

Result<void> Connection::limit_statement() {
  const auto left = deadline_ ? deadline_->remaining() : std::nullopt;
  std::optional<std::int64_t> wanted;
  if (left) {
    if (left->count() == 0)
      return fail(
          Error::retryable("statement not sent to " + describe() + ": its deadline has passed"));
    // A little more than the time left, so that the next statements (of this window, or of
    // the next one on this pooled connection) keep the same SET while it ends them no sooner
    // than their deadline and not much later: the watchdog cancels at the deadline itself,
    // the server's limit is for a client that is gone. A round trip saved per statement.
    const std::int64_t slack = std::max<std::int64_t>(1000, left->count() / 100);
    if (statement_timeout_ && *statement_timeout_ >= left->count() &&
        *statement_timeout_ <= left->count() + 2 * slack)
      return {};
    wanted = left->count() + slack;
  } else if (!statement_timeout_) {
    return {};
  }
  const std::string sql = wanted ? "SET statement_timeout = " + std::to_string(*wanted)
                                 : std::string("RESET statement_timeout");
  ResultPtr r(PQexec(conn_.get(), sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK)
    return fail(error_from(r.get(), "SET statement_timeout"));
  statement_timeout_ = wanted;
  return {};
}

Result<ResultPtr> Connection::exec(const std::string& sql, const std::vector<std::string>& params,
                                   ServerError* said, ParamType type) {
  // Typed, so a query that uses only one of the window bounds still prepares.
  return exec_typed(sql, params, std::vector<ParamType>(params.size(), type), said);
}

Result<ResultPtr> Connection::exec_typed(const std::string& sql,
                                         const std::vector<std::string>& params,
                                         const std::vector<ParamType>& types, ServerError* said) {
  if (!conn_) return fail(Error::retryable("connection closed after an earlier failure"));
  if (auto limited = limit_statement(); !limited) return fail(limited.error());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  std::vector<Oid> oids;
  oids.reserve(types.size());
  for (const auto t : types) oids.push_back(static_cast<Oid>(t));
  ResultPtr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), oids.data(),
                           values.data(), nullptr, nullptr, 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    if (said && r) {
      const std::string position = field(r.get(), PG_DIAG_STATEMENT_POSITION);
      *said = {field(r.get(), PG_DIAG_SQLSTATE), field(r.get(), PG_DIAG_MESSAGE_PRIMARY),
               field(r.get(), PG_DIAG_MESSAGE_DETAIL), field(r.get(), PG_DIAG_MESSAGE_HINT),
               position.empty() ? 0 : std::atoi(position.c_str())};
    }
    return fail(error_from(r.get(), "query"));
  }
  return r;
}

Result<std::int64_t> Connection::exec_count(const std::string& sql,
                                            const std::vector<std::string>& params,
                                            ParamType type) {
  auto r = exec(sql, params, nullptr, type);
  if (!r) return fail(r.error());
  return single_number(r->get());
}

Result<std::int64_t> single_number(const PGresult* result) {
  if (PQntuples(result) != 1 || PQnfields(result) < 1)
    return fail(Error::permanent("count query returned no single row"));
  const char* text = PQgetvalue(result, 0, 0);
  std::int64_t value = 0;
  const auto end = text + std::char_traits<char>::length(text);
  if (std::from_chars(text, end, value).ptr != end || PQgetisnull(result, 0, 0))
    return fail(Error::permanent(std::string("count query returned '") + text + "', not a number"));
  return value;
}

Result<std::int64_t> Connection::finish_copy_out() {
  Result<std::int64_t> outcome = 0;
  while (ResultPtr r{PQgetResult(conn_.get())}) {
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && outcome)
      outcome = fail(error_from(r.get(), "COPY"));
  }
  return outcome;
}

Result<void> Connection::copy_in_start(const std::string& sql) {
  if (!conn_) return fail(Error::retryable("connection closed after an earlier failure"));
  if (auto limited = limit_statement(); !limited) return fail(limited.error());
  ResultPtr r(PQexec(conn_.get(), sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return fail(error_from(r.get(), "COPY"));
  return {};
}

Result<void> Connection::copy_in_put(std::string_view bytes) {
  if (PQputCopyData(conn_.get(), bytes.data(), static_cast<int>(bytes.size())) == 1) return {};
  // The server may have ended the COPY with an error (a constraint, a bad value) while rows
  // were on their way: that error, not "no COPY in progress", says what went wrong and
  // whether a retry can help.
  const Error broken = connection_error("COPY write");
  std::optional<Error> server;
  while (ResultPtr r{PQgetResult(conn_.get())}) {
    if (!server && PQresultStatus(r.get()) == PGRES_FATAL_ERROR)
      server = error_from(r.get(), "COPY");
  }
  return fail(server.value_or(broken));
}

Result<std::int64_t> Connection::copy_in_end() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return fail(connection_error("COPY end"));
  Result<std::int64_t> outcome = 0;
  while (ResultPtr r{PQgetResult(conn_.get())}) {
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      if (outcome) outcome = fail(error_from(r.get(), "COPY"));
    } else if (outcome) {
      auto n = command_rows(r.get());
      if (!n)
        outcome = fail(n.error());
      else
        outcome = *outcome + *n;
    }
  }
  return outcome;
}

Result<std::int64_t> command_rows(const PGresult* result) {
  // PQcmdTuples takes a non-const result, though it only reads it.
  const char* text = PQcmdTuples(const_cast<PGresult*>(result));  // NOLINT
  std::int64_t value = 0;
  const auto end = text + std::char_traits<char>::length(text);
  if (text == end || std::from_chars(text, end, value).ptr != end)
    return fail(Error::permanent(std::string("the server's command tag gave no row count ('") +
                                 PQcmdStatus(const_cast<PGresult*>(result)) + "')"));  // NOLINT
  return value;
}

void Connection::copy_in_abort(std::string_view reason) {
  if (!conn_) return;
  const std::string text(reason);
  PQputCopyEnd(conn_.get(), text.c_str());
  while (ResultPtr r{PQgetResult(conn_.get())}) {
  }
}

bool Connection::reusable() const {
  if (!conn_ || cancelled_->load() || PQstatus(conn_.get()) != CONNECTION_OK ||
      PQtransactionStatus(conn_.get()) != PQTRANS_IDLE)
    return false;
  pollfd p{PQsocket(conn_.get()), POLLIN, 0};
  return poll(&p, 1, 0) == 0;
}

ConnectionPool::ConnectionPool(std::string conninfo, std::string application, std::size_t max_idle,
                               std::chrono::seconds max_idle_time)
    : conninfo_(std::move(conninfo)),
      application_(std::move(application)),
      max_idle_(max_idle),
      max_idle_time_(max_idle_time) {}

ConnectionPool::Lease::~Lease() {
  if (pool_) pool_->give_back(std::move(connection_));
}

void ConnectionPool::close_stale() {
  const auto oldest_kept = std::chrono::steady_clock::now() - max_idle_time_;
  std::size_t stale = 0;
  while (stale < idle_.size() &&
         (idle_[stale].since < oldest_kept || idle_.size() - stale > max_idle_))
    ++stale;
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(stale));
}

Result<ConnectionPool::Lease> ConnectionPool::acquire(Deadline* deadline) {
  std::optional<Connection> found;
  {
    std::lock_guard lock(mutex_);
    close_stale();
    while (!idle_.empty() && !found) {
      Connection c = std::move(idle_.back().connection);
      idle_.pop_back();
      if (c.reusable()) found = std::move(c);
    }
  }
  if (!found) {
    auto opened = Connection::open(conninfo_, application_);
    if (!opened) return fail(opened.error());
    found = std::move(*opened);
  }
  found->bind(deadline);
  return Lease(this, std::move(*found));
}

void ConnectionPool::give_back(Connection connection) {
  connection.bind(nullptr);
  if (!connection.reusable()) return;
  std::lock_guard lock(mutex_);
  idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
  close_stale();
}

std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string quote_qualified(std::string_view name) {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return quote_identifier(name);
  return quote_identifier(name.substr(0, dot)) + "." + quote_identifier(name.substr(dot + 1));
}

std::string timestamptz_literal(std::chrono::sys_seconds t) {
  return "'" + date::format("%Y-%m-%d %H:%M:%S+00", t) + "'::timestamptz";
}

}  // namespace sluice::adapters::postgres
