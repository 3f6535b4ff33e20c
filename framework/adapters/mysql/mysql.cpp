#include "framework/adapters/mysql/mysql.hpp"

#include <mysql.h>

#include <date/date.h>

#include "framework/adapters/common_keys.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/mysql/encode.hpp"
#include "framework/adapters/mysql/keys.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::mysql {
namespace {

constexpr std::string_view kStart = "CAST(@sluice_window_start AS DATETIME(6))";
constexpr std::string_view kEnd = "CAST(@sluice_window_end AS DATETIME(6))";
constexpr std::size_t kBlockBytes = 1 << 20;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// The bounds as session variables: their values are our own formatting of the window, and
// the statement that uses them is the same text for every window. The same SET limits the
// statement's time to what is left before the deadline.
Result<void> bind_window(Connection& conn, const Window& w) {
  auto limit = conn.limit_assignment();
  if (!limit) return fail(limit.error());
  return conn.exec(date::format("SET @sluice_window_start = '%Y-%m-%d %H:%M:%S', ", w.start) +
                   date::format("@sluice_window_end = '%Y-%m-%d %H:%M:%S'", w.end) + *limit);
}

class MysqlSource final : public Source {
 public:
  explicit MysqlSource(SourceOptions o)
      : options_(std::move(o)), select_(window_select(options_)), pool_(options_.connection) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    return query_int(ctx, "SELECT count(*) FROM (" + select_ + ") AS w");
  }

  Result<bool> has_rows(const WindowContext& ctx) override {
    auto n = query_int(ctx, "SELECT EXISTS (SELECT 1 FROM (" + select_ + ") AS w)");
    if (!n) return fail(n.error());
    return *n != 0;
  }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = bind_window(**conn, ctx.window); !r) return fail(r.error());
    auto result = (*conn)->start_streaming(select_);
    if (!result) return fail(result.error());
    auto rows = stream(*result, sink);
    // After a sink error the rest of the result is read and dropped: libmariadb has no other
    // way to end a streamed result and keep the connection.
    auto finished = (*conn)->finish_streaming(*result);
    if (!rows) return rows;
    if (!finished) return fail(finished.error());
    if (auto r = sink.end(); !r) return fail(r.error());
    observe::logger("adapter.mysql")
        ->debug("{} extracted {} rows", observe::window_context(ctx.pipeline, ctx.window, ctx.run),
                *rows);
    return rows;
  }

 private:
  Result<std::int64_t> query_int(const WindowContext& ctx, const std::string& sql) {
    auto conn = pool_.acquire(ctx.deadline);
    if (!conn) return fail(conn.error());
    if (auto r = bind_window(**conn, ctx.window); !r) return fail(r.error());
    return (*conn)->query_int(sql);
  }

  // Rows straight into COPY text blocks of about kBlockBytes: memory stays at one block
  // and one row, whatever the window holds.
  static Result<std::int64_t> stream(MYSQL_RES* result, RowSink& sink) {
    const unsigned n = mysql_num_fields(result);
    const MYSQL_FIELD* fields = mysql_fetch_fields(result);
    std::vector<Column> columns;
    std::vector<Encoding> encodings;
    std::vector<unsigned long> bits;
    for (unsigned i = 0; i < n; ++i) {
      columns.push_back(Column{std::string(fields[i].name, fields[i].name_length)});
      encodings.push_back(encoding_of(fields[i].type, fields[i].charsetnr));
      bits.push_back(fields[i].length);
    }
    if (auto r = sink.begin(columns); !r) return fail(r.error());
    std::string block;
    block.reserve(kBlockBytes + 4096);
    std::int64_t total = 0, in_block = 0;
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      const unsigned long* lengths = mysql_fetch_lengths(result);
      for (unsigned i = 0; i < n; ++i) {
        if (i) block += '\t';
        if (!row[i]) {
          block += "\\N";
        } else {
          append_value(block, encodings[i], std::string_view(row[i], lengths[i]), bits[i]);
        }
      }
      block += '\n';
      ++total;
      if (++in_block, block.size() >= kBlockBytes) {
        if (auto r = sink.copy_block(block, in_block); !r) return fail(r.error());
        block.clear();
        in_block = 0;
      }
    }
    if (in_block > 0) {
      if (auto r = sink.copy_block(block, in_block); !r) return fail(r.error());
    }
    return total;
  }

  SourceOptions options_;
  std::string select_;
  ConnectionPool pool_;
};

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string quote_qualified(std::string_view name) {
  const auto dot = name.find('.');
  if (dot == std::string_view::npos) return quote_identifier(name);
  return quote_identifier(name.substr(0, dot)) + "." + quote_identifier(name.substr(dot + 1));
}

std::string window_select(const SourceOptions& o) {
  if (o.query) {
    std::string q =
        replace_all(replace_all(*o.query, "{window_start}", kStart), "{window_end}", kEnd);
    if (o.time_column.empty()) return q;
    const std::string col = "w." + quote_identifier(o.time_column);
    return "SELECT * FROM (" + q + ") AS w WHERE " + col + " >= " + std::string(kStart) + " AND " +
           col + " < " + std::string(kEnd);
  }
  const std::string col = quote_identifier(o.time_column);
  return "SELECT * FROM " + quote_qualified(o.table.value_or("")) + " WHERE " + col +
         " >= " + std::string(kStart) + " AND " + col + " < " + std::string(kEnd);
}

Result<ConnectParams> connect_params(const adapters::ConnectionConfig& connection) {
  const auto c = config::bind(connection_binding(), connection.params);
  ConnectParams p;
  if (c.url) {
    if (!c.url->is_resolved())
      return fail(Error::permanent("connection '" + connection.name + "': url is not resolved"));
    auto parsed = parse_url(c.url->reveal());
    if (!parsed)
      return fail(
          Error::permanent("connection '" + connection.name + "': " + parsed.error().message));
    p = *parsed;
  } else if (c.host) {
    p.host = *c.host;
    if (c.port) p.port = *c.port;
    p.database = c.database;
    p.user = c.user;
    if (c.password) {
      if (!c.password->is_resolved())
        return fail(
            Error::permanent("connection '" + connection.name + "': password is not resolved"));
      p.password = c.password->reveal();
    }
  } else {
    return fail(Error::permanent("connection '" + connection.name + "' has no url or host"));
  }
  // Keys written beside the URL override what it says; their defaults do not.
  const bool url = c.url.has_value();
  if (!url || c.ssl_mode.written) p.ssl_mode = c.ssl_mode.value;
  if (!url || c.charset.written) p.charset = c.charset.value;
  if (!url || c.connect_timeout.written) p.connect_timeout = c.connect_timeout.value;
  return p;
}

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  auto params = connect_params(connection);
  if (!params) return fail(params.error());
  auto s = config::bind(sql_source_binding(), source.params);
  return make_source({*params, std::move(s.query), std::move(s.table), std::move(s.time_column)});
}

Result<std::string> probe(const adapters::ConnectionConfig& connection) {
  auto params = connect_params(connection);
  if (!params) return fail(params.error());
  auto conn = Connection::open(*params);
  if (!conn) return fail(conn.error());
  if (auto r = conn->exec("DO 0"); !r) return fail(r.error());
  return conn->server_version().find("MariaDB") != std::string::npos
             ? "MariaDB " + conn->server_version()
             : "MySQL " + conn->server_version();
}

std::unique_ptr<Source> make_source(SourceOptions options) {
  return std::make_unique<MysqlSource>(std::move(options));
}

}  // namespace sluice::adapters::mysql
