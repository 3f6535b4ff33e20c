#include "framework/store/session_settings.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace sluice::store;

TEST_CASE("pinned options follow the URL's own, so that ours win", "[store][session]") {
  const std::string none = pinned_options("");
  CHECK(none.starts_with("-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c TimeZone=UTC"));
  for (const char* s :
       {"extra_float_digits=3", "bytea_output=hex", "standard_conforming_strings=on",
        "lc_monetary=C", "array_nulls=on", "xmloption=content"})
    CHECK(none.find(std::string("-c ") + s) != std::string::npos);
  // client_encoding is a keyword of its own (it outranks PGCLIENTENCODING only as one).
  CHECK(none.find("client_encoding") == std::string::npos);
  // No value holds a space: `-c` options are split at spaces.
  CHECK(none.find("= ") == std::string::npos);
  const std::string given = pinned_options("-c search_path=app -c DateStyle=German");
  CHECK(given.starts_with("-c search_path=app -c DateStyle=German -c DateStyle=ISO,MDY"));
}

TEST_CASE("drifted settings name each reported setting that differs", "[store][session]") {
  std::map<std::string, std::string> reported{{"DateStyle", "ISO, MDY"},
                                              {"IntervalStyle", "postgres"},
                                              {"TimeZone", "UTC"},
                                              {"client_encoding", "UTF8"},
                                              {"standard_conforming_strings", "on"}};
  const auto lookup = [&](const char* name) -> std::optional<std::string> {
    auto it = reported.find(name);
    return it == reported.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  CHECK(drifted_settings(lookup) == "");
  reported["DateStyle"] = "SQL, DMY";
  reported["TimeZone"] = "Asia/Kathmandu";
  CHECK(drifted_settings(lookup) == "DateStyle 'SQL, DMY', TimeZone 'Asia/Kathmandu'");
  reported.erase("DateStyle");  // not reported (an old server): nothing to compare
  CHECK(drifted_settings(lookup) == "TimeZone 'Asia/Kathmandu'");
}

TEST_CASE("the SET statement sets every pinned setting", "[store][session]") {
  const std::string set = pinned_set_statement();
  for (const char* s : {"SET DateStyle = 'ISO,MDY'; ", "SET IntervalStyle = 'postgres'; ",
                        "SET TimeZone = 'UTC'; ", "SET client_encoding = 'UTF8'; ",
                        "SET extra_float_digits = '3'; ", "SET bytea_output = 'hex'; "})
    CHECK(set.find(s) != std::string::npos);
}
