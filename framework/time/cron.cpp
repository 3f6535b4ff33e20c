// Parsing of Vixie cron expressions. The grammar and its corner cases follow Debian's
// cron 3.0pl1 and cronie (see "Time semantics" in the README); where those silently
// ignore trailing garbage (`5/10` read as `5`, `*x` as `*`), sluice rejects the field.
#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "framework/core/suggest.hpp"
#include "framework/time/cron.hpp"

namespace sluice::time {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};
constexpr std::array<std::string_view, 12> kMonthTitles{
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

struct FieldSpec {
  std::string_view name;
  int low;
  int high;
  const std::string_view* names;  // nullptr when the field takes numbers only
  std::size_t name_count;
  std::string_view name_hint;
};

constexpr std::array<FieldSpec, 5> kFields{{
    {"minute", 0, 59, nullptr, 0, ""},
    {"hour", 0, 23, nullptr, 0, ""},
    {"day-of-month", 1, 31, nullptr, 0, ""},
    {"month", 1, 12, kMonthNames.data(), kMonthNames.size(), "JAN-DEC"},
    // 7 is Sunday too, as in Vixie cron.
    {"day-of-week", 0, 7, kDayNames.data(), kDayNames.size(), "SUN-SAT"},
}};

struct Macro {
  std::string_view name;
  std::string_view fields;
};

constexpr std::array<Macro, 7> kMacros{{{"yearly", "0 0 1 1 *"},
                                        {"annually", "0 0 1 1 *"},
                                        {"monthly", "0 0 1 * *"},
                                        {"weekly", "0 0 * * 0"},
                                        {"daily", "0 0 * * *"},
                                        {"midnight", "0 0 * * *"},
                                        {"hourly", "0 * * * *"}}};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return std::string(1, c);
  return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
}

// One field: list = element {"," element}; element = "*" ["/" step] | value ["-" value
// ["/" step]]; value = number | name (month and day-of-week fields).
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, std::string_view text, std::vector<std::string>& errors)
      : spec_(spec), text_(text), errors_(errors) {}

  std::uint64_t parse() {
    std::uint64_t bits = 0;
    bool ok = true;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = text_.find(',', start);
      ok = parse_element(text_.substr(start, comma - start), bits) && ok;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return ok ? bits : 0;
  }

 private:
  template <class... Args>
  bool error(fmt::format_string<Args...> format, Args&&... args) {
    errors_.push_back(fmt::format("{} field: ", spec_.name) +
                      fmt::format(format, std::forward<Args>(args)...));
    return false;
  }

  bool parse_element(std::string_view e, std::uint64_t& bits) {
    if (e.empty()) return error("empty list element in '{}'", text_);
    int first = spec_.low;
    int last = spec_.high;
    std::size_t pos = 0;
    if (e[0] == '*') {
      pos = 1;
    } else {
      if (!parse_value(e, pos, first)) return false;
      last = first;
      if (pos < e.size() && e[pos] == '-') {
        ++pos;
        if (!parse_value(e, pos, last)) return false;
        if (first > last) {
          return error("range {} is reversed (the start must not exceed the end{})", e,
                       spec_.high == 7 ? "; Sunday at the end of a range is 7" : "");
        }
      } else if (pos < e.size() && e[pos] == '/') {
        return error("'{}' steps from a single value; write {}-{}{} or */{}", e, first, spec_.high,
                     e.substr(pos), e.substr(pos + 1));
      }
    }
    int step = 1;
    if (pos < e.size() && e[pos] == '/') {
      ++pos;
      const std::size_t digits_at = pos;
      long long n = 0;
      while (pos < e.size() && std::isdigit(static_cast<unsigned char>(e[pos]))) {
        n = std::min<long long>(n * 10 + (e[pos] - '0'), 1'000'000);
        ++pos;
      }
      if (pos == digits_at) return error("step after '/' must be a number in '{}'", e);
      if (n == 0) return error("step 0 in '{}' must be at least 1", e);
      step = static_cast<int>(n);
    }
    if (pos < e.size()) return error("unexpected '{}' in '{}'", printable(e[pos]), e);
    for (int v = first; v <= last; v += step) bits |= std::uint64_t{1} << v;
    return true;
  }

  bool parse_value(std::string_view e, std::size_t& pos, int& out) {
    const std::size_t at = pos;
    if (pos < e.size() && std::isdigit(static_cast<unsigned char>(e[pos]))) {
      long long n = 0;
      while (pos < e.size() && std::isdigit(static_cast<unsigned char>(e[pos]))) {
        n = std::min<long long>(n * 10 + (e[pos] - '0'), 1'000'000);
        ++pos;
      }
      if (n < spec_.low || n > spec_.high)
        return error("{} is out of range {}-{}", e.substr(at, pos - at), spec_.low, spec_.high);
      out = static_cast<int>(n);
      return true;
    }
    while (pos < e.size() && std::isalpha(static_cast<unsigned char>(e[pos]))) ++pos;
    const std::string_view word = e.substr(at, pos - at);
    if (word.empty()) {
      if (at >= e.size()) return error("missing value at the end of '{}'", e);
      return error("unexpected '{}' in '{}'", printable(e[at]), e);
    }
    if (!spec_.names) return error("'{}' is not a number ({}-{})", word, spec_.low, spec_.high);
    for (std::size_t i = 0; i < spec_.name_count; ++i) {
      if (word.size() == 3 &&
          std::equal(word.begin(), word.end(), spec_.names[i].begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          })) {
        out = spec_.low + static_cast<int>(i);
        return true;
      }
    }
    return error("unknown name '{}' (use {} or {}-{})", word, spec_.name_hint, spec_.low,
                 spec_.high);
  }

  const FieldSpec& spec_;
  std::string_view text_;
  std::vector<std::string>& errors_;
};

std::vector<std::string_view> split_blanks(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_blank(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? last_separator : std::string_view(", ");
    out += parts[i];
  }
  return out;
}

}  // namespace

class CronParser {
 public:
  static tl::expected<Cron, std::string> parse(std::string_view expression) {
    using tl::unexpected;
    const auto fields = split_blanks(expression);
    if (fields.empty()) return unexpected(std::string("empty cron expression"));
    if (fields[0][0] == '@') return parse_macro(expression, fields);
    if (fields.size() != 5) {
      return unexpected(fmt::format(
          "expected 5 fields (minute hour day-of-month month day-of-week), got {} in '{}'{}",
          fields.size(), expression,
          fields.size() > 5 ? " (sluice cron has no seconds, year or command field)" : ""));
    }
    std::vector<std::string> errors;
    std::array<std::uint64_t, 5> bits{};
    for (std::size_t i = 0; i < 5; ++i)
      bits[i] = FieldParser(kFields[i], fields[i], errors).parse();
    if (!errors.empty()) return unexpected(join(errors, "; "));

    Cron c;
    c.text_ = std::string(expression);
    c.minutes_ = bits[0];
    c.hours_ = static_cast<std::uint32_t>(bits[1]);
    c.days_of_month_ = static_cast<std::uint32_t>(bits[2]);
    c.months_ = static_cast<std::uint32_t>(bits[3]);
    c.days_of_week_ = static_cast<std::uint32_t>((bits[4] | (bits[4] >> 7)) & 0x7f);
    c.dom_restricted_ = fields[2][0] != '*';
    c.dow_restricted_ = fields[4][0] != '*';
    for (unsigned first = 0; first < 7; ++first) {
      std::uint32_t mask = 0;
      for (unsigned d = 1; d <= 31; ++d)
        if (c.days_of_week_ >> ((first + d - 1) % 7) & 1) mask |= 1u << d;
      c.dow_by_first_weekday_[first] = mask;
    }
    if (auto never = never_fires(c)) return unexpected(*never);
    return c;
  }

 private:
  static tl::expected<Cron, std::string> parse_macro(std::string_view expression,
                                                     const std::vector<std::string_view>& fields) {
    using tl::unexpected;
    const std::string_view name = fields[0].substr(1);
    if (name == "reboot")
      return unexpected(std::string(
          "@reboot is not supported: sluice schedules by time, not at boot (use @hourly, "
          "@daily... or five fields)"));
    for (const auto& m : kMacros) {
      if (m.name != name) continue;
      if (fields.size() > 1)
        return unexpected(fmt::format("unexpected '{}' after @{}", fields[1], name));
      auto c = parse(m.fields);
      if (c) c->text_ = std::string(expression);
      return c;
    }
    std::vector<std::string_view> names{"reboot"};
    for (const auto& m : kMacros) names.push_back(m.name);
    std::string message = fmt::format("unknown macro '{}'", fields[0]);
    if (auto guess = closest_match(name, names))
      message += fmt::format(" (did you mean '@{}'?)", *guess);
    else
      message += " (use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)";
    return unexpected(std::move(message));
  }

  // With either day field unrestricted a day must match both, so the day-of-month list
  // alone can rule out every month (`0 0 30 2 *`). Any weekday falls on every (month,
  // day) pair in some year, and February 29 exists, so nothing else can.
  static std::optional<std::string> never_fires(const Cron& c) {
    if (c.dom_restricted_ && c.dow_restricted_) return std::nullopt;
    constexpr std::array<unsigned, 13> longest{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    std::vector<std::string> months;
    for (unsigned m = 1; m <= 12; ++m) {
      if (!(c.months_ >> m & 1)) continue;
      const std::uint32_t valid = (std::uint32_t{2} << longest[m]) - 2;
      if (c.days_of_month_ & valid) return std::nullopt;
      months.emplace_back(kMonthTitles[m - 1]);
    }
    std::vector<std::string> days;
    for (unsigned d = 1; d <= 31; ++d)
      if (c.days_of_month_ >> d & 1) days.push_back(std::to_string(d));
    return fmt::format("expression can never fire: day{} {} {} not exist in {}",
                       days.size() > 1 ? "s" : "", join(days, " and "),
                       days.size() > 1 ? "do" : "does", join(months, " or "));
  }
};

tl::expected<Cron, std::string> Cron::parse(std::string_view expression) {
  return CronParser::parse(expression);
}

}  // namespace sluice::time
