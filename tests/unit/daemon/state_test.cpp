// What a config file means to sluiced (daemon/sluiced/state.*), without a server: which
// pipelines are active, a bad daemon file refused whole with its diagnostics, a bad pipeline
// file quarantined (its previous definition kept on reload), and what a reload changes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "daemon/sluiced/state.hpp"
#include "tasks/scheduling.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;

namespace {

// `events` of config_samples.hpp, under another id and with `extra` keys appended.
std::string pipeline(const std::string& id, const std::string& extra = "") {
  std::string text = test::kPipelineConfig;
  text.replace(text.find("id: events"), 10, "id: " + id);
  return text + extra;
}

// One config directory, rewritten between loads as an operator edits it before a SIGHUP.
struct ConfigDir {
  ConfigDir() { test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig); }
  void write(const std::map<std::string, std::string>& pipelines) const {
    std::filesystem::remove_all(dir.path() / "pipelines.d");
    for (const auto& [name, text] : pipelines)
      test::write_file(dir.path() / "pipelines.d" / (name + ".yaml"), text);
  }
  std::shared_ptr<const daemon::State> load(const daemon::State* before = nullptr) const {
    auto state = daemon::load_state(dir.path() / "sluice.yaml", before);
    if (!state)
      for (const auto& line : state.error()) UNSCOPED_INFO(line);
    REQUIRE(state);
    return *state;
  }
  test::TempDir dir;
};

std::vector<std::string> ids(const std::vector<std::shared_ptr<const tasks::PipelineRuntime>>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(p->id.value);
  return out;
}

}  // namespace

TEST_CASE("a paused pipeline is configured but neither generated nor claimed", "[daemon][state]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")}, {"b", pipeline("b", "paused: true\n")}});
  const auto state = config.load();
  CHECK(state->config.pipelines.size() == 2);
  CHECK(ids(state->all) == std::vector<std::string>{"a"});
  CHECK(ids(state->active) == std::vector<std::string>{"a"});
}

TEST_CASE("a paused pipeline's stale locks keep its own threshold and retries", "[daemon][state]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")},
                {"b", pipeline("b", "paused: true\nstale_threshold: 90s\nretries:\n  max: 7\n")}});
  const auto policy = tasks::stale_policy(config.load()->config);
  REQUIRE(policy.limits.size() == 2);
  const auto& b = policy.limits[0].pipeline.value == "b" ? policy.limits[0] : policy.limits[1];
  CHECK(b.pipeline.value == "b");
  CHECK(b.threshold == std::chrono::seconds(90));
  CHECK(b.max_retries == 7);
}

TEST_CASE("a broken daemon file is refused with file:line diagnostics", "[daemon][state]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")}});
  test::write_file(config.dir.path() / "sluice.yaml",
                   std::string(test::kDaemonConfig) + "workers: many\n");
  const auto state = daemon::load_state(config.dir.path() / "sluice.yaml");
  REQUIRE_FALSE(state);
  REQUIRE_FALSE(state.error().empty());
  bool names_the_file = false;
  for (const auto& line : state.error())
    names_the_file = names_the_file || line.find("sluice.yaml:") != std::string::npos;
  CHECK(names_the_file);
}

TEST_CASE("a broken pipeline file is quarantined at start: no definition, no runtime",
          "[daemon][state][isolation]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")}, {"b", pipeline("b", "window_typo: 1\n")}});
  const auto state = config.load();
  CHECK(ids(state->active) == std::vector<std::string>{"a"});
  CHECK_FALSE(state->config.find_pipeline("b"));
  REQUIRE(state->config.quarantined.size() == 1);
  CHECK(state->config.quarantined[0].pipeline.value == "b");
  CHECK_FALSE(state->config.quarantined[0].kept_previous);
}

TEST_CASE("a reload that breaks a running pipeline's file keeps its previous definition",
          "[daemon][state][isolation]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")}, {"b", pipeline("b")}, {"c", pipeline("c")}});
  const auto before = config.load();
  const auto runtime_of = [](const daemon::State& s, const std::string& id) {
    for (const auto& r : s.all)
      if (r->id.value == id) return r;
    return std::shared_ptr<const tasks::PipelineRuntime>();
  };

  // b broken, c broken and renamed in its file (its old id is kept), a fine.
  std::string c_broken = pipeline("c2", "bogus: 1\n");
  config.write({{"a", pipeline("a")}, {"b", pipeline("b", "window_typo: 1\n")}, {"c", c_broken}});
  const auto after = config.load(before.get());
  CHECK(ids(after->active) == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(after->config.quarantined.size() == 2);
  for (const auto& q : after->config.quarantined) CHECK(q.kept_previous);
  CHECK(after->config.quarantined[1].pipeline.value == "c");
  // The same definition and the same runtime (its adapters): nothing changed, nothing new
  // to register.
  CHECK(runtime_of(*after, "b") == runtime_of(*before, "b"));
  CHECK(runtime_of(*after, "a") != runtime_of(*before, "a"));
  CHECK(daemon::diff(*before, *after).describe() == "no pipeline changed");
  CHECK(after->config.pipelines[1].id.value == "b");  // still in file-name order

  // Still broken at the next reload: still kept; fixed: loaded anew.
  const auto again = config.load(after.get());
  CHECK(runtime_of(*again, "b") == runtime_of(*before, "b"));
  std::string b_fixed = pipeline("b");
  b_fixed.replace(b_fixed.find("demo.events_copy"), 16, "demo.other_copy");
  config.write({{"a", pipeline("a")}, {"b", b_fixed}, {"c", c_broken}});
  const auto fixed = config.load(again.get());
  CHECK(fixed->config.quarantined.size() == 1);
  CHECK(daemon::diff(*again, *fixed).changed == std::vector<std::string>{"b"});

  // A valid file that now holds the old id wins over the previous definition.
  config.write({{"a", pipeline("a")}, {"b", pipeline("b", "bogus: 1\n")}, {"b0", pipeline("b")}});
  const auto taken = config.load(fixed.get());
  REQUIRE(taken->config.find_pipeline("b"));
  CHECK(taken->config.find_pipeline("b")->file.filename() == "b0.yaml");
  for (const auto& q : taken->config.quarantined) CHECK_FALSE(q.kept_previous);
  CHECK(taken->config.pipelines.size() == 2);
}

TEST_CASE("a state's claim limits are made with it: a reload that changes a limit makes new ones",
          "[daemon][state][claim]") {
  ConfigDir config;
  config.write({{"a", pipeline("a")}, {"b", pipeline("b")}});
  const auto before = config.load();
  REQUIRE(before->claimable);
  CHECK(ids(before->claimable->pipelines()) == std::vector<std::string>{"a", "b"});
  REQUIRE(before->claimable->limits().limits().size() == 2);
  CHECK(before->claimable->limits().limits()[0].live == 1);
  CHECK(before->claimable->find(PipelineId{"b"}) == before->active[1].get());
  CHECK(before->claimable->find(PipelineId{"c"}) == nullptr);

  config.write(
      {{"a", pipeline("a", "max_active_windows: 3\n")}, {"b", pipeline("b", "paused: true\n")}});
  const auto after = config.load(before.get());
  REQUIRE(after->claimable);
  CHECK(ids(after->claimable->pipelines()) == std::vector<std::string>{"a"});
  REQUIRE(after->claimable->limits().limits().size() == 1);
  CHECK(after->claimable->limits().limits()[0].live == 3);
  CHECK(after->claimable->limits().fingerprint() != before->claimable->limits().fingerprint());
  // The state it replaced keeps its own: a worker amid a claim finishes under those.
  CHECK(before->claimable->limits().limits().size() == 2);

  // The same files again: the same fingerprint, so the stored limits are not sent again.
  const auto again = config.load(after.get());
  CHECK(again->claimable->limits().fingerprint() == after->claimable->limits().fingerprint());
}

TEST_CASE("a reload's diff names the pipelines added, removed, changed, paused and unpaused",
          "[daemon][state]") {
  ConfigDir config;
  config.write({{"kept", pipeline("kept")},
                {"edited", pipeline("edited")},
                {"stopped", pipeline("stopped")},
                {"resumed", pipeline("resumed", "paused: true\n")},
                {"dropped", pipeline("dropped")}});
  const auto before = config.load();
  std::string edited = pipeline("edited");
  edited.replace(edited.find("demo.events_copy"), 16, "demo.other_copy");
  config.write({{"kept", pipeline("kept")},
                {"edited", edited},
                {"stopped", pipeline("stopped", "paused: true\n")},
                {"resumed", pipeline("resumed")},
                {"fresh", pipeline("fresh")}});
  const auto d = daemon::diff(*before, *config.load());
  CHECK(d.added == std::vector<std::string>{"fresh"});
  CHECK(d.removed == std::vector<std::string>{"dropped"});
  CHECK(d.changed == std::vector<std::string>{"edited"});  // pausing alone is no change
  CHECK(d.paused == std::vector<std::string>{"stopped"});
  CHECK(d.unpaused == std::vector<std::string>{"resumed"});
  CHECK(d.describe() ==
        "added fresh; removed dropped; changed edited; paused stopped; unpaused resumed");
  CHECK(daemon::diff(*before, *before).describe() == "no pipeline changed");
}
