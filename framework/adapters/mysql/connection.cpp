#include "framework/adapters/mysql/connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "framework/adapters/mysql/infile_feed.hpp"
#include "framework/observe/log.hpp"
#include "framework/schema/credentials.hpp"

namespace sluice::adapters::mysql {
namespace {

// Error numbers worth another attempt. Client-side (CR_*): the server could not be reached
// or went away. Server-side (ER_*): contention, resources, shutdown, interrupted statements.
constexpr std::array<unsigned, 27> kRetryable{CR_CONNECTION_ERROR,
                                              CR_CONN_HOST_ERROR,
                                              CR_UNKNOWN_HOST,
                                              CR_SERVER_GONE_ERROR,
                                              CR_SERVER_LOST,
                                              CR_SERVER_LOST_EXTENDED,
                                              CR_SERVER_HANDSHAKE_ERR,
                                              CR_OUT_OF_MEMORY,
                                              CR_IPSOCK_ERROR,
                                              CR_SOCKET_CREATE_ERROR,
                                              ER_CON_COUNT_ERROR,
                                              ER_OUT_OF_RESOURCES,
                                              ER_HANDSHAKE_ERROR,
                                              ER_SERVER_SHUTDOWN,
                                              ER_TOO_MANY_USER_CONNECTIONS,
                                              ER_LOCK_WAIT_TIMEOUT,
                                              ER_LOCK_DEADLOCK,
                                              ER_QUERY_INTERRUPTED,
                                              ER_NET_READ_ERROR,
                                              ER_NET_READ_INTERRUPTED,
                                              ER_NET_ERROR_ON_WRITE,
                                              ER_NET_WRITE_INTERRUPTED,
                                              ER_DISK_FULL,
                                              ER_LOCK_TABLE_FULL,
                                              ER_TOO_MANY_CONCURRENT_TRXS,
                                              ER_CONNECTION_KILLED,
                                              ER_STATEMENT_TIMEOUT};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view text, std::string_view part) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
    if (lo < 0)
      return fail(Error::permanent("mysql URL: bad %-escape in the " + std::string(part)));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<unsigned> parse_number(std::string_view text, std::string_view what, unsigned max) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v == 0 || v > max)
    return fail(Error::permanent("mysql URL: " + std::string(what) + " '" + std::string(text) +
                                 "' is not a number from 1 to " + std::to_string(max)));
  return v;
}

Result<void> apply_query_parameter(ConnectParams& p, std::string_view key, std::string_view value) {
  if (key == "ssl_mode") {
    static constexpr std::array<std::string_view, 5> modes{"disabled", "preferred", "required",
                                                           "verify_ca", "verify_identity"};
    if (std::find(modes.begin(), modes.end(), value) == modes.end())
      return fail(Error::permanent("mysql URL: unknown ssl_mode '" + std::string(value) + "'"));
    p.ssl_mode = value;
  } else if (key == "charset") {
    if (auto r = check_charset(value); !r) return fail(r.error());
    p.charset = value;
  } else if (key == "connect_timeout") {
    auto n = parse_number(value, "connect_timeout", 86400);
    if (!n) return fail(n.error());
    p.connect_timeout = std::chrono::seconds(*n);
  } else {
    return fail(Error::permanent("mysql URL: unknown parameter '" + std::string(key) +
                                 "' (known: ssl_mode, charset, connect_timeout)"));
  }
  return {};
}

}  // namespace

std::string session_setup(std::string_view charset) {
  // Runs after the server's init_connect and over the global, user and handshake defaults
  // (skip-character-set-client-handshake ignores the charset the client asked for).
  // - NAMES: the rows' text arrives in the connection's charset, a UTF-8 one (the stage's).
  // - time_zone: TIMESTAMP columns are read in UTC, the windows' zone.
  // - sql_mode: none of PAD_CHAR_TO_FULL_LENGTH (CHAR values padded), ANSI_QUOTES,
  //   NO_BACKSLASH_ESCAPES, ORACLE...: values and our statements read as the code assumes.
  //   MySQL 8 knows these three too.
  // - net_write_timeout: a streamed result waits for the sink; this is how long the server
  //   lets it.
  return "SET NAMES '" + std::string(charset) +
         "', time_zone = '+00:00', "
         "sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
         "net_write_timeout = 600";
}

Result<void> check_charset(std::string_view charset) {
  for (std::string_view known : kCharsets)
    if (charset == known) return {};
  return fail(Error::permanent("mysql charset '" + std::string(charset) +
                               "' is not one of utf8mb4, utf8mb3, utf8: the stage holds UTF-8 "
                               "text, and another charset would change it"));
}

std::string ConnectParams::describe() const {
  return (host.starts_with('/') ? host : host + ":" + std::to_string(port)) + "/" + database;
}

namespace {

Result<ConnectParams> split_url(std::string_view url) {
  ConnectParams p;
  std::string_view rest;
  for (std::string_view scheme : {"mysql://", "mariadb://"}) {
    if (url.starts_with(scheme)) rest = url.substr(scheme.size());
  }
  if (rest.empty()) return fail(Error::permanent("expected a mysql:// or mariadb:// URL"));
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    auto db = percent_decode(rest.substr(slash + 1), "database");
    if (!db) return fail(db.error());
    p.database = *db;
    rest = rest.substr(0, slash);
  }
  // parse_url refused a second '@': this one ends the user information.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::string_view password;
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      password = userinfo.substr(colon + 1);
      userinfo = userinfo.substr(0, colon);
    }
    auto user = percent_decode(userinfo, "user");
    auto pw = percent_decode(password, "password");
    if (!user) return fail(user.error());
    if (!pw) return fail(pw.error());
    p.user = *user;
    p.password = *pw;
  }
  if (auto colon = rest.rfind(':');
      colon != std::string_view::npos && rest.find(']') == std::string_view::npos) {
    auto port = parse_number(rest.substr(colon + 1), "port", 65535);
    if (!port) return fail(port.error());
    p.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail(Error::permanent("mysql URL: no host"));
  p.host = rest;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos)
      return fail(Error::permanent("mysql URL: parameter without a value"));
    auto value =
        percent_decode(pair.substr(eq + 1), "parameter " + std::string(pair.substr(0, eq)));
    if (!value) return fail(value.error());
    if (auto r = apply_query_parameter(p, pair.substr(0, eq), *value); !r) return fail(r.error());
  }
  return p;
}

}  // namespace

Result<ConnectParams> parse_url(std::string_view url) {
  // Split at a guess, a password holding `@`, `/`, `?` or `#` would land in the host, port
  // or parameters, which the errors below quote.
  if (const auto problem = config::url_userinfo_problem(url); !problem.empty())
    return fail(Error::permanent("mysql URL is malformed: " + problem));
  auto parsed = split_url(url);
  if (!parsed)
    return fail(Error{parsed.error().kind, config::scrub_credentials(parsed.error().message, url)});
  return parsed;
}

ErrorKind classify(unsigned error_number) {
  return std::find(kRetryable.begin(), kRetryable.end(), error_number) != kRetryable.end()
             ? ErrorKind::retryable
             : ErrorKind::permanent;
}

Result<Connection> Connection::open(const ConnectParams& p) {
  if (auto r = check_charset(p.charset); !r) return fail(r.error());
  MYSQL* h = mysql_init(nullptr);
  if (!h) return fail(Error::retryable("mysql " + p.describe() + ": out of memory"));
  const unsigned timeout = static_cast<unsigned>(p.connect_timeout.count());
  mysql_options(h, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(h, MYSQL_SET_CHARSET_NAME, p.charset.c_str());
  const std::string init = session_setup(p.charset);
  mysql_options(h, MYSQL_INIT_COMMAND, init.c_str());
  if (p.ssl_mode != "disabled" && p.ssl_mode != "preferred") {
    const my_bool on = 1;
    mysql_options(h, MYSQL_OPT_SSL_ENFORCE, &on);
    if (p.ssl_mode != "required") mysql_options(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  if (p.local_infile) {
    const unsigned on = 1;
    mysql_options(h, MYSQL_OPT_LOCAL_INFILE, &on);
    InfileFeed::refuse_all(h);
  }
  const bool socket = p.host.starts_with('/');
  if (!mysql_real_connect(h, socket ? nullptr : p.host.c_str(), p.user.c_str(), p.password.c_str(),
                          p.database.empty() ? nullptr : p.database.c_str(), socket ? 0 : p.port,
                          socket ? p.host.c_str() : nullptr, 0)) {
    Connection failed(h, p);
    return fail(failed.error("cannot connect"));
  }
  return Connection(h, p);
}

Connection::Connection(Connection&& o) noexcept
    : handle_(std::exchange(o.handle_, nullptr)),
      params_(std::move(o.params_)),
      streaming_(o.streaming_),
      deadline_(std::exchange(o.deadline_, nullptr)),
      kill_hook_(std::move(o.kill_hook_)),
      cancelled_(std::move(o.cancelled_)),
      limited_(o.limited_) {}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    kill_hook_.reset();
    if (handle_) mysql_close(handle_);
    handle_ = std::exchange(o.handle_, nullptr);
    params_ = std::move(o.params_);
    streaming_ = o.streaming_;
    deadline_ = std::exchange(o.deadline_, nullptr);
    kill_hook_ = std::move(o.kill_hook_);
    cancelled_ = std::move(o.cancelled_);
    limited_ = o.limited_;
  }
  return *this;
}

Connection::~Connection() {
  kill_hook_.reset();  // no kill may run once the connection is gone
  if (handle_) mysql_close(handle_);
}

void Connection::bind(Deadline* deadline) {
  kill_hook_.reset();
  deadline_ = deadline;
  if (!deadline || !handle_) return;
  kill_hook_ = std::make_unique<Deadline::Hook>(deadline->on_expiry(
      [params = params_, thread = mysql_thread_id(handle_), cancelled = cancelled_] {
        cancelled->store(true);
        const auto log = observe::logger("adapter.mysql");
        auto killer = Connection::open(params);
        if (!killer) {
          log->warn("cannot kill the statement of {} past its deadline: {}", params.describe(),
                    killer.error().message);
          return;
        }
        // Thread gone: the statement ended meanwhile.
        if (auto r = killer->exec("KILL QUERY " + std::to_string(thread)); !r)
          log->debug("KILL QUERY {} on {}: {}", thread, params.describe(), r.error().message);
      }));
}

std::string Connection::limit_variable() const {
  const unsigned long version = mysql_get_server_version(handle_);
  if (server_version().find("MariaDB") != std::string::npos)
    return version >= 100101 ? "max_statement_time" : "";
  return version >= 50708 ? "max_execution_time" : "";
}

Result<std::string> Connection::limit_assignment() {
  const auto left = deadline_ ? deadline_->remaining() : std::nullopt;
  if (left && left->count() == 0)
    return fail(Error::retryable("mysql " + params_.describe() +
                                 ": statement not sent, its deadline has passed"));
  if (!left && !limited_) return std::string();
  const std::string variable = limit_variable();
  if (variable.empty()) return std::string();
  limited_ = left.has_value();
  if (!left) return ", " + variable + " = DEFAULT";
  if (variable == "max_statement_time")
    return fmt::format(", max_statement_time = {}.{:03}", left->count() / 1000,
                       left->count() % 1000);
  return fmt::format(", max_execution_time = {}", left->count());
}

Result<void> Connection::limit_time() {
  auto assignment = limit_assignment();
  if (!assignment) return fail(assignment.error());
  if (assignment->empty()) return {};
  return exec("SET " + assignment->substr(2));  // `, max_statement_time = ...`
}

Error Connection::error(std::string_view what) const {
  const unsigned number = mysql_errno(handle_);
  std::string said = mysql_error(handle_);
  // The client library's messages name user and host; a password it quoted all the same
  // is replaced.
  said = config::scrub_secret(said, params_.password);
  return Error{classify(number), "mysql " + params_.describe() + ": " + std::string(what) + ": " +
                                     said + " (error " + std::to_string(number) + ")"};
}

Result<void> Connection::exec(const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return fail(error("query failed"));
  // Statements here return at most a small result; drain every one.
  do {
    if (MYSQL_RES* r = mysql_store_result(handle_))
      mysql_free_result(r);
    else if (mysql_field_count(handle_) != 0)
      return fail(error("reading the result failed"));
  } while (mysql_next_result(handle_) == 0);
  if (mysql_errno(handle_) != 0) return fail(error("query failed"));
  return {};
}

Result<std::int64_t> Connection::query_int(const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return fail(error("query failed"));
  MYSQL_RES* r = mysql_store_result(handle_);
  if (!r) return fail(error("reading the result failed"));
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> owned(r, mysql_free_result);
  MYSQL_ROW row = mysql_fetch_row(r);
  if (!row || !row[0])
    return fail(Error::permanent("mysql " + params_.describe() + ": the query returned no number"));
  std::int64_t v = 0;
  const std::string_view text(row[0]);
  if (std::from_chars(text.data(), text.data() + text.size(), v).ec != std::errc{})
    return fail(
        Error::permanent("mysql " + params_.describe() + ": not a number: " + std::string(text)));
  return v;
}

Result<st_mysql_res*> Connection::start_streaming(const std::string& sql) {
  if (mysql_real_query(handle_, sql.data(), sql.size()) != 0) return fail(error("query failed"));
  MYSQL_RES* r = mysql_use_result(handle_);
  if (!r) return fail(error("reading the result failed"));
  streaming_ = true;
  return r;
}

Result<void> Connection::finish_streaming(st_mysql_res* result) {
  // mysql_fetch_row returns null both at the end and on a lost connection; errno tells.
  const bool failed = mysql_errno(handle_) != 0;
  Error e = failed ? error("reading rows failed") : Error{};
  if (!failed) {
    mysql_free_result(result);  // reads nothing more: the rows are all read
    streaming_ = false;
    return {};
  }
  mysql_free_result(result);
  return fail(e);
}

void Connection::close() {
  kill_hook_.reset();
  if (handle_) mysql_close(handle_);
  handle_ = nullptr;
}

std::string Connection::server_version() const {
  return mysql_get_server_info(handle_);
}

ConnectionPool::Lease::~Lease() {
  if (connection_) connection_->bind(nullptr);
  if (!pool_ || !connection_ || !connection_->reusable()) return;
  std::lock_guard lock(pool_->mutex_);
  if (pool_->idle_.size() < pool_->max_idle_) pool_->idle_.push_back(std::move(*connection_));
}

Result<ConnectionPool::Lease> ConnectionPool::acquire(Deadline* deadline) {
  for (;;) {
    std::optional<Connection> c;
    {
      std::lock_guard lock(mutex_);
      if (idle_.empty()) break;
      c.emplace(std::move(idle_.back()));
      idle_.pop_back();
    }
    // A server that ended the session (restart, KILL, wait_timeout) fails the ping.
    if (c->exec("DO 0")) {
      c->bind(deadline);
      return Lease(this, std::move(*c));
    }
  }
  auto fresh = Connection::open(params_);
  if (!fresh) return fail(fresh.error());
  fresh->bind(deadline);
  return Lease(this, std::move(*fresh));
}

}  // namespace sluice::adapters::mysql
