#include "framework/time/preview.hpp"

#include <fmt/format.h>

namespace sluice::time {

std::vector<Instant> next_fires(const Cron& cron, Zone zone, Instant after, std::size_t count) {
  std::vector<Instant> out;
  out.reserve(count);
  while (out.size() < count) {
    const auto next = cron.next_fire(after, zone);
    if (!next) break;
    out.push_back(*next);
    after = *next;
  }
  return out;
}

std::string format_fires(const std::vector<Instant>& fires, Zone zone) {
  std::string out;
  for (const Instant t : fires) out += format_in_zone(t, zone) + "\n";
  return out;
}

nlohmann::json fires_json(const std::vector<Instant>& fires, Zone zone) {
  auto out = nlohmann::json::array();
  for (const Instant t : fires) out.push_back(format_in_zone(t, zone));
  return out;
}

std::vector<WindowPreviewRow> preview_windows(const WindowSpec& spec, Instant from, Instant to,
                                              Instant now, std::size_t limit, std::int64_t* more) {
  std::vector<WindowPreviewRow> rows;
  WindowRange range(spec, from, to);
  while (rows.size() < limit) {
    const auto w = range.next();
    if (!w) break;
    rows.push_back({*w, target_day(*w, spec.zone), is_due(spec, *w, now)});
  }
  if (more) *more = range.remaining();
  return rows;
}

namespace {

std::string day_text(const date::year_month_day& d) {
  return date::format("%Y-%m-%d", d);
}

}  // namespace

std::string format_window_preview(const std::vector<WindowPreviewRow>& rows, Zone zone) {
  // Instants are 25 characters, or 28 with a local-mean-time offset before 1900.
  std::size_t width = 25;
  for (const auto& r : rows) width = std::max(width, format_in_zone(r.window.start, zone).size());
  std::string out = fmt::format("{:<{}}  {:<{}}  {:<10}  {}\n", "WINDOW_START", width, "WINDOW_END",
                                width, "TARGET_DAY", "DUE");
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}  {:<{}}  {}  {}\n", format_in_zone(r.window.start, zone), width,
                       format_in_zone(r.window.end, zone), width, day_text(r.target_day),
                       r.due ? "yes" : "no");
  }
  return out;
}

nlohmann::json window_preview_json(const std::vector<WindowPreviewRow>& rows, Zone zone) {
  auto out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"window_start", format_in_zone(r.window.start, zone)},
                   {"window_end", format_in_zone(r.window.end, zone)},
                   {"window_start_utc", format_utc(r.window.start)},
                   {"window_end_utc", format_utc(r.window.end)},
                   {"target_day", day_text(r.target_day)},
                   {"due", r.due}});
  }
  return out;
}

}  // namespace sluice::time
