#include <catch2/catch.hpp>

#include <string>

#include "framework/core/utf8.hpp"

using namespace sluice;
using namespace std::string_literals;

TEST_CASE("storable_text escapes every byte PostgreSQL would refuse, and keeps the rest",
          "[core][utf8]") {
  struct Case {
    const char* what;
    std::string in, out;
  };
  for (const auto& c : {
           Case{"ASCII", "plain text\n\ttab", "plain text\n\ttab"},
           Case{"2, 3 and 4 byte characters", "é € 𝄞 日本", "é € 𝄞 日本"},
           Case{"the bytes of the issue", "value '\xff\xfe' is not an integer",
                "value '\\xff\\xfe' is not an integer"},
           Case{"Latin-1 é", "caf\xe9", "caf\\xe9"},
           Case{"lone continuation bytes", "a\x80z\xbf", "a\\x80z\\xbf"},
           Case{"overlong '/' (C0 AF)", "\xc0\xaf", "\\xc0\\xaf"},
           Case{"overlong NUL (C0 80)", "\xc0\x80", "\\xc0\\x80"},
           Case{"overlong 3 bytes (E0 80 AF)", "\xe0\x80\xaf", "\\xe0\\x80\\xaf"},
           Case{"overlong 4 bytes (F0 80 80 AF)", "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"},
           Case{"UTF-16 surrogate D800", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
           Case{"UTF-16 surrogate DFFF", "\xed\xbf\xbf", "\\xed\\xbf\\xbf"},
           Case{"last before the surrogates, U+D7FF", "\xed\x9f\xbf", "\xed\x9f\xbf"},
           Case{"above U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
           Case{"U+10FFFF itself", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
           Case{"F5..FF never start a character", "\xf5\xf8\xfc", "\\xf5\\xf8\\xfc"},
           Case{"truncated 2-byte at the end", "ab\xc3", "ab\\xc3"},
           Case{"truncated 3-byte at the end", "ab\xe2\x82", "ab\\xe2\\x82"},
           Case{"truncated 4-byte at the end", "ab\xf0\x9d\x84", "ab\\xf0\\x9d\\x84"},
           Case{"truncated sequence before a good one", "\xe2\x82z", "\\xe2\\x82z"},
           Case{"NUL, which text refuses", "a\0b"s, "a\\x00b"},
           Case{"only NULs", "\0\0"s, "\\x00\\x00"},
           Case{"empty", "", ""},
       }) {
    INFO(c.what);
    const std::string got = storable_text(c.in);
    CHECK(got == c.out);
    CHECK(is_storable_text(got));
    CHECK(is_storable_text(c.in) == (c.in == c.out));
  }
}

TEST_CASE("storable_text cuts long text at a character boundary, with a marker, within the limit",
          "[core][utf8]") {
  SECTION("short enough: unchanged") {
    CHECK(storable_text("abc", 3) == "abc");
    CHECK(storable_text(std::string(100, 'x'), 100) == std::string(100, 'x'));
  }
  SECTION("ASCII: the marker counts what was cut") {
    const std::string got = storable_text(std::string(1000, 'x'), 100);
    CHECK(got.size() <= 100);
    CHECK(got.starts_with(std::string(60, 'x')));
    const auto kept = got.find(' ');
    REQUIRE(kept != std::string::npos);
    CHECK(got.substr(kept) == " ... [" + std::to_string(1000 - kept) + " more bytes cut]");
  }
  SECTION("4-byte characters around the cut are kept whole or not at all") {
    // Every offset of the cut against the characters' boundaries.
    for (std::size_t limit = 64; limit < 72; ++limit) {
      for (const std::string prefix : {"", "a", "ab", "abc"}) {
        std::string text = prefix;
        for (int i = 0; i < 100; ++i) text += "\xf0\x9d\x84\x9e";  // U+1D11E
        const std::string got = storable_text(text, limit);
        INFO(limit << " after " << prefix.size() << " byte(s)");
        CHECK(got.size() <= limit);
        CHECK(is_storable_text(got));
        const auto marker = got.find(" ... [");
        REQUIRE(marker != std::string::npos);
        CHECK((marker - prefix.size()) % 4 == 0);
        CHECK(got.substr(marker) ==
              " ... [" + std::to_string(text.size() - marker) + " more bytes cut]");
      }
    }
  }
  SECTION("escapes count toward the limit and are never split") {
    const std::string got = storable_text(std::string(1000, '\xff'), 100);
    CHECK(got.size() <= 100);
    CHECK(is_storable_text(got));
    const auto marker = got.find(" ... [");
    REQUIRE(marker != std::string::npos);
    CHECK(marker % 4 == 0);  // whole `\xff` escapes only
    CHECK(got.substr(0, 8) == "\\xff\\xff");
    CHECK(got.substr(marker) == " ... [" + std::to_string(1000 - marker / 4) + " more bytes cut]");
  }
  SECTION("a long valid text with a bad byte near its end is escaped and cut") {
    std::string text(10'000, 'y');
    text[9'990] = '\xfe';
    const std::string got = storable_text(text, 8192);
    CHECK(got.size() <= 8192);
    CHECK(got.find("\\xfe") == std::string::npos);  // beyond the cut
    CHECK(got.ends_with(" more bytes cut]"));
  }
}

TEST_CASE("utf8_sequence_length reads exactly one well-formed character", "[core][utf8]") {
  const auto length = [](std::string_view s) {
    return utf8_sequence_length(s.data(), s.data() + s.size());
  };
  CHECK(length("a") == 1);
  CHECK(length("\xc3\xa9z") == 2);
  CHECK(length("\xe2\x82\xac") == 3);
  CHECK(length("\xf0\x9d\x84\x9e") == 4);
  CHECK(length("\xc2") == 0);
  CHECK(length("\xc1\xbf") == 0);
  CHECK(length("\xe0\x9f\xbf") == 0);
  CHECK(length("\xf0\x8f\xbf\xbf") == 0);
  CHECK(length("\xe2\x28\xa1") == 0);
}
