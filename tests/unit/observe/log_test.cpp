#include <catch2/catch.hpp>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "framework/core/utf8.hpp"
#include "framework/observe/log.hpp"

using namespace sluice;

namespace {

struct Captured {
  std::ostringstream out;
  explicit Captured(observe::LogFormat format) {
    observe::init_logging(
        {spdlog::level::debug, format, std::make_shared<spdlog::sinks::ostream_sink_mt>(out)});
  }
  ~Captured() { observe::init_logging({}); }
};

}  // namespace

TEST_CASE("JSON log lines stay one valid object per line, whatever the message holds",
          "[observe]") {
  Captured c(observe::LogFormat::json);
  const Window w{Instant{Seconds{1710057600}}, Instant{Seconds{1710064800}}};
  observe::logger("claims")->warn(
      "{} said \"hi\"\nand a tab\there",
      observe::window_context(PipelineId{"orders"}, w, RunId{"scheduled__x"}));
  const std::string text = c.out.str();
  REQUIRE(std::count(text.begin(), text.end(), '\n') == 1);
  const auto line = nlohmann::json::parse(text);
  CHECK(line["level"] == "warning");
  CHECK(line["logger"] == "claims");
  CHECK(line["msg"] ==
        "pipeline=orders window=[2024-03-10T08:00:00Z, 2024-03-10T10:00:00Z) run=scheduled__x said "
        "\"hi\"\n"
        "and a tab\there");
  // `2024-03-10T08:00:00.123Z`: UTC with milliseconds
  CHECK(line["ts"].get<std::string>().size() == 24);
  CHECK(line["ts"].get<std::string>().back() == 'Z');
}

TEST_CASE("text log lines carry level and logger name, and the level filters", "[observe]") {
  Captured c(observe::LogFormat::text);
  observe::init_logging({spdlog::level::info, observe::LogFormat::text,
                         std::make_shared<spdlog::sinks::ostream_sink_mt>(c.out)});
  observe::logger("scheduler")->debug("hidden");
  observe::logger("scheduler")->info("shown");
  const std::string text = c.out.str();
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(text.find(" info [scheduler] shown\n") != std::string::npos);
}

TEST_CASE("JSON log lines show foreign bytes of a message as \\xNN and stay valid UTF-8",
          "[observe]") {
  Captured c(observe::LogFormat::json);
  observe::logger("chain")->error("cast error: '{}' is not an integer{}", "caf\xe9 \xff\xfe",
                                  std::string("\0!", 2));
  const std::string text = c.out.str();
  CHECK(is_storable_text(text));
  const auto line = nlohmann::json::parse(text);
  CHECK(line["msg"] == "cast error: 'caf\\xe9 \\xff\\xfe' is not an integer\\x00!");
}
