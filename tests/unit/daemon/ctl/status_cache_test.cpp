// The status cache's entry (daemon/ctl/status_cache.hpp): what it gives back, what its key
// sees, when it is not written, and that an entry of any other shape is a miss.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon/ctl/status_cache.hpp"
#include "framework/config/load.hpp"
#include "tests/support/config_tree.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

// Pipelines with every field status reads set in some way, and a broken file.
test::ConfigTree fleet() {
  return test::ConfigTree({
      {"events.yaml", test::kPipelineConfig},
      {"tagged.yaml", test::sample_pipeline("tagged", R"(description: every field set
tags: [team_a, nightly]
paused: true
priority: 7
depends_on:
  - events
  - pipeline: upstream_latest
    mode: latest
)")},
      {"upstream_latest.yaml", test::sample_pipeline("upstream_latest")},
      {"ended.yaml", test::sample_pipeline("ended", R"(  end_date: 2024-04-01
  catchup: false
  x_time_back: 1mo2h
schedule:
  cron: "30 2 * * *"
  timezone: Europe/Zurich
)")},
      {"broken.yaml", test::sample_pipeline("broken", "bogus: 1\nalso_bogus: 2\n")},
  });
}

// Files and the daemon file unchanged for a second: an entry may be written.
void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

ctl::StatusCacheKey key_of(const test::ConfigTree& t,
                           const std::vector<store::Definition>* catalog = nullptr) {
  const auto daemon = t.dir.path() / "sluice.yaml";
  const auto dir = t.dir.path() / "pipelines.d";
  return ctl::status_cache_key(daemon, test::read_file(daemon), dir, config::pipeline_files(dir),
                               catalog);
}

void check_same_status_fields(const config::PipelineConfig& a, const config::PipelineConfig& b) {
  INFO(a.id.value);
  CHECK(a.id == b.id);
  CHECK(a.file == b.file);
  CHECK(a.description == b.description);
  CHECK(a.zone == b.zone);
  CHECK(a.window.zone == b.window.zone);
  CHECK(a.window.granularity == b.window.granularity);
  CHECK(a.window.start == b.window.start);
  CHECK(a.window.end == b.window.end);
  CHECK(a.window.catchup == b.window.catchup);
  CHECK(a.window.x_time_back == b.window.x_time_back);
  CHECK(a.tags == b.tags);
  CHECK(a.paused == b.paused);
  CHECK(a.pool == b.pool);
  CHECK(a.pool_slots == b.pool_slots);
  CHECK(a.priority == b.priority);
  CHECK(a.depends_on == b.depends_on);
  CHECK(a.run_if.has_value() == b.run_if.has_value());
}

}  // namespace

TEST_CASE("a status cache entry gives back what status reads of each pipeline and error",
          "[ctl][status_cache]") {
  const auto t = fleet();
  const auto loaded = t.loaded();
  for (const auto& q : loaded.quarantined) UNSCOPED_INFO(config::config_error_text(q));
  REQUIRE(loaded.pipelines.size() == 4);
  REQUIRE(loaded.quarantined.size() == 1);
  settle();
  const auto key = key_of(t);
  const auto entry = t.dir.path() / "cache" / "status.bin";
  REQUIRE(ctl::write_status_cache(entry, key, key, loaded));
  CHECK((fs::status(entry.parent_path()).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK((fs::status(entry).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));

  const auto read = ctl::read_status_cache(entry, key, loaded.daemon);
  REQUIRE(read);
  REQUIRE(read->pipelines.size() == loaded.pipelines.size());
  for (std::size_t i = 0; i < loaded.pipelines.size(); ++i)
    check_same_status_fields(read->pipelines[i], loaded.pipelines[i]);
  REQUIRE(read->quarantined.size() == 1);
  const auto& q = read->quarantined[0];
  CHECK(q.pipeline == loaded.quarantined[0].pipeline);
  CHECK(q.file == loaded.quarantined[0].file);
  CHECK(q.error == loaded.quarantined[0].error);
  CHECK(q.errors == loaded.quarantined[0].errors);
  CHECK(q.errors.size() == 2);
  CHECK(read->daemon.pipelines_dir == loaded.daemon.pipelines_dir);
}

TEST_CASE("the status cache key changes with each input of the load", "[ctl][status_cache]") {
  const auto t = fleet();
  const auto before = key_of(t);
  CHECK(key_of(t) == before);
  const auto events = t.dir.path() / "pipelines.d" / "events.yaml";
  const std::string text = test::kPipelineConfig;

  SECTION("a file rewritten to the same size") {
    std::string same_size = text;
    same_size.replace(same_size.find("demo.events_copy"), 16, "demo.events_cop2");
    test::write_file(events, same_size);
    CHECK(key_of(t).digest != before.digest);
  }
  SECTION("a file touched") {
    fs::last_write_time(events, fs::last_write_time(events) - std::chrono::hours(1));
    CHECK(key_of(t).digest != before.digest);
  }
  SECTION("a file added, or removed") {
    test::write_file(t.dir.path() / "pipelines.d" / "more.yaml", test::sample_pipeline("more"));
    CHECK(key_of(t).digest != before.digest);
    fs::remove(t.dir.path() / "pipelines.d" / "more.yaml");
    fs::remove(events);
    CHECK(key_of(t).digest != before.digest);
  }
  SECTION("the daemon file's text") {
    const auto daemon = t.dir.path() / "sluice.yaml";
    const auto dir = t.dir.path() / "pipelines.d";
    CHECK(ctl::status_cache_key(daemon, test::read_file(daemon) + "\n", dir,
                                config::pipeline_files(dir), nullptr)
              .digest != before.digest);
  }
  SECTION("the catalog: read or not, and each definition's version and checksum") {
    std::vector<store::Definition> catalog;
    const auto none = key_of(t, &catalog);
    CHECK(none.digest != before.digest);
    store::Definition c1;
    c1.pipeline = PipelineId{"c1"};
    c1.version = 1;
    c1.checksum = "aa";
    catalog.push_back(c1);
    const auto one = key_of(t, &catalog);
    CHECK(one.digest != none.digest);
    catalog[0].version = 2;
    const auto two = key_of(t, &catalog);
    CHECK(two.digest != one.digest);
    catalog[0].checksum = "ab";
    CHECK(key_of(t, &catalog).digest != two.digest);
    CHECK_FALSE(key_of(t, &catalog).catalog_secrets);
    catalog[0].yaml = "description: ${env:X}\n";
    CHECK(key_of(t, &catalog).catalog_secrets);
  }
}

TEST_CASE("no status cache entry is written for files just changed, changing, or with secrets",
          "[ctl][status_cache]") {
  const auto t = fleet();
  const auto loaded = t.loaded();
  const auto entry = t.dir.path() / "cache" / "status.bin";
  // Written again now, however long the load above took on a busy machine.
  test::write_file(t.dir.path() / "pipelines.d" / "events.yaml", test::kPipelineConfig);
  CHECK_FALSE(ctl::write_status_cache(entry, key_of(t), key_of(t), loaded));  // just written
  settle();
  const auto key = key_of(t);
  auto changed = key;
  changed.digest += "0";
  CHECK_FALSE(ctl::write_status_cache(entry, key, changed, loaded));  // changed during the load

  auto with_secret = loaded;
  with_secret.pipelines[0].text += "\ndescription: ${env:SECRET}\n";
  CHECK_FALSE(ctl::write_status_cache(entry, key, key, with_secret));
  auto with_catalog_secret = key;
  with_catalog_secret.catalog_secrets = true;
  CHECK_FALSE(ctl::write_status_cache(entry, with_catalog_secret, with_catalog_secret, loaded));
  CHECK_FALSE(fs::exists(entry));
  CHECK(ctl::write_status_cache(entry, key, key, loaded));
}

TEST_CASE("a status cache entry of another key, cut short or garbled is a miss",
          "[ctl][status_cache]") {
  const auto t = fleet();
  const auto loaded = t.loaded();
  settle();
  const auto key = key_of(t);
  const auto entry = t.dir.path() / "status.bin";
  REQUIRE(ctl::write_status_cache(entry, key, key, loaded));
  const auto bytes = test::read_file(entry);
  REQUIRE(ctl::read_status_cache(entry, key, loaded.daemon));

  auto other = key;
  other.digest[0] = other.digest[0] == '0' ? '1' : '0';
  CHECK_FALSE(ctl::read_status_cache(entry, other, loaded.daemon));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    test::write_file(entry, bytes.substr(0, n));
    INFO(n << " bytes of " << bytes.size());
    CHECK_FALSE(ctl::read_status_cache(entry, key, loaded.daemon));
  }
  test::write_file(entry, bytes + "x");
  CHECK_FALSE(ctl::read_status_cache(entry, key, loaded.daemon));
  // Every byte after the key flipped in turn: a miss or an answer, never a crash or a hang.
  const std::size_t header = 8 + 8 + key.digest.size();
  for (std::size_t i = header; i < bytes.size(); i += 7) {
    auto garbled = bytes;
    garbled[i] = static_cast<char>(~garbled[i]);
    test::write_file(entry, garbled);
    (void)ctl::read_status_cache(entry, key, loaded.daemon);
  }
  fs::remove(entry);
  CHECK_FALSE(ctl::read_status_cache(entry, key, loaded.daemon));
}
