// ClickHouse for data checks (window_query.hpp): the window's rows of a source (its query or
// table) or of a target table, as window_select writes them, and assertion queries with the
// placeholders as literals of the window (18.16 has no query parameters). Answers come as
// TabSeparated, which the COPY text decoder reads (NULL is `\N`).
#include "framework/adapters/clickhouse/clickhouse.hpp"
#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/window_query.hpp"

namespace sluice::adapters::clickhouse {
namespace {

class ClickHouseCheckServer final : public CheckServer {
 public:
  ClickHouseCheckServer(ConnectionOptions options, std::optional<SourceOptions> rows)
      : session_(std::move(options)), rows_(std::move(rows)) {}

  sql::Dialect dialect() const override { return sql::Dialect::clickhouse; }
  std::string quote(std::string_view column) const override { return quote_column(column); }

  std::string window_rows(const Window& w) const override {
    return rows_ ? window_select(*rows_, w) : std::string();
  }

  Result<std::vector<TextRow>> select(const WindowContext& ctx, const std::string& statement,
                                      const sql::Scanned* scanned) override {
    const std::string text = scanned ? sql::render(statement, *scanned, literals(ctx)) : statement;
    auto body = session_.execute(text + " FORMAT TabSeparated", "data check", ctx.deadline);
    if (!body) return fail(body.error());
    std::vector<TextRow> rows;
    copy_text::Decoder decoder;
    std::string_view rest(*body);
    std::vector<Field> fields;
    for (;;) {
      auto decoded = decoder.next(rest, fields);
      if (!decoded) return fail(decoded.error());
      if (!*decoded) break;
      auto& row = rows.emplace_back();
      for (const auto& f : fields) row.push_back(f ? std::optional<std::string>(*f) : std::nullopt);
    }
    if (!rest.empty())
      return fail(Error::retryable("ClickHouse data check: the answer ends inside a row"));
    return rows;
  }

 private:
  Session session_;
  std::optional<SourceOptions> rows_;
};

}  // namespace

std::unique_ptr<CheckServer> make_check_server(ConnectionOptions options,
                                               std::optional<SourceOptions> rows) {
  return std::make_unique<ClickHouseCheckServer>(std::move(options), std::move(rows));
}

}  // namespace sluice::adapters::clickhouse
