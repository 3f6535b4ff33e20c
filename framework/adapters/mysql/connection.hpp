#pragma once
// libmariadb (MariaDB Connector/C) for the MySQL/MariaDB adapter: connection parameters
// parsed from a `mysql://` URL or the connection's parts, connections that set the session
// up the same way every time (UTC, utf8mb4, a fixed sql_mode), a small pool, and error
// classification by the server's and the client library's error numbers.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/deadline.hpp"
#include "framework/core/error.hpp"

struct st_mysql;
struct st_mysql_res;

namespace sluice::adapters::mysql {

struct ConnectParams {
  std::string host = "127.0.0.1";  // a path starting with `/` is a Unix socket
  unsigned port = 3306;
  std::string user;
  std::string password;  // never in a message
  std::string database;
  std::string ssl_mode = "preferred";  // disabled|preferred|required|verify_ca|verify_identity
  std::string charset = "utf8mb4";
  std::chrono::seconds connect_timeout{10};
  // LOAD DATA LOCAL INFILE allowed: a target's connections, which read only what the load
  // feeds them (infile_feed.hpp), never a file of the host.
  bool local_infile = false;

  std::string describe() const;  // host:port/database, for messages
};

// `mysql://user:password@host:port/database?ssl_mode=...&charset=...&connect_timeout=N`
// (or `mariadb://`), with %XX escapes in the user, password and database. Errors describe
// the problem without repeating the URL.
Result<ConnectParams> parse_url(std::string_view url);

// The character sets a connection may use: UTF-8 ones, since the stage holds UTF-8 text.
// utf8mb3 (`utf8`) is for servers older than MySQL 5.5.3, which have no utf8mb4.
inline constexpr std::string_view kCharsets[] = {"utf8mb4", "utf8mb3", "utf8"};
Result<void> check_charset(std::string_view charset);

// The statement every session starts with: the settings the text of the rows depends on,
// pinned whatever the server's, the user's or init_connect's defaults (connection.cpp).
std::string session_setup(std::string_view charset);

// Retryable: the network, the server going away or restarting, lock waits, deadlocks,
// timeouts, too many connections. Everything else (access denied, unknown database, table
// or column, syntax) is permanent: running it again gives the same answer.
ErrorKind classify(unsigned error_number);

class Connection {
 public:
  static Result<Connection> open(const ConnectParams& params);
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs a statement and discards any result.
  Result<void> exec(const std::string& sql);
  // The first column of the first row as an integer (count(*), 0/1).
  Result<std::int64_t> query_int(const std::string& sql);
  // A statement whose result is read as the server sends it (mysql_use_result): the rows
  // are never all in memory. The caller fetches with mysql_fetch_row until it returns null,
  // then calls finish_streaming(), which tells an error from the end of the rows.
  Result<st_mysql_res*> start_streaming(const std::string& sql);
  Result<void> finish_streaming(st_mysql_res* result);

  // Bounds what runs on this connection by `deadline` (none: nullptr) until bound again: the
  // statement running when it passes is killed (`KILL QUERY`, from a second connection, on
  // the watchdog's thread), and limit_assignment() gives the server-side limit. A connection
  // a kill was sent to is not reused: the kill may land after the statement it was meant for.
  void bind(Deadline* deadline);
  // `, max_statement_time = 2.500` (MariaDB, seconds) or `, max_execution_time = 2500`
  // (MySQL, milliseconds; SELECTs only): the time left before the bound deadline, to append
  // to a SET that precedes the statement; `= DEFAULT` after a limit when there is none now;
  // empty when nothing is to change or the server has no such setting. An error once the
  // deadline has passed: the statement must not start.
  Result<std::string> limit_assignment();
  // limit_assignment() SET on its own, for the statements that follow.
  Result<void> limit_time();

  std::string server_version() const;
  // The handle, for the prepared statements of statement.hpp.
  st_mysql* raw() const { return handle_; }
  // Closes the connection (which rolls back what it left open): it is not reused.
  void close();
  // No statement half-read, no kill sent: may serve the next window.
  bool reusable() const { return handle_ != nullptr && !streaming_ && !cancelled_->load(); }
  const ConnectParams& params() const { return params_; }
  // The connection's last error, classified, naming host, port and database.
  Error error(std::string_view what) const;

 private:
  Connection(st_mysql* handle, ConnectParams params)
      : handle_(handle), params_(std::move(params)) {}
  // The server's setting that limits a statement's time, or empty.
  std::string limit_variable() const;

  st_mysql* handle_ = nullptr;
  ConnectParams params_;
  bool streaming_ = false;
  Deadline* deadline_ = nullptr;
  std::unique_ptr<Deadline::Hook> kill_hook_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  bool limited_ = false;  // the session's limit was set and not put back to DEFAULT
};

// Connections kept open between windows; a connection serves one worker at a time and goes
// back only when reusable().
class ConnectionPool {
 public:
  explicit ConnectionPool(ConnectParams params, std::size_t max_idle = 4)
      : params_(std::move(params)), max_idle_(max_idle) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, Connection c) : pool_(pool), connection_(std::move(c)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() { return &*connection_; }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool* pool_;
    std::optional<Connection> connection_;
  };

  // An idle connection that still answers a ping, or a new one; bound to `deadline`
  // (Connection::bind) until it goes back.
  Result<Lease> acquire(Deadline* deadline = nullptr);
  const ConnectParams& params() const { return params_; }

 private:
  ConnectParams params_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<Connection> idle_;
};

}  // namespace sluice::adapters::mysql
