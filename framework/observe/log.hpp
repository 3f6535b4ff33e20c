#pragma once
// Named spdlog loggers (`scheduler`, `claims`, `adapter.postgres`, ...) that all write to
// stderr, as text or JSON lines, so journald or any collector can take them as they are.
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "framework/core/ids.hpp"
#include "framework/core/window.hpp"

namespace sluice::observe {

enum class LogFormat { text, json };

struct LogSettings {
  spdlog::level::level_enum level = spdlog::level::info;
  LogFormat format = LogFormat::text;
  spdlog::sink_ptr sink;  // null: stderr (journald takes it from there)
};

// Safe to call again (a reload changes level and format of every existing logger).
void init_logging(const LogSettings& settings);

// The named logger, created on first use with the current sink and level.
std::shared_ptr<spdlog::logger> logger(std::string_view name);

// The prefix every line about a window carries, in text and JSON alike:
// `pipeline=orders window=[...) run=scheduled__...`.
std::string window_context(const PipelineId& pipeline, const Window& window, const RunId& run);

}  // namespace sluice::observe
