// Files the config names are read without blocking, only when regular, and only so big;
// config text is UTF-8.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>

#include <catch2/catch.hpp>

#include "framework/config/load.hpp"
#include "framework/schema/file_text.hpp"
#include "tests/support/config_samples.hpp"
#include "tests/support/files.hpp"
#include "tests/support/paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

// A Unix socket bound at `path`, closed (the file stays) when the guard goes.
struct BoundSocket {
  int fd = -1;
  explicit BoundSocket(const fs::path& path) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string p = path.string();
    REQUIRE(p.size() < sizeof addr.sun_path);
    std::copy(p.begin(), p.end(), addr.sun_path);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~BoundSocket() { ::close(fd); }
};

// Whatever is checked, it must come back at once: a blocked open() would hang the test.
template <class F>
auto quickly(F&& f) {
  const auto started = std::chrono::steady_clock::now();
  auto result = f();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  return result;
}

}  // namespace

TEST_CASE("only a regular file is read, and never blocks", "[config][file]") {
  test::TempDir dir;
  test::write_file(dir.path() / "plain", "hello\n");
  REQUIRE(::mkfifo((dir.path() / "fifo").c_str(), 0600) == 0);
  BoundSocket socket(dir.path() / "sock");
  fs::create_symlink(dir.path() / "fifo", dir.path() / "link-to-fifo");
  fs::create_symlink(dir.path() / "plain", dir.path() / "link-to-plain");

  CHECK(config::read_regular_file(dir.path() / "plain", 100) == "hello\n");
  CHECK(config::read_regular_file(dir.path() / "link-to-plain", 100) == "hello\n");
  struct Case {
    fs::path path;
    const char* says;
  };
  for (const auto& c : {Case{dir.path() / "fifo", "is a FIFO, not a regular file"},
                        Case{dir.path() / "link-to-fifo", "is a FIFO, not a regular file"},
                        Case{dir.path() / "sock", "is a socket, not a regular file"},
                        Case{dir.path(), "is a directory, not a regular file"},
                        Case{"/dev/null", "is a character device, not a regular file"},
                        Case{"/dev/zero", "is a character device, not a regular file"},
                        Case{dir.path() / "missing", "cannot read"}}) {
    INFO(c.path);
    const auto read = quickly([&] { return config::read_regular_file(c.path, 100); });
    REQUIRE_FALSE(read);
    CHECK_THAT(read.error(), Catch::Contains(c.path.string()) && Catch::Contains(c.says));
  }
}

TEST_CASE("a file larger than the cap is refused, not read whole", "[config][file]") {
  test::TempDir dir;
  test::write_file(dir.path() / "big", std::string(1025, 'x'));
  test::write_file(dir.path() / "exact", std::string(1024, 'x'));
  CHECK(config::read_regular_file(dir.path() / "exact", 1024)->size() == 1024);
  const auto big = config::read_regular_file(dir.path() / "big", 1024);
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error(), Catch::EndsWith("is larger than 1 KiB"));
}

TEST_CASE("the first byte that is not UTF-8 is found", "[config][file][utf8]") {
  struct Case {
    std::string text;
    std::optional<std::size_t> bad;
  };
  for (const auto& c : {
           Case{"plain ascii", std::nullopt},
           Case{"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF", std::nullopt},
           Case{"caf\xE9", 3},            // Latin-1
           Case{"ab\xC0\xAF", 2},         // overlong '/'
           Case{"ab\xE0\x80\xAF", 2},     // overlong, three bytes
           Case{"\xED\xA0\x80", 0},       // a surrogate
           Case{"x\xF4\x90\x80\x80", 1},  // past U+10FFFF
           Case{"x\xF5\x80\x80\x80", 1},  // no such lead byte
           Case{"\xE2\x82", 0},           // cut short at the end
           Case{"\xE2\x82x", 0},          // cut short before ASCII
           Case{"ok\x80", 2},             // a lone continuation byte
           Case{"\xFF\xFE", 0},           // a UTF-16 byte order mark
       }) {
    INFO(c.text);
    CHECK(config::first_invalid_utf8(c.text) == c.bad);
  }
}

TEST_CASE("a secret file that is a FIFO, socket or directory is refused at its key",
          "[config][file]") {
  test::TempDir dir;
  REQUIRE(::mkfifo((dir.path() / "pw.fifo").c_str(), 0600) == 0);
  BoundSocket socket(dir.path() / "pw.sock");
  fs::create_directories(dir.path() / "creds" / "db");
  REQUIRE(::mkfifo((dir.path() / "creds" / "token").c_str(), 0600) == 0);
  test::write_file(dir.path() / "sluice.yaml", R"(database:
  host: localhost
  password: ${file:pw.fifo}
connections:
  a:
    kind: postgres
    host: h
    password: ${file:pw.sock}
  b:
    kind: mysql
    host: h
    password: ${credential:db}
  c:
    kind: clickhouse
    url: http://h:8123
    password: ${credential:token}
)");
  const auto env =
      config::Environment::fixed({{"CREDENTIALS_DIRECTORY", (dir.path() / "creds").string()}});
  const auto loaded = quickly([&] {
    return config::load_config(dir.path() / "sluice.yaml", {&env, true});
  });
  REQUIRE_FALSE(loaded);
  std::vector<std::string> lines;
  for (const auto& d : loaded.error()) lines.push_back(config::to_string(d));
  const std::string file = (dir.path() / "sluice.yaml").string();
  REQUIRE(lines.size() == 4);
  CHECK_THAT(lines[0], Catch::StartsWith(file + ":3:13: database.password: ${file:pw.fifo}: ") &&
                           Catch::EndsWith("pw.fifo is a FIFO, not a regular file"));
  CHECK_THAT(lines[1], Catch::StartsWith(file + ":8:15: connections.a.password:") &&
                           Catch::EndsWith("is a socket, not a regular file"));
  CHECK_THAT(lines[2], Catch::StartsWith(file + ":12:15: connections.b.password:") &&
                           Catch::EndsWith("is a directory, not a regular file"));
  CHECK_THAT(lines[3], Catch::StartsWith(file + ":16:15: connections.c.password:") &&
                           Catch::EndsWith("is a FIFO, not a regular file"));
}

TEST_CASE("a pipeline file that is no regular file is reported, not skipped or waited on",
          "[config][file]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", test::kDaemonConfig);
  test::write_file(dir.path() / "pipelines.d" / "a.yaml", test::kPipelineConfig);
  REQUIRE(::mkfifo((dir.path() / "pipelines.d" / "b.yaml").c_str(), 0600) == 0);
  fs::create_directories(dir.path() / "pipelines.d" / "c.yml");
  REQUIRE(::mkfifo((dir.path() / "daemon.fifo").c_str(), 0600) == 0);
  const auto env = config::Environment::fixed({});
  const auto loaded = quickly([&] {
    return config::load_config(dir.path() / "sluice.yaml", {&env, true});
  });
  REQUIRE_FALSE(loaded);
  REQUIRE(loaded.error().size() == 2);
  CHECK(config::to_string(loaded.error()[0]) ==
        (dir.path() / "pipelines.d" / "b.yaml").string() + ": is a FIFO, not a regular file");
  CHECK(config::to_string(loaded.error()[1]) ==
        (dir.path() / "pipelines.d" / "c.yml").string() + ": is a directory, not a regular file");
  const auto daemon = quickly([&] {
    return config::load_config(dir.path() / "daemon.fifo", {&env, true});
  });
  REQUIRE_FALSE(daemon);
  CHECK_THAT(config::to_string(daemon.error().at(0)),
             Catch::EndsWith("is a FIFO, not a regular file"));
}

TEST_CASE("a config file larger than 8 MiB is refused", "[config][file]") {
  test::TempDir dir;
  test::write_file(dir.path() / "sluice.yaml", "# " + std::string(8 * 1024 * 1024, 'x') + "\n");
  const auto env = config::Environment::fixed({});
  const auto loaded = config::load_config(dir.path() / "sluice.yaml", {&env, true});
  REQUIRE_FALSE(loaded);
  CHECK(config::to_string(loaded.error().at(0)) ==
        (dir.path() / "sluice.yaml").string() + ": is larger than 8 MiB");
}
