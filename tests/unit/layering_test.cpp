// The layers the link graph promises, checked on the includes themselves: framework/ knows
// nothing of tasks/ or daemon/, tasks/ nothing of daemon/, and no two folders of framework/
// include each other, directly or round a longer loop. A break names the file and line of
// every include on the loop, so the one to move is plain.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Include {
  std::string file;  // relative to the source root: framework/config/load.cpp
  int line = 0;
  std::string target;  // as written: framework/adapters/registry.hpp
};

// framework/config/load.cpp -> framework/config; tasks/chain.cpp -> tasks.
std::string folder_of(const std::string& path) {
  const auto first = path.find('/');
  if (first == std::string::npos) return path;
  if (path.compare(0, first, "framework") != 0) return path.substr(0, first);
  const auto second = path.find('/', first + 1);
  return second == std::string::npos ? path.substr(0, first) : path.substr(0, second);
}

std::string place(const Include& i) {
  return i.file + ":" + std::to_string(i.line) + " includes " + i.target;
}

// Every rule the tree breaks, one line each.
std::vector<std::string> violations(const std::vector<Include>& includes) {
  std::vector<std::string> out;
  std::map<std::string, std::map<std::string, const Include*>> arrows;  // framework folders
  for (const auto& i : includes) {
    const std::string from = folder_of(i.file), to = folder_of(i.target);
    const bool in_framework = from.starts_with("framework");
    if (in_framework && (to == "tasks" || to == "daemon"))
      out.push_back(place(i) + ": framework/ may not include " + to + "/");
    if (from == "tasks" && to == "daemon")
      out.push_back(place(i) + ": tasks/ may not include daemon/");
    if (in_framework && to.starts_with("framework/") && from != to) arrows[from].emplace(to, &i);
  }
  // A loop is reported once, from its smallest folder, as the path back to it.
  for (const auto& entry : arrows) {
    // Not a structured binding: clang 14's lambdas cannot capture one.
    const std::string& start = entry.first;
    std::vector<std::string> path{start};
    std::set<std::string> seen{start};
    std::vector<const Include*> via;
    const auto walk = [&](auto&& self, const std::string& at) -> void {
      for (const auto& [next, include] : arrows[at]) {
        if (next == start) {
          std::string loop = "include cycle " + start;
          for (std::size_t k = 1; k < path.size(); ++k) loop += " -> " + path[k];
          loop += " -> " + start + ":";
          for (const auto* v : via) loop += "\n  " + place(*v);
          out.push_back(loop + "\n  " + place(*include));
        } else if (next > start && !seen.contains(next)) {
          seen.insert(next);
          path.push_back(next);
          via.push_back(include);
          self(self, next);
          path.pop_back();
          via.pop_back();
        }
      }
    };
    walk(walk, start);
  }
  return out;
}

std::vector<Include> includes_of_tree(const fs::path& root) {
  static const std::regex quoted(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<Include> out;
  for (const char* top : {"framework", "tasks", "daemon"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      std::ifstream in(entry.path());
      std::string text;
      std::smatch m;
      for (int line = 1; std::getline(in, text); ++line)
        if (std::regex_search(text, m, quoted))
          out.push_back({fs::relative(entry.path(), root).string(), line, m[1].str()});
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("the layering rules catch what they are for", "[layering]") {
  const auto check = [](std::vector<Include> includes) { return violations(includes); };
  CHECK(check({{"framework/store/a.cpp", 3, "tasks/chain.hpp"}}).size() == 1);
  CHECK(check({{"framework/core/a.hpp", 1, "daemon/sluiced/daemon.hpp"}}).size() == 1);
  CHECK(check({{"tasks/runner.cpp", 9, "daemon/ctl/output.hpp"}}).size() == 1);
  CHECK(check({{"daemon/ctl/a.cpp", 1, "tasks/runner.hpp"},
               {"tasks/a.cpp", 1, "framework/store/records.hpp"}})
            .empty());
  // Inside one folder, and its own sub-folders, anything goes.
  CHECK(check({{"framework/adapters/registry.cpp", 1, "framework/adapters/postgres/keys.hpp"},
               {"framework/adapters/postgres/keys.cpp", 1, "framework/adapters/registry.hpp"}})
            .empty());
  const auto two = check({{"framework/config/a.cpp", 4, "framework/adapters/b.hpp"},
                          {"framework/adapters/b.cpp", 7, "framework/config/c.hpp"}});
  REQUIRE(two.size() == 1);
  CHECK(two[0].find("framework/adapters -> framework/config -> framework/adapters") !=
        std::string::npos);
  CHECK(two[0].find("framework/config/a.cpp:4") != std::string::npos);
  CHECK(two[0].find("framework/adapters/b.cpp:7") != std::string::npos);
  const auto three = check({{"framework/net/a.cpp", 1, "framework/config/b.hpp"},
                            {"framework/config/b.cpp", 1, "framework/transform/c.hpp"},
                            {"framework/transform/c.cpp", 1, "framework/net/d.hpp"},
                            {"framework/net/a.cpp", 2, "framework/core/e.hpp"}});
  REQUIRE(three.size() == 1);
  CHECK(three[0].find("framework/config -> framework/transform -> framework/net -> "
                      "framework/config") != std::string::npos);
  CHECK(check({{"framework/net/a.cpp", 1, "framework/config/b.hpp"},
               {"framework/config/b.cpp", 1, "framework/core/c.hpp"}})
            .empty());
}

TEST_CASE("the source tree keeps its layers, with no include cycle inside framework/",
          "[layering]") {
  const auto includes = includes_of_tree(SLUICE_SOURCE_DIR);
  REQUIRE(includes.size() > 500);
  const auto found = violations(includes);
  INFO(joined(found));
  CHECK(found.empty());
}
