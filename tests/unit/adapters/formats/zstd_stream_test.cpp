#include <catch2/catch.hpp>

#include "framework/adapters/formats/zstd_stream.hpp"
#include "tests/unit/adapters/formats/byte_strings.hpp"

using namespace sluice;
using namespace sluice::adapters::formats;

namespace {

std::string compress(const std::string& text, std::size_t piece) {
  test::StringSink out;
  ZstdCompressSink z(out, 3);
  for (std::size_t i = 0; i < text.size(); i += piece)
    REQUIRE(z.write(std::string_view(text).substr(i, piece)));
  REQUIRE(z.finish());
  return out.text;
}

Result<std::string> decompress(const std::string& bytes, std::size_t chunk) {
  test::StringSource in(bytes, chunk);
  ZstdDecompressSource z(in, "f.zst");
  std::string out;
  char buf[1000];
  for (;;) {
    auto n = z.read(buf, sizeof buf);
    if (!n) return fail(n.error());
    if (*n == 0) return out;
    out.append(buf, *n);
  }
}

std::string sample(std::size_t size) {
  std::string s;
  for (std::size_t i = 0; s.size() < size; ++i)
    s += "row " + std::to_string(i * 7919 % 10007) + ", ünï\n";
  s.resize(size);
  return s;
}

}  // namespace

TEST_CASE("zstd layer round-trips any size in any pieces", "[adapters][formats][zstd]") {
  for (std::size_t size : {0, 1, 1000, 3 << 20}) {
    const std::string text = sample(size);
    const std::string packed = compress(text, 4096);
    auto back = decompress(packed, 777);
    REQUIRE(back);
    CHECK(*back == text);
    if (size > 1000) CHECK(packed.size() < text.size() / 2);
  }
}

TEST_CASE("zstd layer: two frames back to back read as one stream", "[adapters][formats][zstd]") {
  auto back = decompress(compress("first\n", 3) + compress("second\n", 3), 5);
  REQUIRE(back);
  CHECK(*back == "first\nsecond\n");
}

TEST_CASE("zstd layer: truncated and corrupt input are permanent errors naming the file",
          "[adapters][formats][zstd]") {
  const std::string packed = compress(sample(200000), 4096);
  struct Case {
    const char* name;
    std::string bytes;
    const char* message;
  };
  std::string flipped = packed;
  flipped[flipped.size() / 2] ^= 0x5a;
  const std::vector<Case> cases{
      {"cut in the middle", packed.substr(0, packed.size() / 2), "f.zst: truncated zstd data"},
      {"last byte missing", packed.substr(0, packed.size() - 1), "f.zst: truncated zstd data"},
      {"empty file", "", "f.zst: truncated zstd data"},
      {"not zstd at all", "id,note\n1,x\n", "f.zst: corrupt zstd data"},
      {"a byte flipped", flipped, "f.zst: corrupt zstd data"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      auto back = decompress(c.bytes, 1000);
      REQUIRE_FALSE(back);
      CHECK(back.error().kind == ErrorKind::permanent);
      CHECK_THAT(back.error().message, Catch::StartsWith(c.message));
    }
  }
}
