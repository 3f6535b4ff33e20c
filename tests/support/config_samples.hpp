#pragma once
// Small configs that several tests build on.
#include <string>

namespace sluice::test {

// A daemon file with one postgres connection `pg`.
inline constexpr const char* kDaemonConfig = R"(connections:
  pg:
    kind: postgres
    url: postgresql://sluice@localhost/sluice
)";

// A pipeline `events` over `pg`, every optional key left out.
inline constexpr const char* kPipelineConfig = R"(id: events
source:
  connection: pg
  table: demo.events
  time_column: event_time
target:
  connection: pg
  table: demo.events_copy
window:
  granularity: 1h
  start_date: 2024-03-01
)";

// kPipelineConfig (`events`) under another id, with `extra` keys appended.
inline std::string sample_pipeline(const std::string& id, const std::string& extra = "") {
  std::string text = kPipelineConfig;
  text.replace(text.find("id: events"), 10, "id: " + id);
  return text + extra;
}

// A daemon file whose database password is ${env:DB_PASSWORD} and whose connection `pg` has
// the literal password inlineVALUE-4 in its URL; more connections may be appended.
inline constexpr const char* kDaemonWithSecrets = R"(database:
  host: db
  password: ${env:DB_PASSWORD}
connections:
  pg:
    kind: postgres
    url: postgresql://loader:inlineVALUE-4@warehouse/dw
)";

}  // namespace sluice::test
