#pragma once
// One connection to a ClickHouse server's HTTP interface (one keep-alive libcurl handle),
// what the source and the target say to it, and the classification of its answers.
//
// Written for the oldest server we support, Debian 12's 18.16: it has no query parameters
// (`param_x`), no exception-code header and no synchronous mutations, so values travel as
// escaped literals, errors are read from the `Code: N, e.displayText() = ...` body, and a
// DELETE mutation is waited for by polling system.mutations.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/core/deadline.hpp"
#include "framework/core/error.hpp"
#include "framework/core/window.hpp"
#include "framework/net/http_client.hpp"

namespace sluice::adapters::clickhouse {

struct ConnectionOptions {
  std::string url;  // `http://host:8123`, perhaps with a path; may carry credentials
  std::string user = "default";
  std::string password;
  std::string database = "default";
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  bool compression = true;
  bool tls_verify = true;
};

// `'text'` with backslash and quote escaped: ClickHouse string literal syntax.
std::string quote_string(std::string_view text);
// `a` or `db`.`a`: every dotted part in backquotes.
std::string quote_name(std::string_view name);
// One name in backquotes, dots and all (a column `t.x` of a join).
std::string quote_column(std::string_view name);
// toDateTime(<unix seconds>): a window bound the server's time zone cannot shift.
std::string datetime_literal(Instant t);

// The exception code at the start of a ClickHouse error body (`Code: 60, ...`), or -1.
int exception_code(std::string_view body);
// Unknown table or column, syntax, bad credentials, unparsable data: permanent. Timeouts,
// memory limits, too many parts or queries, network trouble: retryable. An unknown code is
// judged by the HTTP status.
ErrorKind classify_exception(int code, long http_status);
// `ClickHouse <what>: Code 60: Table db.t doesn't exist.`, classified.
Error server_error(std::string_view what, long http_status, std::string_view body);

// Safe to share between threads (the runner's workers share a pipeline's source and
// target): each request borrows an idle libcurl handle, whose connection stays open for the
// next one, or opens another.
//
// A statement given a `deadline` runs with `max_execution_time` at the time left (whole
// seconds, rounded up; ClickHouse checks it between blocks) and a query_id of its own; when
// the deadline passes, the watchdog sends `KILL QUERY WHERE query_id = ...` on a connection
// of its own and ends the request. Without one (a failed load's cleanup) neither applies.
class Session {
 public:
  explicit Session(ConnectionOptions options);

  // A statement whose answer is small (DDL, ALTER, count); the body comes back whole.
  Result<std::string> execute(const std::string& sql, std::string_view what,
                              Deadline* deadline = nullptr);
  // A SELECT whose TabSeparated answer is pushed to `consume` as it arrives. ClickHouse
  // reports an error found after the first bytes were sent inside the body, with status 200:
  // the stream's end is checked for it and for a cut-off last row.
  Result<void> select(const std::string& sql, const net::BodyConsumer& consume,
                      std::string_view what, Deadline* deadline = nullptr);
  // `INSERT INTO ... FORMAT TabSeparated` with the rows streamed from `rows`, as query
  // `query_id`. The body goes at the pace of whoever produces it (a streamed load lasts as
  // long as the extract), so no total timeout applies; a body or an answer that stalls for
  // `timeout` (at least a minute) ends it.
  Result<void> insert(const std::string& insert_sql, const net::BodySource& rows,
                      std::string_view what, const std::string& query_id);
  // Polls `count_sql` (a SELECT count() of running things: mutations, queries) until it
  // answers 0; retryable once `timeout` has passed.
  Result<void> wait_until_none(const std::string& count_sql, std::string_view what,
                               std::chrono::milliseconds timeout, Deadline* deadline = nullptr);

  Result<std::int64_t> count(const std::string& sql, std::string_view what,
                             Deadline* deadline = nullptr);

  const ConnectionOptions& options() const { return options_; }

 private:
  // The URL for one request: the server, its database, our settings and perhaps the query.
  Result<std::string> url_for(std::string_view query_in_url, bool insert,
                              std::string_view query_id = {});
  // `&name=value` of each setting the rows' text depends on that this server knows
  // (session.cpp), found out on the first request.
  Result<std::string> pinned();
  // Sends `request` (its URL from url_for) bounded by `deadline` when given: the class
  // comment says how.
  Result<net::HttpResponse> perform(net::HttpRequest request, Deadline* deadline);
  // The watchdog's cancel of a statement past its deadline.
  void kill(const std::string& query_id);

  // A borrowed client, back to the idle list when the request is done.
  class Lease {
   public:
    Lease(Session& session, std::unique_ptr<net::HttpClient> client)
        : session_(session), client_(std::move(client)) {}
    ~Lease() { session_.release(std::move(client_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    net::HttpClient* operator->() { return client_.get(); }

   private:
    Session& session_;
    std::unique_ptr<net::HttpClient> client_;
  };
  Lease acquire();
  void release(std::unique_ptr<net::HttpClient> client);

  ConnectionOptions options_;
  std::string base_;  // the URL without credentials (they go as basic authentication)
  net::HttpOptions http_;
  net::HttpOptions insert_http_;  // http_ without the total timeout
  std::mutex mutex_;
  std::vector<std::unique_ptr<net::HttpClient>> idle_;
  std::optional<std::string> pinned_;
};

}  // namespace sluice::adapters::clickhouse
