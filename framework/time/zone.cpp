#include "framework/time/zone.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include <date/date.h>
#include <fmt/format.h>

#include "framework/core/suggest.hpp"
#include "framework/time/posix_tz.hpp"

namespace sluice::time {

const std::vector<std::string>& zone_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& z : date::get_tzdb().zones) out.push_back(z.name());
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

tl::expected<Zone, std::string> locate_zone(std::string_view name) {
  if (name.empty()) return tl::unexpected(std::string("empty time zone name"));
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // date reports a missing zone by exception; everything else here is a value.
  }
  const auto& names = zone_names();
  const std::vector<std::string_view> candidates(names.begin(), names.end());
  if (auto guess = closest_match(name, candidates))
    return tl::unexpected(fmt::format("unknown time zone '{}' (did you mean '{}'?)", name, *guess));
  return tl::unexpected(
      fmt::format("unknown time zone '{}' (use an IANA name such as "
                  "'Europe/Zurich' or 'UTC')",
                  name));
}

Zone utc_zone() {
  static const Zone utc = date::locate_zone("UTC");
  return utc;
}

namespace {

// date/tz.h marks the period after a zone file's last transition as lasting forever.
bool open_ended(const date::sys_info& info) {
  return info.end > Instant{date::sys_days{date::year{9999} / 12 / 31}};
}

// A local time past the file's last transition, classified against the POSIX rule's
// periods: the one a first guess lands in and its two neighbours.
date::local_info local_from_rule(Zone zone, date::local_seconds t) {
  const Instant as_utc{t.time_since_epoch()};
  const date::sys_info guess = zone_info(zone, as_utc - zone_info(zone, as_utc).offset);
  const std::array<date::sys_info, 3> periods{zone_info(zone, guess.begin - Seconds(1)), guess,
                                              zone_info(zone, guess.end)};
  auto contains = [&](const date::sys_info& p) {
    const Instant u{t.time_since_epoch() - p.offset};
    return p.begin <= u && u < p.end;
  };
  date::local_info out{};
  int found = 0;
  for (const auto& p : periods) {
    if (!contains(p)) continue;
    (found++ == 0 ? out.first : out.second) = p;
  }
  if (found == 2) {
    out.result = date::local_info::ambiguous;
  } else if (found == 0) {
    // In the gap between the two periods around it.
    const Instant u{t.time_since_epoch() - guess.offset};
    const bool before_guess = u < guess.begin;
    out.result = date::local_info::nonexistent;
    out.first = before_guess ? periods[0] : guess;
    out.second = before_guess ? guess : periods[2];
  }
  return out;
}

}  // namespace

date::sys_info zone_info(Zone zone, Instant t) {
  date::sys_info info = zone->get_info(t);
  if (!open_ended(info)) return info;
  const PosixRule* rule = posix_rule(zone);
  if (!rule) return info;
  date::sys_info extended = rule->info(t);
  // The file's own last transition stands; the rule only says what follows it.
  if (extended.begin < info.begin) extended.begin = info.begin;
  return extended;
}

date::local_info zone_info(Zone zone, date::local_seconds t) {
  date::local_info info = zone->get_info(t);
  const bool late = open_ended(info.first) ||
                    (info.result != date::local_info::unique && open_ended(info.second));
  if (!late || !posix_rule(zone)) return info;
  return local_from_rule(zone, t);
}

date::local_seconds to_local(Zone zone, Instant t) {
  return date::local_seconds{t.time_since_epoch() + zone_info(zone, t).offset};
}

Instant resolve_local(Zone zone, date::local_seconds t) {
  return classify_local(zone, t).instant;
}

LocalResolution classify_local(Zone zone, date::local_seconds t) {
  const date::local_info info = zone_info(zone, t);
  LocalResolution r;
  if (info.result == date::local_info::unique) {
    r.instant = Instant{t.time_since_epoch() - info.first.offset};
    return r;
  }
  const Instant transition = info.second.begin;
  const auto before = date::local_seconds{transition.time_since_epoch() + info.first.offset};
  const auto after = date::local_seconds{transition.time_since_epoch() + info.second.offset};
  if (info.result == date::local_info::nonexistent) {
    r.kind = LocalResolution::Kind::gap;
    r.instant = transition;
    r.begin = before;
    r.end = after;
  } else {
    r.kind = LocalResolution::Kind::fold;
    r.instant = Instant{t.time_since_epoch() - info.first.offset};
    r.begin = after;
    r.end = before;
  }
  return r;
}

Instant LocalResolver::refill(date::local_seconds t) {
  const LocalResolution r = classify_local(zone_, t);
  if (r.kind != LocalResolution::Kind::unique) return r.instant;
  const date::sys_info info = zone_info(zone_, r.instant);
  // Local times at the start of a period that a fold repeats were first passed in the period
  // before; those at its end that a fold repeats are first passed in this one, at its
  // offset, which is the instant resolve_local takes. A gap's local times belong to neither.
  constexpr auto far = date::years{5000};
  Seconds before = info.offset;
  if (info.begin > Instant{} - far) before = zone_info(zone_, info.begin - Seconds(1)).offset;
  offset_ = info.offset;
  lo_ = date::local_seconds{info.begin.time_since_epoch() + std::max(before, info.offset)};
  hi_ = date::local_seconds{info.end.time_since_epoch() + info.offset};
  return r.instant;
}

std::string format_in_zone(Instant t, Zone zone) {
  const auto offset = zone_info(zone, t).offset;
  const auto local = date::local_seconds{t.time_since_epoch() + offset};
  const long long total = offset.count();
  const long long magnitude = std::llabs(total);
  std::string out = date::format("%Y-%m-%dT%H:%M:%S", local);
  out += fmt::format("{}{:02}:{:02}", total < 0 ? '-' : '+', magnitude / 3600, magnitude / 60 % 60);
  // Local mean time before 1900 has offsets with seconds; print them rather than lie.
  if (magnitude % 60 != 0) out += fmt::format(":{:02}", magnitude % 60);
  return out;
}

namespace {

std::optional<date::year_month_day> parse_bare_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const date::year_month_day ymd{date::year{num(0, 4)}, date::month(unsigned(num(5, 2))),
                                 date::day(unsigned(num(8, 2)))};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

}  // namespace

tl::expected<Instant, std::string> parse_instant(std::string_view text, Zone zone) {
  if (auto ymd = parse_bare_date(text)) return resolve_local(zone, date::local_days{*ymd});
  std::string_view s = text;
  // Accept an offset with seconds, the form format_in_zone prints for local mean time.
  std::optional<Seconds> extra;
  if (s.size() == 28 && (s[19] == '+' || s[19] == '-') && s[25] == ':' && s[26] >= '0' &&
      s[26] <= '5' && s[27] >= '0' && s[27] <= '9') {
    const int sec = (s[26] - '0') * 10 + (s[27] - '0');
    extra = Seconds{s[19] == '-' ? sec : -sec};
    s = s.substr(0, 25);
  }
  if (auto t = parse_utc_offset_instant(s)) return extra ? *t + *extra : *t;
  return tl::unexpected(
      fmt::format("invalid instant '{}': write YYYY-MM-DDTHH:MM:SS+HH:MM, "
                  "YYYY-MM-DDTHH:MM:SSZ or a bare date YYYY-MM-DD",
                  text));
}

}  // namespace sluice::time
