// `sluicectl status` answered from its cache entry shows what a load of every file shows:
// whatever changed since the entry was written (a file edited to the same size, added,
// removed, broken, fixed; the daemon file; the catalog) is seen at the next call, and a
// pipeline file that refers to a secret keeps the entry from being written.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/ctl.hpp"
#include "tests/support/files.hpp"
#include "tests/support/process.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

struct Env : test::CtlEnv {
  test::TempDir cache;

  // `status -o json` with the cache (or --no-cache), lateness left out (it moves with the
  // clock between two calls).
  nlohmann::json status(bool use_cache = true) const {
    std::vector<std::string> args{"-c", config, "-o", "json", "status"};
    if (!use_cache) args.push_back("--no-cache");
    const auto r = test::run_process(test::ctl_argv(args), {{"SLUICE_DATABASE_URL", db.url()},
                                                            {"SLUICE_CACHE_DIR", cache.path()}});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rows = nlohmann::json::parse(r.out);
    for (auto& row : rows) row.erase("lateness_seconds");
    return rows;
  }

  std::size_t entries() const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(cache.path()))
      n += e.path().extension() == ".bin" ? 1 : 0;
    return n;
  }

  fs::path pipeline_file(const std::string& id) const {
    return dir.path() / "pipelines.d" / (id + ".yaml");
  }

  // The cache's answer, checked against a load of every file.
  nlohmann::json checked_status() const {
    const auto cached = status();
    CHECK(cached == status(false));
    return cached;
  }
};

// An entry is written only for files unchanged for a second: their times may not move at a
// second change within the kernel's clock tick.
void settle() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

const nlohmann::json* row_of(const nlohmann::json& rows, const std::string& id) {
  for (const auto& row : rows)
    if (row["pipeline"] == id) return &row;
  return nullptr;
}

}  // namespace

TEST_CASE("status from its cache entry sees every change made to the files since",
          "[e2e][ctl][status_cache]") {
  Env e;
  e.load_copy_events();
  settle();
  const auto first = e.status();
  REQUIRE(e.entries() == 1);
  REQUIRE(row_of(first, "copy_events"));
  CHECK((*row_of(first, "copy_events"))["succeeded"] == 24);
  CHECK(e.checked_status() == first);

  SECTION("a file edited to the same size, at once") {
    auto text = test::read_file(e.pipeline_file("history"));
    text += "description: aaaa\n";
    test::write_file(e.pipeline_file("history"), text);
    settle();
    CHECK((*row_of(e.checked_status(), "history"))["description"] == "aaaa");
    text.replace(text.size() - 5, 4, "bbbb");
    test::write_file(e.pipeline_file("history"), text);  // within the entry's own second
    CHECK((*row_of(e.checked_status(), "history"))["description"] == "bbbb");
  }
  SECTION("a file added, broken, fixed and removed") {
    auto text = test::read_file(e.pipeline_file("history"));
    text.replace(text.find("id: history"), 11, "id: added_p");
    test::write_file(e.pipeline_file("added_p"), text);
    CHECK(row_of(e.checked_status(), "added_p"));
    settle();
    CHECK(row_of(e.status(), "added_p"));  // an entry written with it
    test::write_file(e.pipeline_file("added_p"), "id: added_p\nsource: [\n");
    const auto broken = e.checked_status();
    REQUIRE(row_of(broken, "added_p"));
    CHECK((*row_of(broken, "added_p"))["state"] == "config_error");
    settle();
    CHECK((*row_of(e.status(), "added_p"))["state"] == "config_error");  // from the entry
    test::write_file(e.pipeline_file("added_p"), text);
    CHECK((*row_of(e.checked_status(), "added_p"))["state"] == "active");
    settle();
    e.status();
    fs::remove(e.pipeline_file("added_p"));
    CHECK_FALSE(row_of(e.checked_status(), "added_p"));
  }
  SECTION("the daemon file changed: the pipelines' connection renamed") {
    auto text = test::read_file(e.config);
    text.replace(text.find("\n  db:\n"), 7, "\n  other:\n");
    test::write_file(e.config, text);
    const auto rows = e.checked_status();
    REQUIRE(row_of(rows, "copy_events"));
    CHECK((*row_of(rows, "copy_events"))["state"] == "config_error");
  }
  SECTION("records list --tag reads the tags from the entry, and sees them change") {
    const auto file = e.pipeline_file("copy_events");
    const auto text = test::read_file(file);
    test::write_file(file, text + "tags: [team_x]\n");
    settle();
    e.status();  // writes the entry with the tag
    const auto tagged = [&](const std::string& tag) {
      return test::run_process(
          test::ctl_argv({"-c", e.config, "records", "list", "--tag", tag}),
          {{"SLUICE_DATABASE_URL", e.db.url()}, {"SLUICE_CACHE_DIR", e.cache.path()}});
    };
    auto r = tagged("team_x");
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("copy_events") != std::string::npos);
    test::write_file(file, text + "tags: [team_y]\n");  // the same size, at once
    r = tagged("team_x");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("team_y") != std::string::npos);  // the tags there are
    CHECK(tagged("team_y").exit_code == 0);
  }
  SECTION("a pause in the database is read at every call, not kept") {
    const auto r = e.ctl({"pause", "copy_events"});
    REQUIRE(r.exit_code == 0);
    CHECK((*row_of(e.checked_status(), "copy_events"))["state"] == "paused");
  }
  SECTION("a pipeline file that refers to a secret keeps the entry from being written") {
    fs::remove_all(e.cache.path());
    fs::create_directories(e.cache.path());
    auto text = test::read_file(e.pipeline_file("history"));
    test::write_file(e.pipeline_file("history"),
                     text + "description: \"${env:SLUICE_STATUS_CACHE_TEST_UNSET}\"\n");
    settle();
    e.checked_status();
    CHECK(e.entries() == 0);
  }
  SECTION("an entry cut short or overwritten with garbage is a miss, never an answer") {
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(e.cache.path())) entries.push_back(entry);
    REQUIRE(entries.size() == 1);
    const auto bytes = test::read_file(entries[0]);
    test::write_file(entries[0], bytes.substr(0, bytes.size() / 2));
    CHECK(e.status() == first);
    test::write_file(entries[0], std::string(bytes.size(), '\xff'));
    CHECK(e.status() == first);
    CHECK(test::read_file(entries[0]) == bytes);  // written again, whole
  }
}
