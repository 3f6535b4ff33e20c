#include "framework/observe/log.hpp"

#include <mutex>

#include <date/date.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <nlohmann/json.hpp>

#include "framework/core/utf8.hpp"

namespace sluice::observe {
namespace {

// spdlog's pattern language cannot escape a message, so JSON lines get their own formatter.
// A message may quote foreign bytes (an error body, a file name): they are escaped, and the
// dump replaces whatever else is not UTF-8, so a line is always valid JSON.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line = {
        {"ts", date::format("%Y-%m-%dT%H:%M:%SZ",
                            std::chrono::floor<std::chrono::milliseconds>(msg.time))},
        {"level", std::string_view(spdlog::level::to_string_view(msg.level).data(),
                                   spdlog::level::to_string_view(msg.level).size())},
        {"logger", std::string_view(msg.logger_name.data(), msg.logger_name.size())},
        // Invalid bytes shown as `\xNN`, as in the database, rather than replaced unseen.
        {"msg", storable_text(std::string_view(msg.payload.data(), msg.payload.size()))},
    };
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

struct State {
  std::mutex mutex;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  LogSettings settings;
};

State& state() {
  static State s;
  return s;
}

void apply(spdlog::logger& l, const LogSettings& settings, const spdlog::sink_ptr& sink) {
  l.sinks() = {sink};
  l.set_level(settings.level);
  if (settings.format == LogFormat::json) {
    l.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    // No timestamp colour tricks: journald adds its own time, a terminal reads this fine.
    l.set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e %l [%n] %v"));
  }
}

}  // namespace

void init_logging(const LogSettings& settings) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.settings = settings;
  s.sink = settings.sink ? settings.sink : std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { apply(*l, settings, s.sink); });
}

std::shared_ptr<spdlog::logger> logger(std::string_view name) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  const std::string key(name);
  if (auto existing = spdlog::get(key)) return existing;
  auto created = std::make_shared<spdlog::logger>(key, s.sink);
  apply(*created, s.settings, s.sink);
  spdlog::register_logger(created);
  return created;
}

std::string window_context(const PipelineId& pipeline, const Window& window, const RunId& run) {
  return "pipeline=" + pipeline.value + " window=" + to_string(window) +
         " run=" + (run.value.empty() ? "-" : run.value);
}

}  // namespace sluice::observe
