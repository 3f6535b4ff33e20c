#include "framework/adapters/clickhouse/session.hpp"

#include <curl/curl.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// Credentials written into the URL become basic authentication (unless `user`/`password`
// say otherwise), so that no request URL ever carries them.
struct SplitUrl {
  std::string base;
  std::string user;
  std::string password;
};

SplitUrl split_credentials(const std::string& url) {
  SplitUrl out{url, {}, {}};
  CURLU* u = curl_url();
  if (!u) return out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    if (curl_url_get(u, CURLUPART_USER, &part, CURLU_URLDECODE) == CURLUE_OK) out.user = part;
    curl_free(part);
    part = nullptr;
    if (curl_url_get(u, CURLUPART_PASSWORD, &part, CURLU_URLDECODE) == CURLUE_OK)
      out.password = part;
    curl_free(part);
    part = nullptr;
    curl_url_set(u, CURLUPART_USER, nullptr, 0);
    curl_url_set(u, CURLUPART_PASSWORD, nullptr, 0);
    curl_url_set(u, CURLUPART_QUERY, nullptr, 0);
    curl_url_set(u, CURLUPART_FRAGMENT, nullptr, 0);
    if (curl_url_get(u, CURLUPART_URL, &part, 0) == CURLUE_OK) out.base = part;
    curl_free(part);
  }
  curl_url_cleanup(u);
  while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
  return out;
}

net::HttpOptions http_options(const ConnectionOptions& o, const SplitUrl& split) {
  net::HttpOptions h;
  h.connect_timeout = o.connect_timeout;
  h.total_timeout = o.timeout;
  h.tls_verify = o.tls_verify;
  h.accept_compressed = o.compression;
  const bool url_credentials = !split.user.empty() && o.password.empty() && o.user == "default";
  h.user = url_credentials ? split.user : o.user;
  h.password = url_credentials ? split.password : o.password;
  return h;
}

// The last line of a stream, if it is an exception ClickHouse appended after sending rows:
// `Code: 395, e.displayText() = DB::Exception: ...` (18.x) or `Code: 395. DB::Exception: ...`.
bool is_exception_line(std::string_view line) {
  if (line.substr(0, 6) != "Code: ") return false;
  std::size_t i = 6;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 6) return false;
  const std::string_view rest = line.substr(i);
  return rest.substr(0, 19) == ", e.displayText() =" || rest.substr(0, 16) == ". DB::Exception:";
}

// The settings the TabSeparated text of the rows depends on, each pinned when the server
// knows it (ClickHouse refuses a setting it does not know, and 18.16 knows few of these), so
// that no profile of the user's changes what is read or written.
struct Pinned {
  std::string_view name, value;
};
constexpr Pinned kPinned[] = {
    // Input: rows are read as written, an unreadable one fails the load instead of being
    // skipped; PostgreSQL's `2024-01-01 00:00:00+00` needs best_effort.
    {"date_time_input_format", "best_effort"},
    {"input_format_allow_errors_num", "0"},
    {"input_format_allow_errors_ratio", "0"},
    {"input_format_tsv_empty_as_default", "0"},
    {"input_format_tsv_enum_as_number", "0"},
    // Output, for servers after 18.16: the forms COPY text and the PostgreSQL target read.
    {"session_timezone", "UTC"},
    {"date_time_output_format", "simple"},
    {"output_format_decimal_trailing_zeros", "0"},
    {"output_format_tsv_crlf_end_of_line", "0"},
    {"format_tsv_null_representation", "\\N"},
    {"output_format_tsv_null_representation", "\\N"},
    {"bool_true_representation", "true"},
    {"bool_false_representation", "false"},
};

std::string pinned_query() {
  std::string names;
  for (const auto& p : kPinned) names += (names.empty() ? "" : ", ") + quote_string(p.name);
  return "SELECT name FROM system.settings WHERE name IN (" + names + ") FORMAT TabSeparated";
}

}  // namespace

std::string quote_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '\0': out += "\\0"; break;
      default: out += c;
    }
  }
  return out + "'";
}

std::string quote_column(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  return out + '`';
}

std::string quote_name(std::string_view name) {
  std::string out;
  for (;;) {
    const auto dot = name.find('.');
    out += quote_column(name.substr(0, dot));
    if (dot == std::string_view::npos) break;
    out += '.';
    name.remove_prefix(dot + 1);
  }
  return out;
}

std::string datetime_literal(Instant t) {
  return fmt::format("toDateTime({})", t.time_since_epoch().count());
}

int exception_code(std::string_view body) {
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  if (body.substr(0, 6) != "Code: ") return -1;
  int code = -1;
  std::from_chars(body.data() + 6, body.data() + body.size(), code);
  return code;
}

ErrorKind classify_exception(int code, long http_status) {
  switch (code) {
    case 159:  // TIMEOUT_EXCEEDED
    case 160:  // TOO_SLOW
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 203:  // NO_FREE_CONNECTION
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 236:  // ABORTED
    case 241:  // MEMORY_LIMIT_EXCEEDED
    case 242:  // TABLE_IS_READ_ONLY (a replica that lost ZooKeeper)
    case 252:  // TOO_MANY_PARTS
    case 319:  // UNKNOWN_STATUS_OF_INSERT
    case 394:  // QUERY_WAS_CANCELLED
    case 425:  // SYSTEM_ERROR
    case 473:  // DEADLOCK_AVOIDED
    case 999:  // KEEPER_EXCEPTION
      return ErrorKind::retryable;
    case 6:    // CANNOT_PARSE_TEXT
    case 10:   // NOT_FOUND_COLUMN_IN_BLOCK
    case 16:   // NO_SUCH_COLUMN_IN_TABLE
    case 20:   // NUMBER_OF_COLUMNS_DOESNT_MATCH
    case 25:   // CANNOT_PARSE_ESCAPE_SEQUENCE
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 36:   // BAD_ARGUMENTS
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 43:   // ILLEGAL_TYPE_OF_ARGUMENT
    case 44:   // ILLEGAL_COLUMN
    case 46:   // UNKNOWN_FUNCTION
    case 47:   // UNKNOWN_IDENTIFIER
    case 48:   // NOT_IMPLEMENTED
    case 53:   // TYPE_MISMATCH
    case 57:   // TABLE_ALREADY_EXISTS
    case 60:   // UNKNOWN_TABLE
    case 62:   // SYNTAX_ERROR
    case 69:   // ARGUMENT_OUT_OF_BOUND
    case 70:   // CANNOT_CONVERT_TYPE
    case 72:   // CANNOT_PARSE_NUMBER
    case 81:   // UNKNOWN_DATABASE
    case 115:  // UNKNOWN_SETTING
    case 117:  // INCORRECT_DATA
    case 131:  // TOO_LARGE_STRING_SIZE
    case 164:  // READONLY
    case 192:  // UNKNOWN_USER
    case 193:  // WRONG_PASSWORD
    case 194:  // REQUIRED_PASSWORD
    case 195:  // IP_ADDRESS_NOT_ALLOWED
    case 349:  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
    case 395:  // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO
    case 497:  // ACCESS_DENIED
    case 516:  // AUTHENTICATION_FAILED
      return ErrorKind::permanent;
    default:
      if (http_status == 0) return ErrorKind::permanent;  // inside a 200 body: data or query
      return net::retryable_status(http_status) ? ErrorKind::retryable : ErrorKind::permanent;
  }
}

Error server_error(std::string_view what, long http_status, std::string_view body) {
  const int code = exception_code(body);
  if (code < 0) {
    return net::classify_status(http_status, "ClickHouse " + std::string(what), body);
  }
  // `Code: 60, e.displayText() = DB::Exception: Table t doesn't exist., e.what() = ...`
  std::string_view text = body;
  if (auto p = text.find("DB::Exception: "); p != std::string_view::npos)
    text.remove_prefix(p + 15);
  if (auto p = text.find(", e.what() ="); p != std::string_view::npos) text = text.substr(0, p);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.size() > 500) text = text.substr(0, 500);
  return Error{classify_exception(code, http_status),
               fmt::format("ClickHouse {}: Code {}: {}", what, code, text)};
}

Session::Session(ConnectionOptions options) : options_(std::move(options)) {
  const SplitUrl split = split_credentials(options_.url);
  base_ = split.base;
  http_ = http_options(options_, split);
  insert_http_ = http_;
  insert_http_.total_timeout = std::chrono::milliseconds(0);
  insert_http_.low_speed_time = std::max(
      std::chrono::seconds(60), std::chrono::duration_cast<std::chrono::seconds>(options_.timeout));
}

Session::Lease Session::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(client));
    }
  }
  return Lease(*this, std::make_unique<net::HttpClient>(http_));
}

void Session::release(std::unique_ptr<net::HttpClient> client) {
  constexpr std::size_t kMaxIdle = 8;
  std::lock_guard lock(mutex_);
  if (client && idle_.size() < kMaxIdle) idle_.push_back(std::move(client));
}

Result<std::string> Session::pinned() {
  {
    std::lock_guard lock(mutex_);
    if (pinned_) return *pinned_;
  }
  // Asked once per session, without the settings themselves: they may be unknown here.
  auto r = acquire()->perform({.method = "POST",
                               .url = base_ + "/?database=" + percent_encode(options_.database),
                               .body = pinned_query()});
  if (!r) return fail(Error{r.error().kind, "ClickHouse settings: " + r.error().message});
  if (!r->ok()) return fail(server_error("settings", r->status, r->body));
  std::string fragment;
  for (const auto& p : kPinned) {
    if (("\n" + r->body).find("\n" + std::string(p.name) + "\n") != std::string::npos)
      fragment += "&" + std::string(p.name) + "=" + percent_encode(p.value);
  }
  std::lock_guard lock(mutex_);
  pinned_ = fragment;
  return fragment;
}

Result<std::string> Session::url_for(std::string_view query_in_url, bool insert,
                                     std::string_view query_id) {
  auto settings = pinned();
  if (!settings) return fail(settings.error());
  std::string url = base_ + "/?database=" + percent_encode(options_.database) + *settings;
  if (!query_id.empty()) url += "&query_id=" + percent_encode(query_id);
  if (options_.compression && !insert) url += "&enable_http_compression=1";
  if (!query_in_url.empty()) url += "&query=" + percent_encode(query_in_url);
  return url;
}

Result<net::HttpResponse> Session::perform(net::HttpRequest request, Deadline* deadline) {
  if (!deadline || !deadline->at()) return acquire()->perform(request);
  const auto left = deadline->remaining();
  if (left->count() == 0)
    return fail(Error::retryable("statement not sent: its deadline has passed"));
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string query_id = fmt::format("sluice-{:016x}", random());
  request.url +=
      fmt::format("&max_execution_time={}&query_id={}", (left->count() + 999) / 1000, query_id);
  std::atomic<bool> aborted{false};
  // The server's limit answers first, with an error saying so; the transfer's own cap is for
  // a server that does not answer at all (the watchdog aborts it at the deadline anyway).
  request.deadline = *deadline->at() + std::chrono::seconds(5);
  request.abort = &aborted;
  const auto hook = deadline->on_expiry([this, &aborted, query_id] {
    aborted = true;
    kill(query_id);
  });
  return acquire()->perform(request);
}

void Session::kill(const std::string& query_id) {
  net::HttpOptions options = http_;
  options.total_timeout = std::chrono::seconds(10);
  net::HttpClient client(options);
  auto r = client.perform({.method = "POST",
                           .url = base_ + "/?database=" + percent_encode(options_.database),
                           .body = "KILL QUERY WHERE query_id = " + quote_string(query_id)});
  if (!r || !r->ok())
    observe::logger("adapter.clickhouse")
        ->warn("KILL QUERY of {} past its deadline failed: {}", query_id,
               r ? server_error("KILL QUERY", r->status, r->body).message : r.error().message);
}

Result<std::string> Session::execute(const std::string& sql, std::string_view what,
                                     Deadline* deadline) {
  auto url = url_for({}, false);
  if (!url) return fail(url.error());
  auto r = perform({.method = "POST", .url = *url, .body = sql}, deadline);
  if (!r)
    return fail(
        Error{r.error().kind, "ClickHouse " + std::string(what) + ": " + r.error().message});
  if (!r->ok()) return fail(server_error(what, r->status, r->body));
  return std::move(r->body);
}

Result<std::int64_t> Session::count(const std::string& sql, std::string_view what,
                                    Deadline* deadline) {
  auto body = execute(sql, what, deadline);
  if (!body) return fail(body.error());
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(body->data(), body->data() + body->size(), n);
  if (ec != std::errc() || end == body->data()) {
    return fail(Error::permanent("ClickHouse " + std::string(what) + ": expected a number, got '" +
                                 body->substr(0, 100) + "'"));
  }
  return n;
}

Result<void> Session::select(const std::string& sql, const net::BodyConsumer& consume,
                             std::string_view what, Deadline* deadline) {
  std::string tail;  // the stream's last bytes, to find an exception appended to it
  constexpr std::size_t kTail = 16 * 1024;
  auto url = url_for({}, false);
  if (!url) return fail(url.error());
  auto r = perform({.method = "POST",
                    .url = *url,
                    .body = sql,
                    .on_body = [&](std::string_view bytes) -> Result<void> {
                      if (bytes.size() >= kTail) {
                        tail.assign(bytes.substr(bytes.size() - kTail));
                      } else {
                        tail += bytes;
                        if (tail.size() > 2 * kTail) tail.erase(0, tail.size() - kTail);
                      }
                      return consume(bytes);
                    }},
                   deadline);
  if (!r)
    return fail(
        Error{r.error().kind, "ClickHouse " + std::string(what) + ": " + r.error().message});
  if (!r->ok()) return fail(server_error(what, r->status, r->body));
  if (tail.empty()) return {};
  if (tail.back() != '\n') {
    return fail(
        Error::retryable("ClickHouse " + std::string(what) + ": the answer ends inside a row"));
  }
  std::string_view last(tail.data(), tail.size() - 1);
  if (auto nl = last.rfind('\n'); nl != std::string_view::npos) last.remove_prefix(nl + 1);
  if (is_exception_line(last)) return fail(server_error(what, 0, last));
  return {};
}

Result<void> Session::insert(const std::string& insert_sql, const net::BodySource& rows,
                             std::string_view what, const std::string& query_id) {
  bool rows_failed = false;
  // A client of its own: the pooled ones keep the total timeout, and one connection per load
  // costs nothing beside the load.
  net::HttpClient client(insert_http_);
  auto url = url_for(insert_sql, true, query_id);
  if (!url) return fail(url.error());
  auto r = client.perform(
      {.method = "POST", .url = *url, .body_source = [&]() -> Result<std::string_view> {
         auto block = rows();
         rows_failed = !block;
         return block;
       }});
  if (!r) {
    // The rows' own error (reading the stage) keeps its message; a transport error gets ours.
    if (rows_failed) return fail(r.error());
    return fail(
        Error{r.error().kind, "ClickHouse " + std::string(what) + ": " + r.error().message});
  }
  if (!r->ok()) return fail(server_error(what, r->status, r->body));
  return {};
}

Result<void> Session::wait_until_none(const std::string& count_sql, std::string_view what,
                                      std::chrono::milliseconds timeout, Deadline* deadline) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(10);
  for (;;) {
    auto running = count(count_sql, what, deadline);
    if (!running) return fail(running.error());
    if (*running == 0) return {};
    if (std::chrono::steady_clock::now() >= until) {
      return fail(Error::retryable(
          fmt::format("ClickHouse: {} {} still running after {}s", *running, what,
                      std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

}  // namespace sluice::adapters::clickhouse
