#include "framework/transform/transform.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <date/date.h>

#include "framework/core/suggest.hpp"

namespace sluice::transform {
namespace {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view without_plus(std::string_view s) {
  return s.starts_with('+') ? s.substr(1) : s;
}

Error bad(std::string_view value, std::string_view what) {
  return Error::permanent("'" + std::string(value) + "' is not " + std::string(what));
}

bool is_integer(std::string_view s) {
  if (s.starts_with('-') || s.starts_with('+')) s.remove_prefix(1);
  return digits(s);
}

bool is_number(std::string_view s) {
  if (s.starts_with('-') || s.starts_with('+')) s.remove_prefix(1);
  const auto e = s.find_first_of("eE");
  std::string_view mantissa = s.substr(0, e);
  if (e != std::string_view::npos && !is_integer(s.substr(e + 1))) return false;
  const auto dot = mantissa.find('.');
  if (dot == std::string_view::npos) return digits(mantissa);
  const auto whole = mantissa.substr(0, dot), fraction = mantissa.substr(dot + 1);
  return (digits(whole) || whole.empty()) && (digits(fraction) || fraction.empty()) &&
         !(whole.empty() && fraction.empty());
}

int number_at(std::string_view s, std::size_t pos, std::size_t len) {
  int v = 0;
  std::from_chars(s.data() + pos, s.data() + pos + len, v);
  return v;
}

bool digits_at(std::string_view s, std::size_t pos, std::size_t len) {
  return pos + len <= s.size() && digits(s.substr(pos, len));
}

// `YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|±HH[:MM]]`, or integer seconds since the epoch.
Result<std::chrono::sys_time<std::chrono::microseconds>> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  if (is_integer(s) && s.size() < 15) {
    std::int64_t epoch = 0;
    const auto t = without_plus(s);
    std::from_chars(t.data(), t.data() + t.size(), epoch);
    return sys_time<microseconds>(seconds(epoch));
  }
  if (!(digits_at(s, 0, 4) && s.size() >= 10 && s[4] == '-' && digits_at(s, 5, 2) && s[7] == '-' &&
        digits_at(s, 8, 2)))
    return fail(bad(s, "a timestamp (YYYY-MM-DD HH:MM:SS, optional fraction and offset)"));
  const date::year_month_day ymd{date::year{number_at(s, 0, 4)}, date::month(number_at(s, 5, 2)),
                                 date::day(number_at(s, 8, 2))};
  if (!ymd.ok()) return fail(bad(s, "a valid date"));
  sys_time<microseconds> t = date::sys_days(ymd);
  std::size_t i = 10;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) {
    if (!(digits_at(s, i + 1, 2) && i + 3 < s.size() && s[i + 3] == ':' && digits_at(s, i + 4, 2)))
      return fail(bad(s, "a timestamp (time as HH:MM[:SS])"));
    const int h = number_at(s, i + 1, 2), m = number_at(s, i + 4, 2);
    int sec = 0;
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!digits_at(s, i + 1, 2)) return fail(bad(s, "a timestamp (seconds as SS)"));
      sec = number_at(s, i + 1, 2);
      i += 3;
    }
    if (h > 23 || m > 59 || sec > 59) return fail(bad(s, "a valid time of day"));
    t += hours(h) + minutes(m) + seconds(sec);
    if (i < s.size() && s[i] == '.') {
      std::size_t end = i + 1;
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
      if (end == i + 1 || end - i - 1 > 9)
        return fail(bad(s, "a timestamp (fraction of 1 to 9 digits)"));
      std::string micro(s.substr(i + 1, std::min<std::size_t>(6, end - i - 1)));
      micro.resize(6, '0');
      t += microseconds(number_at(micro, 0, 6));
      i = end;
    }
  }
  const std::string_view zone = s.substr(i);
  if (zone.empty() || zone == "Z" || zone == "z") return t;
  if ((zone[0] == '+' || zone[0] == '-') && digits_at(zone, 1, 2)) {
    int offset = number_at(zone, 1, 2) * 60;
    std::size_t j = 3;
    if (j < zone.size() && zone[j] == ':') ++j;
    if (digits_at(zone, j, 2)) {
      offset += number_at(zone, j, 2);
      j += 2;
    }
    if (j == zone.size()) return zone[0] == '+' ? t - minutes(offset) : t + minutes(offset);
  }
  return fail(bad(s, "a timestamp (offset as Z or ±HH[:MM])"));
}

}  // namespace

Result<std::string> cast_value(Cast cast, std::string_view v) {
  switch (cast) {
    case Cast::none:
    case Cast::text: return std::string(v);
    case Cast::integer:
      if (!is_integer(v)) return fail(bad(v, "an integer"));
      return std::string(without_plus(v));
    case Cast::number:
      if (!is_number(v)) return fail(bad(v, "a number"));
      return std::string(without_plus(v));
    case Cast::boolean: {
      std::string lower(v);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      for (const char* yes : {"true", "t", "yes", "y", "on", "1"})
        if (lower == yes) return std::string("true");
      for (const char* no : {"false", "f", "no", "n", "off", "0"})
        if (lower == no) return std::string("false");
      return fail(bad(v, "a boolean (true/false, yes/no, on/off, 1/0)"));
    }
    case Cast::timestamp: {
      auto t = parse_timestamp(v);
      if (!t) return fail(t.error());
      const bool whole =
          t->time_since_epoch() % std::chrono::seconds(1) == std::chrono::microseconds(0);
      return whole ? date::format("%Y-%m-%d %H:%M:%S+00",
                                  std::chrono::floor<std::chrono::seconds>(*t))
                   : date::format("%Y-%m-%d %H:%M:%S+00", *t);
    }
    case Cast::date: {
      auto t = parse_timestamp(v);
      if (!t) return fail(bad(v, "a date (YYYY-MM-DD, or a timestamp)"));
      return date::format("%Y-%m-%d", std::chrono::floor<date::days>(*t));
    }
  }
  return std::string(v);
}

bool Spec::reshapes_rows() const {
  return std::any_of(columns.begin(), columns.end(), [](const auto& c) { return c.loaded(); });
}

std::vector<adapters::ComputedColumn> Spec::computed_by_target() const {
  std::vector<adapters::ComputedColumn> out;
  for (const auto& c : columns)
    if (c.sql) out.push_back({c.name, *c.sql, config::to_string(c.where)});
  return out;
}

TransformSink::TransformSink(const Spec& spec, const time::TemplateContext& window,
                             adapters::RowSink& next)
    : spec_(spec), next_(next) {
  for (const auto& c : spec_.columns) {
    if (!c.loaded()) continue;  // the target computes it
    loaded_.push_back(&c);
    computed_.push_back(c.value ? c.value->render(window) : std::string());
  }
}

Result<void> TransformSink::begin(std::span<const adapters::Column> columns) {
  if (loaded_.empty()) return next_.begin(columns);
  std::vector<std::string_view> names;
  for (const auto& c : columns) names.push_back(c.name);
  std::vector<adapters::Column> out;
  source_index_.clear();
  for (std::size_t i = 0; i < loaded_.size(); ++i) {
    const auto& c = *loaded_[i];
    out.push_back({c.name});
    if (c.value) {
      source_index_.push_back(-1);
      auto v = cast_value(c.cast, computed_[i]);
      if (!v)
        return fail(Error::permanent(config::to_string(c.where) + ": transform column '" + c.name +
                                     "': its value " + v.error().message));
      computed_[i] = *v;
      continue;
    }
    const auto at = std::find(names.begin(), names.end(), c.from);
    if (at == names.end()) {
      std::string message = config::to_string(c.where) + ": transform column '" + c.name +
                            "': the source has no column '" + c.from + "'";
      if (auto close = closest_match(c.from, names)) message += " (did you mean '" + *close + "'?)";
      std::string all;
      for (auto n : names) {
        if (!all.empty()) all += ", ";
        all += n;
      }
      message += "; it has: ";
      message += all;
      return fail(Error::permanent(std::move(message)));
    }
    source_index_.push_back(static_cast<int>(at - names.begin()));
  }
  cast_.resize(loaded_.size());
  out_.resize(loaded_.size());
  return next_.begin(out);
}

Result<void> TransformSink::row(std::span<const adapters::Field> fields) {
  if (loaded_.empty()) return next_.row(fields);
  ++rows_;
  for (std::size_t i = 0; i < loaded_.size(); ++i) {
    const auto& c = *loaded_[i];
    if (source_index_[i] < 0) {
      out_[i] = computed_[i];
      continue;
    }
    const adapters::Field& in = fields[static_cast<std::size_t>(source_index_[i])];
    if (!in || c.cast == Cast::none || c.cast == Cast::text) {
      out_[i] = in;
      continue;
    }
    auto v = cast_value(c.cast, *in);
    if (!v)
      return fail(Error::permanent(config::to_string(c.where) + ": transform column '" + c.name +
                                   "', row " + std::to_string(rows_) + ": " + v.error().message));
    cast_[i] = std::move(*v);
    out_[i] = cast_[i];
  }
  return next_.row(out_);
}

}  // namespace sluice::transform
