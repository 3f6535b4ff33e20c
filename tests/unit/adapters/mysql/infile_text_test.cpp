// COPY text into LOAD DATA INFILE text, value for value: the escapes the two formats spell
// differently, NULL against the text `\N`, hostile text, fields a row lacks or has too many of,
// and the conversions some column types need. Against a real server:
// tests/integration/adapters/mysql_target_test.cpp.
#include <catch2/catch.hpp>

#include "framework/adapters/mysql/infile_text.hpp"

using namespace sluice;
using namespace sluice::adapters::mysql;
using C = Conversion;

namespace {

std::string encoded(std::vector<Conversion> columns, std::string_view block) {
  InfileEncoder encoder(std::move(columns));
  std::string out;
  auto rows = encoder.encode(block, out);
  if (!rows) FAIL(rows.error().message);
  return out;
}

}  // namespace

TEST_CASE("rows without an escape go as they are, whole blocks at once", "[mysql][infile]") {
  const std::string block = "1\tplain text ✓ 𝄞 'q' \"dq\"\t\\N\n2\t\t0\n";
  InfileEncoder encoder({C::none, C::none, C::none});
  std::string out;
  auto rows = encoder.encode(block, out);
  REQUIRE(rows);
  CHECK(*rows == 2);
  CHECK(out == block);
}

TEST_CASE("escapes LOAD DATA reads otherwise are decoded and written its way", "[mysql][infile]") {
  struct Case {
    const char* name;
    const char* copy;    // a COPY text field
    const char* infile;  // what LOAD DATA must be sent for the same value
  };
  const Case cases[] = {
      {"backslash, tab, newline, carriage return", "a\\\\b\\tc\\nd\\re", "a\\\\b\\tc\\nd\\re"},
      {"form feed and vertical tab are bytes, not letters", "x\\fy\\vz", "x\fy\vz"},
      {"hex and octal escapes are bytes", "\\x41\\101\\x5c\\011", "AA\\\\\\t"},
      {"NUL written as LOAD DATA's \\0", "a\\000b", "a\\0b"},
      {"\\Z in COPY is a Z, not LOAD DATA's ctrl-Z", "\\Z", "Z"},
      {"\\N inside a field is an N", "a\\Nb", "aNb"},
      {"the text \\N (not NULL) stays text", "\\\\N", "\\\\N"},
      {"backspace is a byte LOAD DATA takes as it is", "\\b", "\b"},
      {"an escaped ordinary letter is the letter", "\\q\\é", "qé"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      CHECK(encoded({C::none, C::none}, std::string("1\t") + c.copy + "\n") ==
            std::string("1\t") + c.infile + "\n");
    }
  }
  SECTION("NULL stays NULL") {
    CHECK(encoded({C::none}, "\\N\n") == "\\N\n");
  }
}

TEST_CASE("a row with too few or too many fields, or a cut block, is refused", "[mysql][infile]") {
  InfileEncoder encoder({C::none, C::datetime});
  std::string out;
  auto few = encoder.encode("1\n", out);
  REQUIRE_FALSE(few);
  CHECK(few.error().kind == ErrorKind::permanent);
  CHECK(few.error().message == "stage row 1 has 1 fields, not 2");
  auto many = encoder.encode("1\t2\t3\n", out);
  REQUIRE_FALSE(many);
  CHECK(many.error().message == "stage row 2 has more than 2 fields");
  auto cut = encoder.encode("1\t2", out);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message == "stage block ends inside a row after row 2");
  auto bad_escape = encoder.encode("1\\\t2\n", out);
  REQUIRE_FALSE(bad_escape);
  CHECK(bad_escape.error().message.starts_with("stage row 3: COPY text: backslash at end"));
}

TEST_CASE("date and time with an offset become the same instant in UTC", "[mysql][infile]") {
  CHECK(utc_datetime("2024-03-04 23:30:00+00") == "2024-03-04 23:30:00");
  CHECK(utc_datetime("2024-03-04 23:30:00+05:45") == "2024-03-04 17:45:00");
  CHECK(utc_datetime("2024-03-04 01:30:00.123456-03:30") == "2024-03-04 05:00:00.123456");
  CHECK(utc_datetime("2024-01-01T00:10:00Z") == "2024-01-01 00:10:00");
  CHECK(utc_datetime("2024-12-31 23:00:00-0130") == "2025-01-01 00:30:00");
  CHECK(utc_datetime("1883-11-18 12:00:00-04:56:02") == "1883-11-18 16:56:02");
  CHECK(utc_datetime("2024-02-29 00:00:00+01") == "2024-02-28 23:00:00");
  // Not a date and time with an offset: sent as they are (the server judges them).
  CHECK_FALSE(utc_datetime("2024-03-04 23:30:00"));
  CHECK_FALSE(utc_datetime("2024-03-04"));
  CHECK_FALSE(utc_datetime("infinity"));
  CHECK_FALSE(utc_datetime("2024-02-30 00:00:00+00"));
  CHECK_FALSE(utc_datetime("2024-03-04 23:30:00+5"));
  CHECK_FALSE(utc_datetime("2024-03-04 23:30:00 UTC"));
  CHECK(encoded({C::datetime, C::datetime}, "2024-03-04 23:30:00+05:45\t2024-03-04 10:00:00\n") ==
        "2024-03-04 17:45:00\t2024-03-04 10:00:00\n");
}

TEST_CASE("binary columns take bytea hex or text as hex digits, booleans 1 and 0",
          "[mysql][infile]") {
  CHECK(encoded({C::binary, C::binary, C::binary, C::binary},
                "\\\\x00ff5C0a\ttab\\there\t\\N\t\\\\x\n") ==
        "00ff5C0a\t7461620968657265\t\\N\t\n");
  CHECK(encoded({C::boolean, C::boolean, C::boolean, C::boolean, C::boolean},
                "t\tfalse\tTRUE\t1\t\\N\n") == "1\t0\t1\t1\t\\N\n");
  CHECK(encoded({C::bit}, "0101\n") == "0101\n");
}

TEST_CASE("column types map to their conversions", "[mysql][infile]") {
  CHECK(conversion_of("datetime", "datetime(6)") == C::datetime);
  CHECK(conversion_of("TIMESTAMP", "timestamp") == C::datetime);
  CHECK(conversion_of("varbinary", "varbinary(16)") == C::binary);
  CHECK(conversion_of("longblob", "longblob") == C::binary);
  CHECK(conversion_of("bit", "bit(3)") == C::bit);
  CHECK(conversion_of("tinyint", "tinyint(1)") == C::boolean);
  CHECK(conversion_of("tinyint", "tinyint(4)") == C::none);
  CHECK(conversion_of("varchar", "varchar(10)") == C::none);
  CHECK(conversion_of("date", "date") == C::none);
}
