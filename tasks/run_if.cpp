#include "tasks/run_if.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "framework/observe/log.hpp"
#include "framework/time/duration.hpp"
#include "tasks/backoff.hpp"
#include "tasks/task.hpp"

namespace sluice::tasks {
namespace {

std::string length_text(std::chrono::seconds s) {
  return time::to_string(time::Duration{0, Seconds{std::max<std::int64_t>(s.count(), 0)}});
}

// A condition that could not be asked: retried like any failed task, never taken as true.
Error not_asked(std::string_view what, const Error& error) {
  return Error::retryable(std::string(what) + ": " + error.message);
}

Result<std::optional<Unmet>> file_missing(const RunIf& r, const TaskContext& ctx) {
  const time::TemplateContext t{ctx.pipeline.id.value, ctx.record.window, ctx.pipeline.windows.zone,
                                ctx.pipeline.windows.granularity};
  std::filesystem::path path = r.file_exists->render(t);
  if (path.is_relative()) path = r.file_root / path;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  // A missing file or directory on the way is an answer; anything else (no permission, an
  // I/O error) keeps the question open.
  if (ec && status.type() != std::filesystem::file_type::not_found)
    return fail(Error::retryable("run_if.file_exists: cannot look for " + path.string() + ": " +
                                 ec.message()));
  if (status.type() == std::filesystem::file_type::not_found)
    return std::optional(Unmet{"file_exists: " + path.string() + " does not exist"});
  return std::optional<Unmet>{};
}

Result<std::optional<Unmet>> too_few_rows(const RunIf& r, const TaskContext& ctx) {
  const std::int64_t least = *r.min_source_rows;
  if (least <= 0) return std::optional<Unmet>{};
  if (!ctx.pipeline.source)
    return fail(Error::permanent("run_if.min_source_rows: the pipeline has no source"));
  auto& source = *ctx.pipeline.source;
  // One row is a question a source answers without counting the window.
  if (least == 1) {
    auto any = source.has_rows(ctx.window);
    if (!any) return fail(not_asked("run_if.min_source_rows: counting the source", any.error()));
    if (*any) return std::optional<Unmet>{};
    return std::optional(Unmet{"min_source_rows: the source has no row in the window"});
  }
  auto n = source.count(ctx.window);
  if (!n) return fail(not_asked("run_if.min_source_rows: counting the source", n.error()));
  if (*n >= least) return std::optional<Unmet>{};
  return std::optional(Unmet{fmt::format(
      "min_source_rows: the source has {} rows in the window, fewer than {}", *n, least)});
}

Result<std::optional<Unmet>> query_false(const RunIf& r, const TaskContext& ctx) {
  const std::string what = "run_if.sql on connection '" + r.connection + "'";
  if (!r.runner) return fail(Error::permanent(what + ": no runner for the connection"));
  auto value = r.runner->first_value(ctx.window, *r.sql, "run_if.sql");
  if (!value) return fail(not_asked(what, value.error()));
  if (!*value)
    return std::optional(
        Unmet{"sql on connection '" + r.connection + "' selected no row, or NULL"});
  const auto truth = truth_of(**value);
  if (!truth)
    return fail(Error::permanent(what + ": its first column is '" + (*value)->substr(0, 100) +
                                 "', neither a boolean nor a number"));
  if (*truth) return std::optional<Unmet>{};
  return std::optional(
      Unmet{"sql on connection '" + r.connection + "' selected '" + **value + "'"});
}

}  // namespace

std::optional<bool> truth_of(std::string_view value) {
  std::string lower(value);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "t" || lower == "true") return true;
  if (lower == "f" || lower == "false") return false;
  double number = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, number);
  if (value.empty() || ec != std::errc() || ptr != end || std::isnan(number)) return std::nullopt;
  return number != 0;
}

Result<std::optional<Unmet>> unmet_condition(const RunIf& r, const TaskContext& ctx) {
  if (!r.calendar.empty())
    if (auto day =
            time::skipped_day(r.calendar, ctx.record.window.start, ctx.pipeline.windows.zone))
      return std::optional(Unmet{"calendar: " + *day, true});
  if (r.file_exists) {
    auto missing = file_missing(r, ctx);
    if (!missing || *missing) return missing;
  }
  if (r.min_source_rows) {
    auto few = too_few_rows(r, ctx);
    if (!few || *few) return few;
  }
  if (r.sql) return query_false(r, ctx);
  return std::optional<Unmet>{};
}

Result<std::optional<store::TaskWrite>> check_run_if(const TaskContext& ctx, double jitter) {
  const auto& r = ctx.pipeline.run_if;
  if (!r || ctx.record.phase != store::Phase::none) return std::optional<store::TaskWrite>{};
  auto unmet = unmet_condition(*r, ctx);
  if (!unmet) return fail(unmet.error());
  if (!*unmet) return std::optional<store::TaskWrite>{};
  const auto log = observe::logger("chain");
  const std::string where =
      observe::window_context(ctx.record.pipeline, ctx.record.window, ctx.record.run);
  const std::string& reason = (*unmet)->reason;
  store::TaskWrite w;
  w.task = store::Task::store_and_validate;
  if (r->skip || (*unmet)->lasting) {
    w.status = store::TaskStatus::skipped;
    w.outcome = store::Outcome::skipped;
    w.move = store::Move::skip;
    w.message = "skipped by run_if: " + reason;
    log->info("{} {}", where, w.message);
    return std::optional(std::move(w));
  }
  const auto waited = ctx.record.since_first_claim;
  if (waited >= r->give_up_after) {
    w.status = store::TaskStatus::failed;
    w.outcome = store::Outcome::failed;
    w.move = store::Move::fail;
    w.message = "run_if still false " + length_text(waited) +
                " after the first claim (give_up_after " + length_text(r->give_up_after) +
                "): " + reason;
    return std::optional(std::move(w));
  }
  const auto left = r->give_up_after - waited;
  w.status = store::TaskStatus::skipped;
  w.outcome = store::Outcome::waiting;
  w.move = store::Move::release;
  w.retry_delay = condition_wait_delay(ctx.pipeline.backoff, waited, left, jitter);
  // Instants rather than lengths: the message stays true while it is shown.
  w.message = "waiting for run_if: " + reason + "; next check at " +
              format_utc(ctx.now + *w.retry_delay) + ", gives up at " + format_utc(ctx.now + left) +
              " (give_up_after " + length_text(r->give_up_after) + ")";
  log->info("{} {}", where, w.message);
  return std::optional(std::move(w));
}

}  // namespace sluice::tasks
