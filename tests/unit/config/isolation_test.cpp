// Failure isolation of the loader (load_config_isolating): a pipeline file with errors is
// quarantined with its first error's place and the other files load; an error of the daemon
// file still fails the whole load; load_config (validate) still fails on any error.
#include <unistd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

std::string pipeline(const std::string& id, const std::string& extra = "") {
  return test::sample_pipeline(id, extra);
}

struct Tree {
  test::TempDir dir;
  config::Environment env = config::Environment::fixed({});

  explicit Tree(const std::map<std::string, std::string>& pipelines,
                const std::string& daemon = test::kDaemonConfig) {
    test::write_file(dir.path() / "sluice.yaml", daemon);
    fs::create_directories(dir.path() / "pipelines.d");
    for (const auto& [name, text] : pipelines) test::write_file(file(name), text);
  }
  fs::path file(const std::string& name) const { return dir.path() / "pipelines.d" / name; }
  tl::expected<config::Config, config::Diagnosed> isolating() const {
    return config::load_config_isolating(dir.path() / "sluice.yaml", {&env, true});
  }
  tl::expected<config::Config, config::Diagnosed> strict() const {
    return config::load_config(dir.path() / "sluice.yaml", {&env, true});
  }
  config::Config loaded() const {
    auto c = isolating();
    if (!c)
      for (const auto& d : c.error()) UNSCOPED_INFO(config::to_string(d));
    REQUIRE(c);
    return std::move(*c);
  }
};

std::vector<std::string> ids(const config::Config& c) {
  std::vector<std::string> out;
  for (const auto& p : c.pipelines) out.push_back(p.id.value);
  return out;
}

}  // namespace

TEST_CASE("one broken pipeline file of three: two load, one is quarantined at its first error",
          "[config][isolation]") {
  // b.yaml: an unknown key on line 12 and a bad granularity on line 10 (the first by place).
  std::string broken = pipeline("b", "retires: 3\n");
  broken.replace(broken.find("granularity: 1h"), 15, "granularity: 7q");
  Tree tree({{"a.yaml", pipeline("a")}, {"b.yaml", broken}, {"c.yaml", pipeline("c")}});
  const auto c = tree.loaded();
  CHECK(ids(c) == std::vector<std::string>{"a", "c"});
  REQUIRE(c.quarantined.size() == 1);
  const auto& q = c.quarantined.front();
  CHECK(q.pipeline.value == "b");
  CHECK(q.file == tree.file("b.yaml"));
  CHECK_FALSE(q.kept_previous);
  REQUIRE(q.errors.size() == 2);
  CHECK(q.error == q.errors.front());
  CHECK(q.error.where == config::Location{tree.file("b.yaml").string(), 10, 16});
  CHECK(q.error.path == "window.granularity");
  CHECK(q.errors[1].where.line == 12);
  CHECK(config::config_error_text(q).starts_with("config error " + tree.file("b.yaml").string() +
                                                 ":10:16: window.granularity: "));
  CHECK(c.find_quarantined("b") == &q);
  CHECK_FALSE(c.find_pipeline("b"));

  // `sluicectl validate` still fails on it, with the same errors.
  const auto strict = tree.strict();
  REQUIRE_FALSE(strict);
  CHECK(strict.error() == q.errors);
}

TEST_CASE("an undefined connection quarantines its pipeline alone", "[config][isolation]") {
  std::string text = pipeline("b");
  text.replace(text.find("connection: pg"), 14, "connection: gp");
  Tree tree({{"a.yaml", pipeline("a")}, {"b.yaml", text}});
  const auto c = tree.loaded();
  CHECK(ids(c) == std::vector<std::string>{"a"});
  REQUIRE(c.quarantined.size() == 1);
  const auto& e = c.quarantined.front().error;
  CHECK(e.where == config::Location{tree.file("b.yaml").string(), 3, 15});
  CHECK(e.path == "source.connection");
  CHECK(e.message == "undefined connection 'gp' (did you mean 'pg'?)");
}

TEST_CASE("a duplicate id: the first valid file in name order loads, the other is quarantined",
          "[config][isolation]") {
  SECTION("both valid: the first by name loads, the second names it") {
    Tree tree({{"a.yaml", pipeline("x")}, {"b.yaml", pipeline("x")}, {"c.yaml", pipeline("c")}});
    const auto c = tree.loaded();
    CHECK(ids(c) == std::vector<std::string>{"x", "c"});
    CHECK(c.find_pipeline("x")->file == tree.file("a.yaml"));
    REQUIRE(c.quarantined.size() == 1);
    const auto& q = c.quarantined.front();
    CHECK(q.pipeline.value == "x");
    CHECK(q.file == tree.file("b.yaml"));
    CHECK(q.error.where == config::Location{tree.file("b.yaml").string(), 1, 5});
    CHECK(q.error.message == "duplicate pipeline id 'x': also defined in " +
                                 tree.file("a.yaml").string() +
                                 ":1:5, which is the one loaded (the first valid file in "
                                 "file-name order)");
  }
  SECTION("the first one broken: the valid second loads; the broken one hears of it") {
    Tree tree({{"a.yaml", pipeline("x", "bogus: 1\n")}, {"b.yaml", pipeline("x")}});
    const auto c = tree.loaded();
    REQUIRE(ids(c) == std::vector<std::string>{"x"});
    CHECK(c.find_pipeline("x")->file == tree.file("b.yaml"));
    REQUIRE(c.quarantined.size() == 1);
    const auto& q = c.quarantined.front();
    CHECK(q.file == tree.file("a.yaml"));
    REQUIRE(q.errors.size() == 2);
    CHECK(q.errors[0].message.starts_with("duplicate pipeline id 'x': also defined in " +
                                          tree.file("b.yaml").string() + ":1:5, which is the one"));
    CHECK(q.errors[1].path == "bogus");
  }
  SECTION("both broken: both quarantined, the second names the first") {
    Tree tree({{"a.yaml", pipeline("x", "bogus: 1\n")}, {"b.yaml", pipeline("x", "bogus: 2\n")}});
    const auto c = tree.loaded();
    CHECK(c.pipelines.empty());
    REQUIRE(c.quarantined.size() == 2);
    CHECK(c.quarantined[0].errors.size() == 1);
    CHECK(c.quarantined[1].error.message ==
          "duplicate pipeline id 'x': also defined in " + tree.file("a.yaml").string() +
              ":1:5 (the first valid file in file-name order is the one loaded)");
  }
}

TEST_CASE("an error of the daemon file still fails the whole load", "[config][isolation]") {
  SECTION("a bad key") {
    Tree tree({{"a.yaml", pipeline("a")}, {"b.yaml", pipeline("b", "bogus: 1\n")}},
              std::string(test::kDaemonConfig) + "workers: many\n");
    const auto c = tree.isolating();
    REQUIRE_FALSE(c);
    // Every error at once, as validate lists them: the daemon file's and the pipeline's.
    REQUIRE(c.error().size() == 2);
    CHECK(c.error()[0].path == "bogus");
    CHECK(c.error()[1].path == "workers");
  }
  SECTION("an unreadable daemon file") {
    Tree tree({{"a.yaml", pipeline("a")}}, "connections: [\n");
    REQUIRE_FALSE(tree.isolating());
  }
  SECTION("a pipelines_dir that does not exist") {
    Tree tree({}, std::string(test::kDaemonConfig) + "pipelines_dir: nowhere\n");
    const auto c = tree.isolating();
    REQUIRE_FALSE(c);
    CHECK(c.error().front().path == "pipelines_dir");
  }
}

TEST_CASE("hostile pipeline files are quarantined by their file's name, the others load",
          "[config][isolation][hostile]") {
  Tree tree({{"a.yaml", pipeline("a")}, {"z.yaml", pipeline("z")}});
  std::string name, expected;
  SECTION("empty") {
    name = "empty.yaml";
    test::write_file(tree.file(name), "");
    expected = "the file is empty";
  }
  SECTION("binary garbage") {
    name = "garbage.yaml";
    std::string bytes;
    for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>((i * 131 + 7) % 256));
    test::write_file(tree.file(name), bytes);
    expected = "not valid UTF-8";
  }
  SECTION("an alias bomb") {
    name = "bomb.yaml";
    std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 9; ++i) {
      const auto prev = "*a" + std::to_string(i - 1);
      text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev +
              ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev +
              ", " + prev + ", " + prev + "]\n";
    }
    test::write_file(tree.file(name), "id: bomb\n" + text);
    expected = "a YAML alias bomb?";
  }
  SECTION("a directory named like a pipeline file") {
    name = "dir.yaml";
    fs::create_directories(tree.file(name));
    expected = "is a directory";
  }
  SECTION("larger than the cap") {
    name = "huge.yaml";
    test::write_file(tree.file(name), "id: huge\n# " + std::string(9 * 1024 * 1024, 'x') + "\n");
    expected = "larger than 8 MiB";
  }
  SECTION("a dangling symbolic link (unreadable, even by root)") {
    name = "gone.yaml";
    fs::create_symlink(tree.dir.path() / "nowhere.yaml", tree.file(name));
    expected = "cannot read: No such file or directory";
  }
  SECTION("unreadable (not as root: root reads it anyway)") {
    if (::geteuid() == 0) return;
    name = "locked.yaml";
    test::write_file(tree.file(name), pipeline("locked"));
    fs::permissions(tree.file(name), fs::perms::none);
    expected = "cannot read";
  }
  if (name.empty()) return;
  const auto c = tree.loaded();
  CHECK(ids(c) == std::vector<std::string>{"a", "z"});
  REQUIRE(c.quarantined.size() == 1);
  const auto& q = c.quarantined.front();
  INFO(config::to_string(q.error));
  CHECK(q.file == tree.file(name));
  // No id can be read from any of these: the file's stem stands for it.
  CHECK(q.pipeline.value == tree.file(name).stem().string());
  CHECK(q.error.where.file == tree.file(name).string());
  CHECK_THAT(q.error.message, Catch::Contains(expected));
  CHECK_FALSE(tree.strict());
}

TEST_CASE("a quarantined file's errors mask a URL's password", "[config][isolation][secrets]") {
  Tree tree({{"a.yaml", pipeline("a")},
             {"b.yaml", "id: b\nsource: postgresql://app:hunter2-quarantine@db/app\n"}});
  const auto c = tree.loaded();
  REQUIRE(c.quarantined.size() == 1);
  for (const auto& d : c.quarantined.front().errors) {
    INFO(config::to_string(d));
    CHECK(config::to_string(d).find("hunter2") == std::string::npos);
  }
  const auto& errors = c.quarantined.front().errors;
  CHECK(std::any_of(errors.begin(), errors.end(), [](const auto& d) {
    return d.path == "source" &&
           d.message == "expected a mapping, got 'postgresql://app:<redacted>@db/app'";
  }));
}

TEST_CASE("config_error_text says when the previous definition still runs", "[config][isolation]") {
  config::Quarantined q;
  q.error = {{"p.yaml", 3, 7}, "window.granularity", "bad"};
  CHECK(config::config_error_text(q) == "config error p.yaml:3:7: window.granularity: bad");
  q.kept_previous = true;
  CHECK(config::config_error_text(q) ==
        "config error (running the previous definition) p.yaml:3:7: window.granularity: bad");
  q.error = {{"p.yaml", 0, 0}, "", "is a directory, not a regular file"};
  CHECK(config::config_error_text(q) ==
        "config error (running the previous definition) p.yaml: is a directory, not a regular "
        "file");
}
