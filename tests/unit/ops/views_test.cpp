// The records' JSON text the API writes by hand (daemon/ops/views.*) is byte for byte what
// nlohmann's dump writes for the same values, hostile text included.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "daemon/ops/views.hpp"

using namespace sluice;
using nlohmann::json;

namespace {

json reference(const store::RecordRow& r) {
  const auto text = [](const std::string& s) { return s.empty() ? json() : json(s); };
  const auto number = [](std::optional<std::int64_t> n) { return n ? json(*n) : json(); };
  return {{"id", r.id},
          {"pipeline", r.pipeline},
          {"window_start", format_utc(r.window_start)},
          {"window_end", format_utc(r.window_end)},
          {"status", r.status},
          {"trigger", r.trigger},
          {"audit_result", text(r.audit_result)},
          {"dag_run_id", text(r.run)},
          {"phase_completed", text(r.phase)},
          {"retry_attempt", r.retry_attempt},
          {"locked_by", text(r.locked_by)},
          {"source_count", number(r.source_count)},
          {"target_count", number(r.target_count)},
          {"error_message", text(r.error)},
          {"waiting_on", text(r.waiting_on)},
          {"duration_seconds", r.duration_seconds ? json(*r.duration_seconds) : json()}};
}

}  // namespace

TEST_CASE("a record row's JSON text is what nlohmann writes for its values", "[ops][views]") {
  store::RecordRow plain;
  plain.id = 42;
  plain.pipeline = "orders";
  plain.window_start = Instant{Seconds{1704067200}};
  plain.window_end = Instant{Seconds{1704070800}};
  plain.status = "SUCCESS";
  plain.trigger = "scheduled";
  plain.run = "scheduled__2024-01-01T01:00:00.000001+00:00";
  plain.phase = "audit";
  plain.retry_attempt = 2;
  plain.source_count = 10;
  plain.target_count = 0;
  plain.duration_seconds = 3.0;

  store::RecordRow hostile = plain;
  hostile.pipeline = "quote\" back\\slash";
  hostile.error = "line\nbreak\ttab \x01 bell\x07 \xff\xfe not UTF-8, caf\xc3\xa9 UTF-8";
  hostile.locked_by = "host\x7f:1";
  hostile.source_count.reset();
  hostile.run.clear();
  hostile.phase.clear();
  hostile.duration_seconds.reset();
  hostile.audit_result = "ACCEPTED";
  store::RecordRow fraction = plain;
  fraction.duration_seconds = 0.123456789;

  for (const auto& r : {plain, hostile, fraction}) {
    std::string text;
    ops::append_record_row_json(text, r);
    INFO(text);
    CHECK(text == reference(r).dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(ops::record_row_json(r) == json::parse(text));
  }
}
