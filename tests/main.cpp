#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <iostream>
#include <string>

// ctest learns the tests by name (catch_discover_tests) and keeps them in a CMake list, where
// ';' separates items: a name holding one becomes two tests that each match nothing and pass.
// Every test executable refuses such a name, so the discovery, hence the build, fails.
int main(int argc, char* argv[]) {
  bool named_well = true;
  for (const auto& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    if (test.name.find(';') != std::string::npos) {
      std::cerr << test.lineInfo.file << ":" << test.lineInfo.line << ": test name holds ';' ("
                << test.name << "): ctest would split it and run nothing\n";
      named_well = false;
    }
  }
  if (!named_well) return 2;
  return Catch::Session().run(argc, argv);
}
