#include "framework/adapters/generate/generate.hpp"

#include <array>
#include <charconv>

#include <date/date.h>

#include "framework/adapters/endpoint.hpp"

namespace sluice::adapters::generate {
namespace {

constexpr std::array<std::string_view, 4> kKinds{"view", "click", "purchase", "refund"};

__extension__ typedef __int128 Int128;  // GCC and Clang; -Wpedantic objects without __extension__

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

class GenerateSource final : public Source {
 public:
  explicit GenerateSource(SourceOptions o) : options_(std::move(o)) {}

  Result<std::int64_t> count(const WindowContext&) override { return options_.rows_per_window; }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    const auto cols = columns(options_);
    if (auto r = sink.begin(cols); !r) return fail(r.error());
    const std::int64_t n = options_.rows_per_window;
    const auto length =
        std::chrono::duration_cast<std::chrono::microseconds>(ctx.window.length()).count();
    const std::int64_t user_shift = options_.seed % 1000;
    std::string block;
    block.reserve((1 << 20) + 256);
    std::int64_t block_rows = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      // Written straight as COPY text: none of the values needs escaping.
      const auto at = std::chrono::sys_time<std::chrono::microseconds>(ctx.window.start) +
                      std::chrono::microseconds(spread(length, i, n));
      append_int(block, row_id(ctx.window.start, options_.seed, i));
      block += '\t';
      block += date::format("%Y-%m-%d %H:%M:%S+00", at);
      block += '\t';
      append_int(block, (i % 1000 * 7919 + user_shift) % 1000);
      block += '\t';
      block += kKinds[static_cast<std::size_t>(i % 4)];
      block += '\t';
      if (i % 4 >= 2) {
        append_int(block, (i * 31) % 10000);
      } else {
        block += "\\N";
      }
      block += "\tgenerated row\n";
      if (++block_rows, block.size() >= (1 << 20)) {
        if (auto r = sink.copy_block(block, block_rows); !r) return fail(r.error());
        block.clear();
        block_rows = 0;
      }
    }
    if (block_rows > 0)
      if (auto r = sink.copy_block(block, block_rows); !r) return fail(r.error());
    if (auto r = sink.end(); !r) return fail(r.error());
    return n;
  }

 private:
  SourceOptions options_;
};

}  // namespace

std::int64_t spread(std::int64_t length, std::int64_t i, std::int64_t n) {
  return static_cast<std::int64_t>(static_cast<Int128>(length) * i / n);
}

std::int64_t row_id(Instant window_start, std::int64_t seed, std::int64_t i) {
  const auto seconds = static_cast<std::uint64_t>(window_start.time_since_epoch().count());
  return static_cast<std::int64_t>(seconds * 1'000'000u + static_cast<std::uint64_t>(seed) +
                                   static_cast<std::uint64_t>(i));
}

std::vector<Column> columns(const SourceOptions& options) {
  return {{"id"}, {options.time_column}, {"user_id"}, {"kind"}, {"amount"}, {"note"}};
}

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig&,
                                                   const adapters::EndpointConfig& source) {
  return make_source(config::bind(source_binding(), source.params));
}

std::unique_ptr<Source> make_source(SourceOptions options) {
  return std::make_unique<GenerateSource>(std::move(options));
}

}  // namespace sluice::adapters::generate
