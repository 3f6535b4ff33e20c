// Every key an adapter's tables accept is bound to a member its factory reads (or said to
// be read elsewhere, and by what), so no key is accepted and silently ignored.
#include <algorithm>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "framework/adapters/registry.hpp"

using namespace sluice;

TEST_CASE("every key of every adapter table is bound exactly once", "[adapters][bind]") {
  for (const auto* adapter : adapters::registry()) {
    const std::string kind(adapter->kind);
    std::set<const config::KeyTable*> tables;
    for (const auto* list : {&adapter->connection_keys, &adapter->source_keys,
                             &adapter->target_keys, &adapter->sql_keys}) {
      tables.insert(list->begin(), list->end());
    }
    for (const auto* table : tables) {
      const auto bindings =
          std::count_if(adapter->bindings.begin(), adapter->bindings.end(),
                        [&](const config::BindingInfo* b) { return &b->table() == table; });
      INFO(kind << ": " << table->title);
      // A table of no keys (a generate connection) has nothing to bind.
      CHECK(bindings == (table->keys.empty() ? 0 : 1));
    }
    for (const auto* binding : adapter->bindings) {
      INFO(kind << ": " << binding->table().title);
      CHECK(tables.count(&binding->table()) == 1);  // a binding of a table the row lists
      const auto problems = binding->problems();
      for (const auto& p : problems) FAIL_CHECK(p);
    }
  }
}
