#pragma once
// The stage on a local (or mounted) directory: one directory per window,
// `<root>/<pipeline>/<window start, UTC>/`, holding the data file of the run that wrote it
// and `manifest.json`. Writes are atomic: temp file, fsync, rename, then the manifest the
// same way (without an fsync of its own: a torn manifest does not parse), then one fsync of
// the directory for both renames. A window whose manifest is missing or does not match its
// data is "not staged", and the chain redoes source -> stage.
#include <filesystem>

#include "framework/adapters/interfaces.hpp"

namespace sluice::adapters {

class LocalStage final : public Stage {
 public:
  explicit LocalStage(std::filesystem::path root) : root_(std::move(root)) {}

  Result<std::unique_ptr<StageWriter>> open_writer(const WindowContext& ctx) override;
  Result<std::optional<Manifest>> find(const WindowContext& ctx) override;
  Result<std::unique_ptr<StageReader>> open_reader(const WindowContext& ctx) override;
  Result<void> remove(const WindowContext& ctx) override;

  std::filesystem::path window_dir(const WindowContext& ctx) const;

 private:
  std::filesystem::path root_;
};

}  // namespace sluice::adapters
