// Data checks (README, Data checks): run by the audit task once its counts pass, so the
// audit's deadline (`tasks.audit.timeout`, the pipeline's `timeout`) bounds them and its one
// fenced write records them with the window's end:
// - every check runs, in file order, and each one's result goes to window_checks;
// - a check of severity error that failed: FAILED, audit_result CHECK_FAILED, an integrity
//   failure (not retried: the data will not change by itself);
// - only checks of severity warn failed: SUCCESS, the failures in the event's message and
//   told (`check_warning`, a trigger on window_checks);
// - a check that could not run (a server error, a query refused, a malformed answer) is a
//   retryable error of the audit, never a pass: the window is retried from the audit.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tasks/task.hpp"

namespace sluice::tasks {
namespace {

using Kind = config::CheckSpec::Kind;

// `1 row`, `3 rows`.
std::string counted(std::int64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

std::string joined(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c;
  return out;
}

// A number a server wrote (`1234.50`, `1.5e+20`, `-3`, `NaN`).
std::optional<long double> number_of(const std::string& text) {
  long double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// `-0012.3400` -> `-12.34`: a plain decimal's canonical digits, nullopt for anything else
// (an exponent, NaN). Equal texts are equal numbers whatever their scale.
std::optional<std::string> canonical_decimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : text.substr(point + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !digits(whole) || !digits(fraction)) return std::nullopt;
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  std::string out(whole);
  if (!fraction.empty()) out += "." + std::string(fraction);
  if (negative && out != "0") out.insert(0, "-");
  return out;
}

// A number as window_checks.observed takes it; nullopt when not finite.
std::optional<std::string> numeric_text(long double v) {
  if (!std::isfinite(v)) return std::nullopt;
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.18Lg", v);
  return std::string(buffer.data());
}

// A value as a message shows it: NULL, or quoted, control characters escaped, long ones cut.
std::string shown(const std::optional<std::string>& value) {
  if (!value) return "NULL";
  std::string out = "'";
  for (std::size_t i = 0; i < value->size() && i < 60; ++i) {
    const char c = (*value)[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + (value->size() > 60 ? "...'" : "'");
}

std::string shown_row(const adapters::TextRow& row) {
  std::string out;
  for (const auto& v : row) out += (out.empty() ? "" : ", ") + shown(v);
  return "(" + out + ")";
}

store::CheckResult result_of(const config::CheckSpec& spec) {
  store::CheckResult r;
  r.name = spec.name;
  r.kind = std::string(to_string(spec.kind));
  r.severity = spec.warn ? "warn" : "error";
  return r;
}

Result<store::CheckResult> not_null(const TaskContext& ctx, const WindowCheck& check) {
  auto rows = check.target->null_rows(ctx.window, check.spec.columns);
  if (!rows) return fail(rows.error());
  auto r = result_of(check.spec);
  r.passed = *rows == 0;
  r.observed = std::to_string(*rows);
  r.message = r.passed ? "no NULL in " + joined(check.spec.columns)
                       : fmt::format("{} of the window with NULL in {}", counted(*rows, "row"),
                                     joined(check.spec.columns));
  return r;
}

Result<store::CheckResult> unique(const TaskContext& ctx, const WindowCheck& check) {
  auto d = check.target->duplicates(ctx.window, check.spec.columns);
  if (!d) return fail(d.error());
  auto r = result_of(check.spec);
  r.passed = d->rows == 0;
  r.observed = std::to_string(d->rows);
  r.message = r.passed
                  ? "no duplicates of (" + joined(check.spec.columns) + ")"
                  : fmt::format("{}: {} of ({}) {} more than once",
                                counted(d->rows, "duplicate row"), counted(d->keys, "value"),
                                joined(check.spec.columns), d->keys == 1 ? "appears" : "appear");
  return r;
}

Result<store::CheckResult> sum_match(const TaskContext& ctx, const WindowCheck& check) {
  const auto& spec = check.spec;
  auto source = check.source->sum(ctx.window, spec.source_column);
  if (!source) return fail(source.error());
  auto target = check.target->sum(ctx.window, spec.columns.front());
  if (!target) return fail(target.error());
  // No row with a value sums to nothing on PostgreSQL and MariaDB, to 0 on ClickHouse.
  const std::string s = source->value_or("0"), t = target->value_or("0");
  const auto sv = number_of(s), tv = number_of(t);
  if (!sv || !tv)
    return fail(Error::permanent(fmt::format("the sums are not numbers: source '{}', target '{}'",
                                             s.substr(0, 40), t.substr(0, 40))));
  const long double difference = std::fabs(*sv - *tv);
  const long double allowed =
      spec.tolerance_percent ? spec.tolerance / 100.0L * std::fabs(*sv) : spec.tolerance;
  auto r = result_of(spec);
  // Exact decimals compare exactly: two sums of 20 digits may round to one long double.
  const auto cs = canonical_decimal(s), ct = canonical_decimal(t);
  if (cs && ct && *cs == *ct) {
    r.passed = true;
  } else {
    r.passed = !(cs && ct && allowed == 0) && difference <= allowed;
  }
  r.observed = numeric_text(cs && ct && *cs == *ct ? 0.0L : difference);
  std::string tolerance = spec.tolerance_percent
                              ? fmt::format("{}% of the source's sum", spec.tolerance)
                              : fmt::format("{}", spec.tolerance);
  r.message = fmt::format("source sum of {} {}, target sum of {} {}: difference {} (tolerance {})",
                          spec.source_column, s, spec.columns.front(), t,
                          r.observed.value_or("not a number"), tolerance);
  return r;
}

Result<store::CheckResult> assertion(const TaskContext& ctx, const WindowCheck& check) {
  const auto& spec = check.spec;
  auto r = result_of(spec);
  if (!spec.min && !spec.max) {
    auto rows = check.query->count_rows(ctx.window, spec.query);
    if (!rows) return fail(rows.error());
    r.passed = *rows == 0;
    r.observed = std::to_string(*rows);
    r.message = r.passed ? "no rows" : counted(*rows, "row");
    // The first offending row, when it can be read: the verdict stands without it.
    if (!r.passed)
      if (auto first = check.query->first_rows(ctx.window, spec.query, 1); first && !first->empty())
        r.message += "; the first: " + shown_row(first->front());
    return r;
  }
  auto rows = check.query->first_rows(ctx.window, spec.query, 2);
  if (!rows) return fail(rows.error());
  const std::string bounds = fmt::format("{}{}{}", spec.min ? fmt::format("min {}", *spec.min) : "",
                                         spec.min && spec.max ? ", " : "",
                                         spec.max ? fmt::format("max {}", *spec.max) : "");
  r.passed = false;
  if (rows->size() != 1 || rows->front().size() != 1) {
    r.message = fmt::format("returned {} rows of {} columns, not one number ({})",
                            rows->size() > 1 ? "more than one" : std::to_string(rows->size()),
                            rows->empty() ? 0 : rows->front().size(), bounds);
    return r;
  }
  const auto& value = rows->front().front();
  const auto v = value ? number_of(*value) : std::nullopt;
  if (!v || !std::isfinite(*v)) {
    r.message = fmt::format("returned {}, not a number ({})", shown(value), bounds);
    return r;
  }
  r.observed = numeric_text(*v);
  r.passed = (!spec.min || *v >= *spec.min) && (!spec.max || *v <= *spec.max);
  r.message = fmt::format("returned {} ({})", *value, bounds);
  return r;
}

Result<store::CheckResult> evaluate(const TaskContext& ctx, const WindowCheck& check) {
  switch (check.spec.kind) {
    case Kind::not_null: return not_null(ctx, check);
    case Kind::unique: return unique(ctx, check);
    case Kind::sum_match: return sum_match(ctx, check);
    case Kind::sql: return assertion(ctx, check);
  }
  return fail(Error::permanent("unknown check kind"));
}

}  // namespace

TaskResult run_checks(const TaskContext& ctx, store::TaskWrite w) {
  if (ctx.pipeline.checks.empty()) return w;
  std::string errors, warnings;
  for (const auto& check : ctx.pipeline.checks) {
    auto r = evaluate(ctx, check);
    if (!r)
      return fail(
          Error::retryable("check '" + check.spec.name + "' could not run: " + r.error().message));
    if (!r->passed) {
      std::string& into = check.spec.warn ? warnings : errors;
      into += fmt::format("{}check '{}' failed: {}", into.empty() ? "" : "; ", r->name, r->message);
    }
    w.checks.push_back(std::move(*r));
  }
  const std::string warned = warnings.empty() ? "" : "warning: " + warnings;
  if (!errors.empty()) {
    w.status = store::TaskStatus::failed;
    w.outcome = store::Outcome::failed;
    w.move = store::Move::fail;
    w.audit_result = "CHECK_FAILED";
    w.message = "integrity: " + errors + (warned.empty() ? "" : "; " + warned);
  } else {
    w.message = warned.empty() ? fmt::format("{} checks passed", w.checks.size()) : warned;
  }
  return w;
}

}  // namespace sluice::tasks
