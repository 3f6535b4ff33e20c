#include "framework/time/field_template.hpp"

#include <array>
#include <sstream>

#include <date/date.h>
#include <fmt/format.h>

#include "framework/core/suggest.hpp"

namespace sluice::time {
namespace {

struct Placeholder {
  std::string_view name;
  bool takes_format;
};

// In the order of FieldTemplate::Part::Kind after `literal`.
constexpr std::array<Placeholder, 5> kPlaceholders{{
    {"pipeline", false},
    {"window_start", true},
    {"window_end", true},
    {"target_day", true},
    {"time_interval", false},
}};

// Names operators reach for that edit distance alone would match to the wrong placeholder.
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kSynonyms{{
    {"window_begin", "window_start"},
    {"window_from", "window_start"},
    {"start", "window_start"},
    {"window_to", "window_end"},
    {"window_stop", "window_end"},
    {"end", "window_end"},
    {"date", "target_day"},
    {"granularity", "time_interval"},
}};

std::optional<std::string> suggest(std::string_view name) {
  for (const auto& [alias, canonical] : kSynonyms)
    if (alias == name) return std::string(canonical);
  std::vector<std::string_view> names;
  names.reserve(kPlaceholders.size());
  for (const auto& p : kPlaceholders) names.push_back(p.name);
  return closest_match(name, names);
}

// The conversions date::format understands; anything else is a typo worth reporting at
// config load rather than text silently copied into every record.
constexpr std::string_view kConversions = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";

std::optional<std::string> check_format(std::string_view format) {
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    std::size_t j = i + 1;
    if (j < format.size() && (format[j] == 'E' || format[j] == 'O')) ++j;
    if (j >= format.size()) return fmt::format("format '{}' ends with a lone '%'", format);
    if (kConversions.find(format[j]) == std::string_view::npos)
      return fmt::format("format '{}' has an unknown conversion '%{}'", format, format[j]);
    i = j;
  }
  return std::nullopt;
}

std::string format_local(std::string_view format, Instant t, Zone zone) {
  const date::sys_info info = zone_info(zone, t);
  const auto local = date::local_seconds{t.time_since_epoch() + info.offset};
  std::ostringstream out;
  date::to_stream(out, std::string(format).c_str(), local, &info.abbrev, &info.offset);
  return out.str();
}

}  // namespace

tl::expected<FieldTemplate, std::string> FieldTemplate::parse(std::string_view text) {
  using Kind = Part::Kind;
  FieldTemplate t;
  t.text_ = std::string(text);
  std::vector<std::string> errors;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts_.push_back(Part{Kind::literal, std::move(literal)});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        i += 2;
        continue;
      }
      errors.push_back(
          fmt::format("unmatched '}}' at column {} (write '}}}}' for a literal brace)", i + 1));
      ++i;
      continue;
    }
    if (c != '{') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      i += 2;
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      errors.push_back(
          fmt::format("unclosed '{{' at column {} (write '{{{{' for a literal brace)", i + 1));
      break;
    }
    const std::string_view inside = text.substr(i + 1, close - i - 1);
    const std::size_t colon = inside.find(':');
    const std::string_view name = inside.substr(0, colon);
    const Placeholder* found = nullptr;
    Kind kind = Kind::literal;
    for (std::size_t k = 0; k < kPlaceholders.size(); ++k) {
      if (kPlaceholders[k].name != name) continue;
      found = &kPlaceholders[k];
      kind = static_cast<Kind>(k + 1);
    }
    if (!found) {
      std::string message = fmt::format("unknown placeholder {{{}}} at column {}", name, i + 1);
      if (auto guess = suggest(name))
        message += fmt::format(" (did you mean {{{}}}?)", *guess);
      else
        message +=
            " (known: {pipeline}, {window_start}, {window_end}, {target_day}, "
            "{time_interval})";
      errors.push_back(std::move(message));
    } else if (colon != std::string_view::npos) {
      const std::string_view format = inside.substr(colon + 1);
      if (!found->takes_format) {
        errors.push_back(
            fmt::format("placeholder {{{}}} at column {} takes no format", name, i + 1));
      } else if (format.empty()) {
        errors.push_back(fmt::format("empty format after '{}:' at column {}", name, i + 1));
      } else if (auto bad = check_format(format)) {
        errors.push_back(fmt::format("{} in {{{}}} at column {}", *bad, name, i + 1));
      } else {
        flush();
        t.parts_.push_back(Part{kind, std::string(format)});
      }
    } else {
      flush();
      t.parts_.push_back(Part{kind, {}});
    }
    i = close + 1;
  }
  flush();
  if (!errors.empty()) {
    std::string joined;
    for (const auto& e : errors) joined += (joined.empty() ? "" : "; ") + e;
    return tl::unexpected(std::move(joined));
  }
  return t;
}

std::string FieldTemplate::render(const TemplateContext& ctx, Escape escape) const {
  using Kind = Part::Kind;
  const Zone zone = ctx.zone ? ctx.zone : utc_zone();
  std::string out;
  std::string value;
  for (const auto& part : parts_) {
    if (part.kind == Kind::literal) {
      out += part.text;
      continue;
    }
    value.clear();
    render_placeholder(part, ctx, zone, value);
    out += escape ? escape(value) : value;
  }
  return out;
}

void FieldTemplate::render_placeholder(const Part& part, const TemplateContext& ctx, Zone zone,
                                       std::string& out) {
  using Kind = Part::Kind;
  switch (part.kind) {
    case Kind::literal: out += part.text; break;
    case Kind::pipeline: out += ctx.pipeline; break;
    case Kind::time_interval: out += ctx.granularity.to_string(); break;
    case Kind::window_start:
    case Kind::window_end: {
      const Instant t = part.kind == Kind::window_start ? ctx.window.start : ctx.window.end;
      out += part.text.empty() ? format_in_zone(t, zone) : format_local(part.text, t, zone);
      break;
    }
    case Kind::target_day: {
      const auto day = date::floor<date::days>(to_local(zone, ctx.window.start));
      const std::string format = part.text.empty() ? "%Y-%m-%d" : part.text;
      std::ostringstream s;
      date::to_stream(s, format.c_str(), day);
      out += s.str();
      break;
    }
  }
}

}  // namespace sluice::time
