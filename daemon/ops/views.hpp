#pragma once
// The JSON shapes `sluicectl -o json` prints and the HTTP API answers: one function per
// shape, so both say the same thing of the same rows.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "framework/config/model.hpp"
#include "framework/store/operator.hpp"

namespace sluice::ops {

// A line of `records list` / `locks list`; times in UTC (RFC 3339).
nlohmann::json record_row_json(const store::RecordRow& r);
// The same as JSON text appended to `out`, written without building a json value: a page of
// the API's records is a hundred of these.
void append_record_row_json(std::string& out, const store::RecordRow& r);
// `text` as a JSON string, as nlohmann's dump writes it (bytes that are not UTF-8 replaced).
void append_json_string(std::string& out, std::string_view text);
// `records show`: every column, then its events oldest first, then its data checks.
nlohmann::ordered_json record_detail_json(const store::RecordDetail& d);

// A line of `locks list`: a running record, its lease age and whether that is past its
// pipeline's stale threshold (a pipeline the config does not know: the default threshold).
nlohmann::json lock_json(const config::Config& config, const store::RecordRow& r);

// When a schedule's next window becomes due: the window after the last one it generated
// (or the first from start_date), due at end + x_time_back. nullopt past end_date.
std::optional<Instant> next_due(const time::WindowSpec& spec, std::optional<Instant> last_end);

// One pipeline of `status`: the records' counts with what the config adds.
struct PipelineStatus {
  // Null for a quarantined file with no definition loaded (config_error set, no schedule).
  const config::PipelineConfig* pipeline = nullptr;
  store::PipelineCounts counts{};
  bool paused = false;  // in the config or by `pause`
  std::optional<Instant> next_due{};
  // How far the newest finished window lags behind the newest due one (now - x_time_back):
  // nullopt before the first success.
  std::optional<Seconds> lateness{};
  // Its file has errors (state `config_error`); with `pipeline` set, it runs its previous
  // definition (kept_previous).
  const config::Quarantined* config_error = nullptr;
  time::Zone zone = nullptr;  // the pipeline's; the daemon's when it has no definition
};
// The ids whose oldest PENDING window status asks what holds it (store::Operator::counts):
// each pipeline with `depends_on` or `run_if`, and each quarantined file's.
std::vector<std::string> may_wait(const config::Config& config);
// Loaded pipelines, and quarantined ones with no definition (pipeline null), for the ids
// `counts` holds (a quarantined file with a loaded id: one row each), by id.
std::vector<PipelineStatus> pipeline_statuses(const config::Config& config,
                                              std::vector<store::PipelineCounts> counts,
                                              Instant now);
// Times in the pipeline's zone, with their offset. `state`: active | paused | config_error.
nlohmann::json pipeline_status_json(const PipelineStatus& s);
// {file, line, column, path, message, running_previous_definition} of its first error.
nlohmann::json config_error_json(const config::Quarantined& q);

}  // namespace sluice::ops
