#pragma once
// The stage on a local (or mounted) directory: one directory per window,
// `<root>/<pipeline>/<window start, UTC>/`, holding the data file of the run that wrote it
// and `manifest.json`. Writes are atomic: temp file, fsync, rename, then the manifest the
// same way (without an fsync of its own: a torn manifest does not parse), then one fsync of
// the directory for both renames. A window whose manifest is missing or does not match its
// data is "not staged", and the chain redoes source -> stage. A write that fails at any step
// removes what it wrote, so that a full disk is not kept full by the window that failed on it.
//
// The data file is COPY text (the default, and the fast path: PostgreSQL endpoints move its
// bytes untouched), CSV or JSON Lines, each optionally zstd; the manifest records which, with
// rows, bytes and the xxh3 checksum of the file as stored. Whatever the format, the reader
// hands the target COPY text blocks and verifies all of it at the end. Rows may be of any
// length: the reader holds about 1 MiB of rows, or one longer row whole.
#include <filesystem>

#include "framework/adapters/formats/row_codec.hpp"
#include "framework/adapters/interfaces.hpp"

namespace sluice::adapters {

class LocalStage final : public Stage {
 public:
  struct Layout {
    formats::Format format = formats::Format::copy_text;
    bool zstd = false;
  };
  explicit LocalStage(std::filesystem::path root) : root_(std::move(root)) {}
  LocalStage(std::filesystem::path root, Layout layout) : root_(std::move(root)), layout_(layout) {}

  Result<std::unique_ptr<StageWriter>> open_writer(const WindowContext& ctx) override;
  Result<std::optional<Manifest>> find(const WindowContext& ctx) override;
  Result<std::unique_ptr<StageReader>> open_reader(const WindowContext& ctx) override;
  Result<void> remove(const WindowContext& ctx) override;
  Result<void> for_each_window(const PipelineId& pipeline,
                               const std::function<Result<void>(Instant)>& visit) override;

  std::filesystem::path window_dir(const WindowContext& ctx) const;

 private:
  std::filesystem::path root_;
  Layout layout_;
};

}  // namespace sluice::adapters
