#pragma once
// The data path of the PostgreSQL adapter speaks libpq directly: COPY streaming with
// PQgetCopyData/PQputCopyData moves bytes without the per-row work of libpqxx's streams.
// Connections here are the adapter's own, never the records store's.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/core/deadline.hpp"
#include "framework/core/error.hpp"

namespace sluice::adapters::postgres {

// Errors are classified by the store's rules (framework/store/errors.hpp), one table for
// every PostgreSQL the product talks to.
struct PGconnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PGresultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, PGresultDeleter>;

// What the server said about a statement that failed, field by field.
struct ServerError {
  std::string sqlstate;
  std::string primary;
  std::string detail;
  std::string hint;
  int position = 0;  // in the statement, 1-based, in characters; 0 when the error has none
};

class Connection {
 public:
  // `conninfo` may hold a password: it is never part of an error message, which names
  // host, port and database only.
  static Result<Connection> open(const std::string& conninfo, std::string_view application);

  // The type the server gives every parameter. Window bounds go as timestamptz: a text
  // parameter cast to timestamptz in a filter is converted again for every row it reads
  // (five times the cost of counting a window).
  enum class ParamType : Oid { text = 25, date = 1082, timestamptz = 1184 };

  // Runs `sql` with parameters; a failed command is a classified Error, and the server's
  // own account of it goes to `said` when given.
  Result<ResultPtr> exec(const std::string& sql, const std::vector<std::string>& params = {},
                         ServerError* said = nullptr, ParamType type = ParamType::text);
  Result<std::int64_t> exec_count(const std::string& sql, const std::vector<std::string>& params,
                                  ParamType type = ParamType::text);
  // exec() with a type per parameter (`types` as long as `params`).
  Result<ResultPtr> exec_typed(const std::string& sql, const std::vector<std::string>& params,
                               const std::vector<ParamType>& types, ServerError* said = nullptr);

  // COPY ... TO STDOUT: calls `on_block(bytes, rows)` with blocks of whole rows.
  template <class OnBlock>
  Result<std::int64_t> copy_out(const std::string& sql, OnBlock&& on_block);

  Result<void> copy_in_start(const std::string& sql);
  Result<void> copy_in_put(std::string_view bytes);
  // The rows the COPY's command tag says it took.
  Result<std::int64_t> copy_in_end();
  void copy_in_abort(std::string_view reason);

  // Bounds what runs on this connection by `deadline` (none: nullptr) until bound again: each
  // statement with statement_timeout at the time left, and the one running when it passes
  // cancelled (PQcancel, from the watchdog). A connection a cancel was sent to is not reused:
  // the cancel may reach the server after the statement it was meant for.
  void bind(Deadline* deadline);

  PGconn* raw() const { return conn_.get(); }
  std::string describe() const;  // host:port/dbname, for messages

  // Open, idle (no transaction, no COPY) and with nothing unread from the server: a
  // connection that may serve the next window. A server that ended the session (restart,
  // pg_terminate_backend, idle timeout) has sent its goodbye, so it fails the last test.
  bool reusable() const;

 private:
  // SETs back pinned settings the environment overrode at connect (PGDATESTYLE, PGTZ).
  Result<void> pin_settings();
  // statement_timeout for the next statement, from the bound deadline; a statement may not
  // start once it has passed.
  Result<void> limit_statement();
  Error error_from(PGresult* result, std::string_view what) const;
  Error connection_error(std::string_view what) const;
  Result<std::int64_t> finish_copy_out();

  std::unique_ptr<PGconn, PGconnDeleter> conn_;
  Deadline* deadline_ = nullptr;
  std::unique_ptr<Deadline::Hook> cancel_hook_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  // The session's statement_timeout as last SET (ms), or nullopt: the server's default.
  std::optional<std::int64_t> statement_timeout_;
};

// The connections of one adapter, kept open between windows: opening one costs a round of
// authentication, a server process and a transaction of its own, far more than the count
// of an empty window. Workers share it; a connection serves one worker at a time.
class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, std::string application, std::size_t max_idle = 8,
                 std::chrono::seconds max_idle_time = std::chrono::seconds(60));

  // A connection for one piece of work; it goes back to the pool when the lease ends if it
  // is still reusable(), and is closed otherwise (which also rolls back what it left open).
  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return connection_; }
    Connection* operator->() { return &connection_; }

   private:
    ConnectionPool* pool_;
    Connection connection_;
  };

  // Bound to `deadline` (Connection::bind) until it goes back.
  Result<Lease> acquire(Deadline* deadline = nullptr);

 private:
  void give_back(Connection connection);
  // Closes idle connections beyond max_idle or older than max_idle_time. There is no timer:
  // it runs whenever the pool is used, so a pool left alone keeps what it had.
  void close_stale();

  struct Idle {
    Connection connection;
    std::chrono::steady_clock::time_point since;
  };
  std::string conninfo_;
  std::string application_;
  std::size_t max_idle_;
  std::chrono::seconds max_idle_time_;
  std::mutex mutex_;
  // Most recently used at the back; at most max_idle_ of them. A vector, not a deque: a deque
  // allocates its first block up front, and a daemon holds two pools per pipeline (about
  // 20 MB at 10,000 pipelines, every pool idle and empty).
  std::vector<Idle> idle_;
};

// The one whole number of a result of one row (a count), or a permanent Error.
Result<std::int64_t> single_number(const PGresult* result);

// The rows a command's tag (`COPY 5`, `INSERT 0 5`) says it processed, or a permanent Error
// when the tag has no count.
Result<std::int64_t> command_rows(const PGresult* result);

// Quotes an identifier that may carry a schema: `demo.events` -> `"demo"."events"`.
std::string quote_qualified(std::string_view name);
std::string quote_identifier(std::string_view name);

// `'2024-03-10 08:00:00+00'::timestamptz`. COPY cannot take bind parameters, so the window
// bounds enter COPY statements as literals; they are formatted here from integers, never
// from configuration text.
std::string timestamptz_literal(std::chrono::sys_seconds t);

template <class OnBlock>
Result<std::int64_t> Connection::copy_out(const std::string& sql, OnBlock&& on_block) {
  if (!conn_) return fail(Error::retryable("connection closed after an earlier failure"));
  if (auto r = limit_statement(); !r) return fail(r.error());
  if (PQsendQuery(conn_.get(), sql.c_str()) == 0) return fail(connection_error("COPY"));
  {
    ResultPtr started(PQgetResult(conn_.get()));
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_OUT) {
      Error e = error_from(started.get(), "COPY");
      while (ResultPtr rest{PQgetResult(conn_.get())}) {
      }
      return fail(std::move(e));
    }
  }
  // Rows arrive one per PQgetCopyData; they are gathered into blocks of about 1 MiB so the
  // sink sees few, large writes.
  std::string block;
  block.reserve((1 << 20) + 65536);
  std::int64_t block_rows = 0, total = 0;
  for (;;) {
    char* data = nullptr;
    const int n = PQgetCopyData(conn_.get(), &data, 0);
    if (n > 0) {
      block.append(data, static_cast<std::size_t>(n));
      PQfreemem(data);
      ++block_rows;
      if (block.size() >= (1 << 20)) {
        if (auto r = on_block(std::string_view(block), block_rows); !r) {
          conn_.reset();  // closing the connection ends the COPY on the server
          return fail(r.error());
        }
        total += block_rows;
        block.clear();
        block_rows = 0;
      }
      continue;
    }
    if (n == -1) break;
    return fail(connection_error("COPY read"));
  }
  if (auto r = finish_copy_out(); !r) return r;
  if (block_rows > 0) {
    if (auto r = on_block(std::string_view(block), block_rows); !r) return fail(r.error());
    total += block_rows;
  }
  return total;
}

}  // namespace sluice::adapters::postgres
