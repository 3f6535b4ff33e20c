#pragma once
// Business-field templates (the seed's key_x/key_y/key_z generalised), rendered per window:
// `{pipeline}/{window_start:%Y/%m/%d/%H}`, `{target_day}`. Placeholders: pipeline,
// window_start, window_end, target_day, time_interval; an optional strftime-style format after
// `:` applies to the time ones (in the pipeline's zone). `{{` and `}}` are literal braces.
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "framework/core/window.hpp"
#include "framework/time/granularity.hpp"
#include "framework/time/zone.hpp"

namespace sluice::time {

struct TemplateContext {
  std::string_view pipeline;
  Window window;
  Zone zone = nullptr;
  Granularity granularity;
};

class FieldTemplate {
 public:
  // "unknown placeholder {window_begin} at column 12 (did you mean {window_start}?)"
  static tl::expected<FieldTemplate, std::string> parse(std::string_view text);
  // `escape`, when given, encodes each placeholder's value (never the literal text): a URL
  // template percent-encodes the window's `+02:00` without touching its own `?` and `&`.
  using Escape = std::string (*)(std::string_view value);
  std::string render(const TemplateContext& ctx, Escape escape = nullptr) const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    enum class Kind { literal, pipeline, window_start, window_end, target_day, time_interval } kind;
    std::string text;  // the literal, or the format for the time placeholders
  };
  static void render_placeholder(const Part& part, const TemplateContext& ctx, Zone zone,
                                 std::string& out);

  std::string text_;
  std::vector<Part> parts_;
};

}  // namespace sluice::time
