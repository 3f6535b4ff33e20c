#include "daemon/ctl/numbers.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace sluice::ctl {

CLI::Validator whole_number(std::int64_t min, std::int64_t max, const std::string& what) {
  auto check = [min, max, what](std::string& text) -> std::string {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const bool digits_only =
        !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    const bool canonical = digits_only && (text.size() == 1 || text[0] != '0');
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (!canonical || ec != std::errc() || at != end || value < min || value > max)
      return fmt::format("'{}' is not {} (a whole number from {} to {})", text, what, min, max);
    return {};
  };
  return CLI::Validator(check, fmt::format("INT in [{} - {}]", min, max));
}

CLI::Validator record_id() {
  return whole_number(1, std::numeric_limits<std::int64_t>::max(), "a record id");
}

CLI::Validator count_from(std::int64_t min, std::int64_t max) {
  return whole_number(min, max, "a count");
}

CLI::Validator finite_number(double min, double max) {
  auto check = [min, max](std::string& text) -> std::string {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || at != end || !std::isfinite(value) || value < min ||
        value > max)
      return fmt::format("'{}' is not a number from {} to {}", text, min, max);
    return {};
  };
  return CLI::Validator(check, fmt::format("NUMBER in [{} - {}]", min, max));
}

}  // namespace sluice::ctl
