#include "framework/adapters/formats/zstd_stream.hpp"

#include <zstd.h>

namespace sluice::adapters::formats {

ZstdCompressSink::ZstdCompressSink(ByteSink& next, int level)
    : next_(next), ctx_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, level);
  // A content checksum per frame (as the zstd tool writes): a flipped bit is an error, not
  // silently different rows.
  ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1);
}

ZstdCompressSink::~ZstdCompressSink() {
  ZSTD_freeCCtx(ctx_);
}

Result<void> ZstdCompressSink::pump(std::string_view bytes, int directive) {
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    const std::size_t left =
        ZSTD_compressStream2(ctx_, &out, &in, static_cast<ZSTD_EndDirective>(directive));
    if (ZSTD_isError(left))
      return fail(Error::permanent(std::string("zstd compression: ") + ZSTD_getErrorName(left)));
    if (out.pos > 0) {
      if (auto r = next_.write({out_.data(), out.pos}); !r) return r;
    }
    const bool done = directive == ZSTD_e_end ? left == 0 : in.pos == in.size;
    if (done) return {};
  }
}

Result<void> ZstdCompressSink::write(std::string_view bytes) {
  return pump(bytes, ZSTD_e_continue);
}

Result<void> ZstdCompressSink::finish() {
  return pump({}, ZSTD_e_end);
}

ZstdDecompressSource::ZstdDecompressSource(ByteSource& next, std::string name)
    : next_(next), name_(std::move(name)), ctx_(ZSTD_createDCtx()), in_(ZSTD_DStreamInSize()) {}

ZstdDecompressSource::~ZstdDecompressSource() {
  ZSTD_freeDCtx(ctx_);
}

Result<std::size_t> ZstdDecompressSource::read(char* into, std::size_t capacity) {
  for (;;) {
    if (in_pos_ == in_size_ && !eof_) {
      auto n = next_.read(in_.data(), in_.size());
      if (!n) return fail(n.error());
      in_pos_ = 0;
      in_size_ = *n;
      if (*n == 0) {
        eof_ = true;
      } else {
        seen_input_ = true;
      }
    }
    ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
    ZSTD_outBuffer out{into, capacity, 0};
    const std::size_t hint = ZSTD_decompressStream(ctx_, &out, &in);
    if (ZSTD_isError(hint))
      return fail(Error::permanent(name_ + ": corrupt zstd data: " + ZSTD_getErrorName(hint)));
    // A call that neither read nor wrote (the input used up) says nothing about the frame:
    // after a complete frame it hints at the next frame's header.
    if (out.pos > 0 || in.pos > in_pos_) last_hint_ = hint;
    in_pos_ = in.pos;
    if (out.pos > 0) return out.pos;
    if (eof_ && in_pos_ == in_size_) {
      // The input is used up: a frame still open means the file was cut short.
      if (last_hint_ != 0 || !seen_input_)
        return fail(
            Error::permanent(name_ + ": truncated zstd data (the file ends inside a frame)"));
      return std::size_t{0};
    }
  }
}

}  // namespace sluice::adapters::formats
