// Commands that name their pipelines build only those pipelines' files (and their
// upstreams'): a broken file elsewhere in pipelines.d does not touch them, while validate and
// the commands over the whole fleet still see it; an unknown id is refused with the fleet's
// ids as before, and --downstream still finds the children.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"

using namespace sluice;

namespace {

// copy_events run once (24 SUCCESS records), a child depending on it, and a pipeline file
// that is not even YAML.
struct Env : test::CtlEnv {
  Env() {
    load_copy_events();
    test::write_file(dir.path() / "pipelines.d" / "child.yaml", R"(id: child
source:
  connection: db
  table: dst
  time_column: event_time
target:
  connection: db
  table: dst_child
depends_on: [copy_events]
schedule:
  cron: "0 * * * *"
  timezone: UTC
window:
  granularity: 1h
  start_date: "2024-01-01"
  end_date: "2024-01-02"
)");
    test::write_file(dir.path() / "pipelines.d" / "broken.yaml", "id: broken\nsource: [\n");
  }
};

bool mentions(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "a command naming a pipeline is not touched by a broken file elsewhere, and validate "
    "still reports it",
    "[e2e][ctl]") {
  Env e;
  const auto status = e.ctl({"-o", "json", "status", "copy_events"});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  const auto rows = nlohmann::json::parse(status.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["pipeline"] == "copy_events");
  CHECK(rows[0]["succeeded"] == 24);

  // records list of one pipeline, by record id, or of every pipeline: the rows' pipelines
  // alone are built, so no warning about the broken file.
  const auto id = std::to_string(e.id_at("2024-01-01T05:00:00Z"));
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"records", "list", "-p", "copy_events"},
        {"records", "list", "--id", id},
        {"records", "list"}}) {
    const auto r = e.ctl(args);
    CAPTURE(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(mentions(r.err, "broken"));
    CHECK(mentions(r.out, "copy_events"));
  }
  const auto by_id = e.ctl({"records", "list", "--id", id});
  CHECK(mentions(by_id.out, "2024-01-01T05:00:00+00:00"));  // the pipeline's zone: UTC

  const auto paused = e.ctl({"pause", "copy_events"});
  INFO(paused.err);
  CHECK(paused.exit_code == 0);
  CHECK(paused.out == "copy_events: paused\n");
  CHECK(e.count("SELECT count(*) FROM pipelines WHERE pipeline_id = 'copy_events' AND paused") ==
        1);

  // The whole fleet: validate fails on it, status lists it as a config error, --tag warns.
  const auto validate = e.ctl({"validate"});
  CHECK(validate.exit_code != 0);
  CHECK(mentions(validate.out + validate.err, "broken.yaml"));
  const auto all = e.ctl({"status"});
  CHECK(all.exit_code == 0);
  CHECK(std::regex_search(all.out, std::regex("\nbroken +config error")));
  // Named, the quarantined one is its row with its error, as before.
  const auto named_broken = e.ctl({"status", "broken"});
  CHECK(named_broken.exit_code == 0);
  CHECK(mentions(named_broken.out, "config error"));
  CHECK(mentions(named_broken.out, "broken.yaml:"));
}

TEST_CASE(
    "an unknown pipeline is refused with the fleet's ids, and --downstream finds the children",
    "[e2e][ctl]") {
  Env e;
  test::check_ctl_refusals(
      e,
      {{"unknown pipeline",
        {"status", "copy_event"},
        "unknown pipeline 'copy_event' (did you mean 'copy_events'?); pipelines: child "
        "copy_events history"},
       {"unknown pipeline in a list", {"records", "list", "-p", "chil"}, "(did you mean 'child'?)"},
       {"unknown pipeline to pause", {"pause", "copy_events", "nope"}, "unknown pipeline 'nope'"},
       {"quarantined pipeline",
        {"rerun", "broken", "--from", "2024-01-01", "-y"},
        "pipeline 'broken' is not loaded: config error"}});

  const auto rerun = e.ctl({"rerun", "copy_events", "--from", "2024-01-01T00:00:00Z", "--to",
                            "2024-01-01T02:00:00Z", "--downstream", "-y"});
  INFO(rerun.err);
  REQUIRE(rerun.exit_code == 0);
  CHECK(rerun.out == "rerun: 2 record(s) of copy_events\nrerun: 0 record(s) of child\n");
  // Without it, the child is neither built nor touched.
  const auto alone = e.ctl({"rerun", "copy_events", "--from", "2024-01-01T02:00:00Z", "--to",
                            "2024-01-01T03:00:00Z", "-y"});
  INFO(alone.err);
  REQUIRE(alone.exit_code == 0);
  CHECK(alone.out == "rerun: 1 record(s) of copy_events\n");
}
