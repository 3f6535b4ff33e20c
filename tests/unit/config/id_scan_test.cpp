// The scan of a pipeline file's top-level `id` from its text (LoadOptions::only): sure of the
// plain cases, unsure (none) of every text where the YAML could say otherwise.
#include <catch2/catch.hpp>

#include "framework/config/id_scan.hpp"

using sluice::config::scanned_id;

TEST_CASE("the id of a plain block mapping is read from its line", "[config][id_scan]") {
  CHECK(scanned_id("id: orders\nsource:\n  table: a\n") == "orders");
  CHECK(scanned_id("source:\n  table: a\nid: orders") == "orders");
  CHECK(scanned_id("# a comment\n---\nid: orders_2.v-1  # trailing comment\n") == "orders_2.v-1");
  CHECK(scanned_id("id: \"quoted\"\n") == "quoted");
  CHECK(scanned_id("id: 'single'\nkind: copy\n") == "single");
  // Blank lines and comments below the id, then a key: the value ended on its line.
  CHECK(scanned_id("id: orders\n\n# next\nsource: x\n") == "orders");
  // No id at all: nothing to find (the file is quarantined under its name).
  CHECK(scanned_id("source:\n  table: a\n") == std::nullopt);
  CHECK(scanned_id("") == std::nullopt);
}

TEST_CASE("a text the YAML could read otherwise leaves the scan unsure", "[config][id_scan]") {
  for (const char* text : {
           "id: a\nid: b\n",                  // twice: the parser decides
           "id: orders\n  continued\n",       // a multi-line plain scalar
           "id: orders\n\n  continued\n",     // the same after a blank line
           "id: orders\n# c\n  continued\n",  // and after a comment
           "\"id\": orders\n",                // a quoted key
           "? id\n: orders\n",                // a complex key
           "id : orders\n",                   // a space before the colon
           "{id: orders}\n",                  // a flow mapping
           "id: &a orders\n",                 // an anchor
           "id: !!str orders\n",              // a tag
           "id: *other\n",                    // an alias
           "<<: *base\nsource: x\n",          // a merge key
           "id: orders\r\n",                  // carriage returns
           "\tid: orders\n",                  // a tab
           "id:\torders\n",                   // a tab after the colon
           "id: orders#x\n",                  // `#` without a space is the scalar's
           "id: \"orders\n",                  // an unclosed quote
           "id: 'orders\"\n",                 // mismatched quotes
           "id: ord ers\n",                   // a space inside
           "id:\n  orders\n",                 // the value below
           "id: [orders]\n",                  // a sequence
           "x: \"a\nid: b\"\n",               // inside a quoted scalar
           "x: {a: 1,\nid: b}\n",             // inside a flow mapping
           "id: a\n---\nid: b\n",             // a second document
           "---\n---\nid: b\n",               // two document starts
           "\xEF\xBB\xBFid: orders\n",        // a byte-order mark
           "%YAML 1.2\n---\nid: orders\n",    // a directive
           "id:orders\n",                     // a scalar, not a key
       }) {
    CAPTURE(text);
    CHECK(scanned_id(text) == std::nullopt);
  }
}
