// A pipeline's `checks:` (README, Data checks): each item one kind with its own keys, its
// columns among those the config knows the target has, the servers able to run it, an
// assertion query scanned in its server's dialect. Every error points where it is: the item,
// the key, the column in its list, the character of the query.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>

#include "framework/adapters/ddl.hpp"
#include "framework/adapters/sql_template.hpp"
#include "framework/config/build.hpp"
#include "framework/core/suggest.hpp"
#include "framework/schema/scalar_position.hpp"

namespace sluice::config {
namespace {

using Kind = CheckSpec::Kind;
constexpr std::array kKinds{Kind::not_null, Kind::unique, Kind::sum_match, Kind::sql};

// The target's columns, when the config says what they are, and where it says so.
struct KnownColumns {
  std::vector<std::string> names;
  std::string from;  // `ddl`, `transform.columns`, `source.columns`
  adapters::sql::Dialect dialect = adapters::sql::Dialect::postgres;
  bool folds = false;  // names compare as the ddl's server compares them

  bool has(std::string_view name) const {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
      return folds ? adapters::sql::same_name(n, name, dialect) : n == name;
    });
  }
};

std::vector<std::string> source_columns(const PipelineConfig& p) {
  if (const auto* list = p.source.params.get<std::vector<std::string>>("columns")) return *list;
  std::vector<std::string> out;
  if (const auto* map = p.source.params.get<NamedStrings>("columns"))
    for (const auto& [name, _] : *map) out.push_back(name);
  return out;
}

// The ddl's columns, else the transform's when it lists the loaded ones, else the source's
// `columns` (rows unchanged on their way); nullopt when none of them says.
std::optional<KnownColumns> target_columns(const PipelineConfig& p,
                                           const adapters::AdapterInfo* target) {
  if (p.ddl && target) {
    auto parsed = adapters::sql::parse_create_table(*p.ddl, target->sql_dialect);
    if (!parsed) return std::nullopt;  // reported on `ddl`
    KnownColumns k{{}, "ddl", target->sql_dialect, true};
    for (const auto& c : parsed->columns) k.names.push_back(c.name);
    return k;
  }
  if (const Fields* t = p.fields.section("transform")) {
    KnownColumns k{{}, "transform.columns"};
    bool reshapes = false;
    for (const Fields& c : t->list("columns")) {
      k.names.push_back(c.string_or("name"));
      reshapes = reshapes || !c.is_set("sql");
    }
    if (reshapes) return k;
  }
  auto listed = source_columns(p);
  if (listed.empty()) return std::nullopt;
  return KnownColumns{std::move(listed), "source.columns"};
}

std::string unknown_column(std::string_view name, const KnownColumns& known) {
  std::vector<std::string_view> names(known.names.begin(), known.names.end());
  std::string message = fmt::format("unknown column '{}'", name);
  if (auto close = closest_match(name, names)) return message + " (did you mean '" + *close + "'?)";
  std::string all;
  for (auto n : names) all += (all.empty() ? "" : ", ") + std::string(n);
  return message + " (the " + known.from + " has: " + all + ")";
}

// `tolerance: 0.5%` or `0.01`, already checked by the key table.
void parse_tolerance(const Fields& item, CheckSpec& c) {
  std::string text = item.string_or("tolerance", "0");
  c.tolerance_percent = !text.empty() && text.back() == '%';
  if (c.tolerance_percent) text.pop_back();
  c.tolerance = std::strtod(text.c_str(), nullptr);
}

class ChecksBuilder {
 public:
  ChecksBuilder(PipelineConfig& p, const YAML::Node& root, const DaemonConfig& daemon,
                const CheckContext& ctx)
      : p_(p), daemon_(daemon), ctx_(ctx), list_(value_node(root, "checks")) {
    if (!p.target.kind.empty()) target_ = adapters::find_adapter(p.target.kind);
    if (!p.source.kind.empty()) source_ = adapters::find_adapter(p.source.kind);
    known_ = target_columns(p, target_);
  }

  void build() {
    const auto& items = p_.fields.list("checks");
    for (std::size_t i = 0; i < items.size(); ++i)
      if (auto c = build_one(items[i], i)) p_.checks.push_back(std::move(*c));
  }

 private:
  std::optional<CheckSpec> build_one(const Fields& item, std::size_t i) {
    std::vector<Kind> kinds;
    for (auto k : kKinds)
      if (item.is_set(to_string(k))) kinds.push_back(k);
    if (kinds.empty()) {
      ctx_.error(item.where(), item.path(),
                 "a check needs one of not_null, unique, sum_match or sql");
      return std::nullopt;
    }
    if (kinds.size() > 1) {
      item.error(
          *ctx_.diags, to_string(kinds[1]),
          fmt::format("one kind per check: {} is set too; make two checks", to_string(kinds[0])));
      return std::nullopt;
    }
    CheckSpec c;
    c.kind = kinds[0];
    c.warn = item.string_or("severity", "error") == "warn";
    c.where = item.where();
    only_with(item, "tolerance", Kind::sum_match, c.kind);
    for (std::string_view key : {"connection", "min", "max"})
      only_with(item, key, Kind::sql, c.kind);
    bool ok = true;
    switch (c.kind) {
      case Kind::not_null:
      case Kind::unique: ok = column_list(item, i, c); break;
      case Kind::sum_match: ok = sum_match(item, c); break;
      case Kind::sql: ok = assertion(item, c); break;
    }
    c.name = item.string_or("name");
    if (!item.is_set("name")) c.name = derived_name(c, i);
    const auto [it, fresh] = names_.emplace(c.name, i);
    if (!fresh) {
      const std::string message = fmt::format(
          "check name '{}' is taken by checks[{}]{}", c.name, it->second,
          item.is_set("name") ? "" : " (the name derived from its kind and columns): set `name`");
      if (item.is_set("name")) {
        item.error(*ctx_.diags, "name", message);
      } else {
        ctx_.error(item.where(), item.path(), message);
      }
      ok = false;
    }
    if (!ok) return std::nullopt;
    return c;
  }

  void only_with(const Fields& item, std::string_view key, Kind kind, Kind actual) {
    if (actual != kind && item.is_set(key))
      item.error(
          *ctx_.diags, key,
          fmt::format("only with {} (this check is {})", to_string(kind), to_string(actual)));
  }

  // The side's adapter, if it can run checks; otherwise an error at `key`.
  bool can_check(const Fields& item, std::string_view key, const adapters::AdapterInfo* adapter,
                 std::string_view side, std::string_view what) {
    if (!adapter || adapter->make_check_server) return true;  // unknown: reported on the side
    item.error(*ctx_.diags, key,
               fmt::format("the {}'s connection is of kind {}, which cannot {} (kinds that can: "
                           "postgres, mysql, clickhouse)",
                           side, adapter->kind, what));
    return false;
  }

  bool column_list(const Fields& item, std::size_t i, CheckSpec& c) {
    const std::string key(to_string(c.kind));
    const auto* columns = item.get<std::vector<std::string>>(key);
    if (!columns) return false;  // reported
    if (columns->empty()) {
      item.error(*ctx_.diags, key, "empty list: name the columns to check");
      return false;
    }
    bool ok = can_check(item, key, target_, "target", "run " + key + " checks");
    const YAML::Node list = value_node(list_[i], key);
    for (std::size_t j = 0; j < columns->size(); ++j) {
      if (!known_ || known_->has((*columns)[j])) continue;
      ctx_.error(ctx_.at(list[j].Mark()), item.path_of(key) + "[" + std::to_string(j) + "]",
                 unknown_column((*columns)[j], *known_));
      ok = false;
    }
    c.columns = *columns;
    return ok;
  }

  bool sum_match(const Fields& item, CheckSpec& c) {
    const auto* column = item.get<std::string>("sum_match");
    if (!column) return false;
    if (p_.kind == PipelineConfig::Kind::sql) {
      item.error(*ctx_.diags, "sum_match",
                 "a SQL pipeline has no source to compare sums with: write an assertion `sql` "
                 "check");
      return false;
    }
    bool ok = can_check(item, "sum_match", target_, "target", "sum a window") &&
              can_check(item, "sum_match", source_, "source", "sum a window");
    if (known_ && !known_->has(*column)) {
      item.error(*ctx_.diags, "sum_match", unknown_column(*column, *known_));
      ok = false;
    }
    c.columns = {*column};
    c.source_column = *column;
    if (const Fields* t = p_.fields.section("transform")) {
      for (const Fields& out : t->list("columns")) {
        if (out.string_or("name") != *column) continue;
        if (!out.is_set("value") && !out.is_set("sql")) {
          if (out.is_set("from")) c.source_column = out.string_or("from");
        } else {
          item.error(*ctx_.diags, "sum_match",
                     fmt::format("'{}' is computed by the transform, not read from the source: "
                                 "there is no source sum to compare",
                                 *column));
          ok = false;
        }
      }
    }
    parse_tolerance(item, c);
    return ok;
  }

  bool assertion(const Fields& item, CheckSpec& c) {
    c.query = item.string_or("sql");
    c.connection = item.string_or("connection", p_.target.connection);
    if (const auto* min = item.get<double>("min")) c.min = *min;
    if (const auto* max = item.get<double>("max")) c.max = *max;
    bool ok = true;
    if (c.min && c.max && *c.min > *c.max) {
      item.error(*ctx_.diags, "max", fmt::format("must be at least min ({})", *c.min));
      ok = false;
    }
    const adapters::AdapterInfo* adapter = nullptr;
    if (item.is_set("connection")) {
      const auto* known = daemon_.find_connection(c.connection);
      if (!known) {
        std::vector<std::string_view> names;
        for (const auto& n : daemon_.connections) names.push_back(n.name);
        std::string message = "undefined connection '" + c.connection + "'";
        if (auto close = closest_match(c.connection, names))
          message += " (did you mean '" + *close + "'?)";
        item.error(*ctx_.diags, "connection", message);
        return false;
      }
      adapter = known->adapter;
    } else {
      adapter = target_;
    }
    if (!adapter) return false;  // an unknown kind, reported where it is
    if (!adapter->make_check_server) {
      item.error(*ctx_.diags, item.is_set("connection") ? "connection" : "sql",
                 fmt::format("connection '{}' is of kind {}, which cannot run check queries "
                             "(kinds that can: postgres, mysql, clickhouse){}",
                             c.connection, adapter->kind,
                             item.is_set("connection") ? "" : "; set `connection`"));
      return false;
    }
    for (const auto& problem : adapters::sql::scan(c.query, adapter->sql_dialect).problems) {
      ctx_.error(locate_in_scalar(item.where_of("sql"), c.query, problem.offset),
                 item.path_of("sql"), problem.message);
      ok = false;
    }
    return ok;
  }

  static std::string derived_name(const CheckSpec& c, std::size_t i) {
    if (c.kind == Kind::sql) return "sql_" + std::to_string(i);
    std::string name(to_string(c.kind));
    for (const auto& column : c.columns) name += "_" + column;
    return name;
  }

  PipelineConfig& p_;
  const DaemonConfig& daemon_;
  const CheckContext& ctx_;
  const YAML::Node list_;
  const adapters::AdapterInfo* target_ = nullptr;
  const adapters::AdapterInfo* source_ = nullptr;
  std::optional<KnownColumns> known_;
  std::map<std::string, std::size_t> names_;
};

}  // namespace

std::string_view to_string(CheckSpec::Kind kind) {
  switch (kind) {
    case Kind::not_null: return "not_null";
    case Kind::unique: return "unique";
    case Kind::sum_match: return "sum_match";
    case Kind::sql: return "sql";
  }
  return "?";
}

void build_checks(PipelineConfig& p, const YAML::Node& root, const DaemonConfig& daemon,
                  const CheckContext& ctx) {
  ChecksBuilder(p, root, daemon, ctx).build();
}

}  // namespace sluice::config
