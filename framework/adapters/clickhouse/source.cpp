// ClickHouse as a source: count, and the window's rows streamed as COPY text blocks.
#include <fmt/format.h>

#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/copy_text.hpp"
#include "framework/observe/log.hpp"

namespace sluice::adapters::clickhouse {
namespace {

std::string replace_all(std::string text, std::string_view from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// Cuts the TabSeparatedWithNames stream into the header (the columns, given to begin()) and
// blocks of whole rows of about kBlock bytes (given to copy_block()). Holds at most one block
// plus one network chunk, whatever the window's size.
class RowBlocks {
 public:
  static constexpr std::size_t kBlock = 1 << 20;

  explicit RowBlocks(RowSink& sink) : sink_(sink) {}

  Result<void> push(std::string_view bytes) {
    pending_ += bytes;
    if (!begun_) {
      const auto eol = pending_.find('\n');
      if (eol == std::string::npos) return {};
      if (auto r = begin(std::string_view(pending_).substr(0, eol + 1)); !r) return r;
      pending_.erase(0, eol + 1);
    }
    if (pending_.size() >= kBlock) return flush(false);
    return {};
  }

  // The end of the stream: what is left must be whole rows.
  Result<void> finish() {
    if (!begun_) return fail(Error::permanent("ClickHouse SELECT: the answer has no header line"));
    return flush(true);
  }

  std::int64_t rows() const { return rows_; }

 private:
  Result<void> begin(std::string_view header) {
    copy_text::Decoder decoder;
    std::vector<Field> names;
    auto decoded = decoder.next(header, names);
    if (!decoded) return fail(decoded.error());
    std::vector<Column> columns;
    columns.reserve(names.size());
    for (const auto& name : names) columns.push_back(Column{std::string(name.value_or("NULL"))});
    begun_ = true;
    return sink_.begin(columns);
  }

  Result<void> flush(bool all) {
    const auto last = pending_.rfind('\n');
    if (last == std::string::npos) {
      if (all && !pending_.empty())
        return fail(Error::retryable("ClickHouse SELECT: the answer ends inside a row"));
      return {};
    }
    const std::string_view block(pending_.data(), last + 1);
    const std::int64_t n = copy_text::count_rows(block);
    if (auto r = sink_.copy_block(block, n); !r) return r;
    rows_ += n;
    pending_.erase(0, last + 1);
    return {};
  }

  RowSink& sink_;
  std::string pending_;
  bool begun_ = false;
  std::int64_t rows_ = 0;
};

// A value of a column `type`d DateTime...: how to write it in UTC, or empty when nothing
// needs to be written differently (no DateTime in it, or one inside a Tuple or a nested
// Array, which the query must convert itself).
std::string in_utc(const std::string& column, std::string_view type) {
  if (type.find("DateTime") == std::string_view::npos) return {};
  const auto scalar = [](std::string_view t) {
    for (std::string_view wrapper : {"Nullable(", "LowCardinality("})
      if (t.starts_with(wrapper)) t.remove_prefix(wrapper.size());
    return t.starts_with("DateTime");
  };
  if (scalar(type)) return "toTimeZone(" + column + ", 'UTC')";
  if (type.starts_with("Array(") && scalar(type.substr(6)))
    return "arrayMap(x -> toTimeZone(x, 'UTC'), " + column + ")";
  return {};
}

class ClickHouseSource final : public Source {
 public:
  explicit ClickHouseSource(SourceOptions o)
      : options_(std::move(o)), session_(options_.connection) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    return session_.count("SELECT count() FROM (" + window_select(options_, ctx.window) + ")",
                          "count", ctx.deadline);
  }

  Result<bool> has_rows(const WindowContext& ctx) override {
    auto n = session_.count(
        "SELECT count() FROM (SELECT 1 FROM (" + window_select(options_, ctx.window) + ") LIMIT 1)",
        "count", ctx.deadline);
    if (!n) return fail(n.error());
    return *n > 0;
  }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    auto select = utc_select(window_select(options_, ctx.window), ctx.deadline);
    if (!select) return fail(select.error());
    RowBlocks blocks(sink);
    auto r = session_.select(
        *select + " FORMAT TabSeparatedWithNames",
        [&](std::string_view bytes) { return blocks.push(bytes); }, "SELECT", ctx.deadline);
    if (!r) return fail(r.error());
    if (auto f = blocks.finish(); !f) return fail(f.error());
    if (auto e = sink.end(); !e) return fail(e.error());
    observe::logger("adapter.clickhouse")
        ->debug("{} extracted {} rows", observe::window_context(ctx.pipeline, ctx.window, ctx.run),
                blocks.rows());
    return blocks.rows();
  }

 private:
  // ClickHouse writes a DateTime in its column's zone, or the server's (18.16 has no
  // session_timezone), without an offset; the stage's timestamps without one are UTC. So
  // DateTime columns are converted to UTC on the server, which knows each instant exactly
  // (the text of a DST fold would not). DESCRIBE reads the columns without running the query.
  Result<std::string> utc_select(const std::string& select, Deadline* deadline) {
    auto described = session_.execute("DESCRIBE TABLE (" + select + ") FORMAT TabSeparated",
                                      "DESCRIBE of the SELECT", deadline);
    if (!described) return fail(described.error());
    std::string columns;
    bool converted = false;
    copy_text::Decoder decoder;
    std::string_view rest(*described);
    std::vector<Field> fields;
    for (;;) {
      auto decoded = decoder.next(rest, fields);
      if (!decoded) return fail(decoded.error());
      if (!*decoded) break;
      if (fields.size() < 2 || !fields[0] || !fields[1])
        return fail(Error::permanent("ClickHouse DESCRIBE: unexpected answer"));
      // One name, dots and all (`t.x` of a join): quote_name would split it.
      const std::string name = quote_column(*fields[0]);
      const std::string utc = in_utc(name, *fields[1]);
      converted = converted || !utc.empty();
      if (!columns.empty()) columns += ", ";
      columns += utc.empty() ? name : fmt::format("{} AS {}", utc, name);
    }
    if (!converted) return select;
    return "SELECT " + columns + " FROM (" + select + ")";
  }

  SourceOptions options_;
  Session session_;
};

}  // namespace

std::string window_select(const SourceOptions& o, const Window& window) {
  const std::string start = datetime_literal(window.start), end = datetime_literal(window.end);
  if (o.query) {
    std::string select =
        replace_all(replace_all(*o.query, "{window_start}", start), "{window_end}", end);
    if (o.time_column.empty()) return select;
    const std::string col = quote_name(o.time_column);
    return "SELECT * FROM (" + select + ") WHERE " + col + " >= " + start + " AND " + col + " < " +
           end;
  }
  const std::string col = quote_name(o.time_column);
  return "SELECT * FROM " + quote_name(o.table.value_or("")) + " WHERE " + col + " >= " + start +
         " AND " + col + " < " + end;
}

std::unique_ptr<Source> make_source(SourceOptions options) {
  return std::make_unique<ClickHouseSource>(std::move(options));
}

}  // namespace sluice::adapters::clickhouse
