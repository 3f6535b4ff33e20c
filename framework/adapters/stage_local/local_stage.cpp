#include "framework/adapters/stage_local/local_stage.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

#include <date/date.h>
#include <xxhash.h>
#include <nlohmann/json.hpp>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/formats/encoding_writer.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"
#include "framework/adapters/json_depth.hpp"
#include "framework/adapters/posix_file.hpp"

namespace fs = std::filesystem;

namespace sluice::adapters {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;
constexpr const char* kWindowDirFormat = "%Y%m%dT%H%M%SZ";
constexpr std::int64_t kWritebackBytes = 8 << 20;

using formats::Format;

std::string run_file_name(const RunId& run, const LocalStage::Layout& layout) {
  // Run IDs carry ':' and '+'; keep file names portable.
  std::string name = "data-";
  for (char c : run.value)
    name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  name += layout.format == Format::copy_text ? ".copy"
                                             : "." + std::string(formats::to_string(layout.format));
  return layout.zstd ? name + ".zst" : name;
}

nlohmann::json to_json(const Manifest& m) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : m.columns) columns.push_back(c.name);
  return {{"format", m.format}, {"compression", m.compression},
          {"columns", columns}, {"rows", m.rows},
          {"bytes", m.bytes},   {"checksum", m.checksum},
          {"run_id", m.run_id}, {"data_file", m.data_file}};
}

Result<Manifest> manifest_from_json(const std::string& text, const fs::path& where) {
  // A manifest nests two levels; a tampered one is refused before anything reads it.
  constexpr std::size_t kManifestDepth = 4;
  if (auto at = json_too_deep(text, kManifestDepth))
    return fail(Error::permanent("stage manifest " + where.string() + ": " +
                                 too_deep_message(kManifestDepth, *at)));
  try {
    const auto j = nlohmann::json::parse(text);
    Manifest m;
    m.format = j.at("format").get<std::string>();
    m.compression = j.value("compression", std::string("none"));  // manifests before stage formats
    for (const auto& c : j.at("columns")) m.columns.push_back(Column{c.get<std::string>()});
    m.rows = j.at("rows").get<std::int64_t>();
    m.bytes = j.at("bytes").get<std::int64_t>();
    m.checksum = j.at("checksum").get<std::string>();
    m.run_id = j.at("run_id").get<std::string>();
    m.data_file = j.at("data_file").get<std::string>();
    if (m.data_file.find('/') != std::string::npos)
      return fail(Error::permanent("stage manifest " + where.string() +
                                   ": data_file must be a plain name"));
    if (!formats::parse_format(m.format) || (m.compression != "none" && m.compression != "zstd"))
      return fail(Error::permanent("stage manifest " + where.string() + ": unknown format " +
                                   m.format + "/" + m.compression));
    return m;
  } catch (const std::exception& e) {
    return fail(
        Error::permanent("stage manifest " + where.string() + " is unreadable: " + e.what()));
  }
}

std::string hex64(XXH64_hash_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The stage's CSV: a header row, PostgreSQL's NULL convention. Rows as long as the source
// gave read back: the stage adds no limit of its own.
formats::CodecOptions codec(Format format, std::vector<Column> columns) {
  formats::CodecOptions o;
  o.format = format;
  o.columns = std::move(columns);
  o.max_row_bytes = formats::kNoRowLimit;
  return o;
}

// The data file's bytes as stored: hashed, counted, and written back to disk as it grows.
class StoredSink final : public formats::ByteSink {
 public:
  StoredSink() {
    state_ = XXH3_createState();
    XXH3_64bits_reset(state_);
  }
  ~StoredSink() override { XXH3_freeState(state_); }
  Result<void> write(std::string_view bytes) override {
    XXH3_64bits_update(state_, bytes.data(), bytes.size());
    if (auto r = file.write(bytes); !r) return r;
    bytes_ += static_cast<std::int64_t>(bytes.size());
    // The kernel would keep a large window's file dirty until commit's fsync and then write
    // it all at once; writing it back as it grows leaves that fsync only the tail.
    if (bytes_ - written_back_ >= kWritebackBytes) {
      file.start_writeback(written_back_, bytes_ - written_back_);
      written_back_ = bytes_;
    }
    return {};
  }
  std::int64_t bytes() const { return bytes_; }
  std::string checksum() const { return hex64(XXH3_64bits_digest(state_)); }
  PosixFile file;

 private:
  XXH3_state_t* state_ = nullptr;
  std::int64_t bytes_ = 0, written_back_ = 0;
};

class LocalWriter final : public StageWriter {
 public:
  LocalWriter(fs::path dir, const WindowContext& ctx, LocalStage::Layout layout)
      : dir_(std::move(dir)),
        data_name_(run_file_name(ctx.run, layout)),
        run_(ctx.run.value),
        layout_(layout),
        encoder_(codec(layout.format, {}),
                 layout.zstd ? std::optional<int>(formats::kZstdLevel) : std::nullopt, stored_) {}
  ~LocalWriter() override {
    if (!committed_) discard();  // an abandoned write leaves nothing behind
  }

  Result<void> begin(std::span<const Column> columns) override {
    columns_.assign(columns.begin(), columns.end());
    if (auto r = stored_.file.create(temp_path()); !r) return r;
    return encoder_.begin(columns);
  }
  Result<void> row(std::span<const Field> fields) override { return encoder_.row(fields); }
  Result<void> copy_block(std::string_view block, std::int64_t rows) override {
    return encoder_.copy_block(block, rows);
  }
  Result<void> end() override {
    finished_ = true;
    return encoder_.finish();
  }

  Result<Manifest> commit() override {
    auto m = publish();
    if (!m) discard();
    return m;
  }

 private:
  Result<Manifest> publish() {
    if (!finished_) {
      if (auto r = encoder_.finish(); !r) return fail(r.error());
    }
    // The data must be on disk before a manifest can vouch for it. Nothing else needs an
    // fsync of its own: until the directory's, at the end, a crash leaves no manifest, a
    // torn one or one without its data file, and each of them reads as "not staged", so the
    // chain stages the window again. (An empty data file has no data to sync.)
    if (stored_.bytes() > 0) {
      if (auto r = stored_.file.sync_and_close(); !r) return fail(r.error());
    } else {
      stored_.file.close();
    }
    if (auto r = rename_file(temp_path(), dir_ / data_name_, /*sync_directory=*/false); !r)
      return fail(r.error());
    Manifest m{std::string(formats::to_string(layout_.format)),
               layout_.zstd ? "zstd" : "none",
               columns_,
               encoder_.rows(),
               stored_.bytes(),
               stored_.checksum(),
               run_,
               data_name_};
    const std::string text = to_json(m).dump(2) + "\n";
    if (auto r = write_file_atomically(dir_ / "manifest.json", text, /*sync_file=*/false,
                                       /*sync_directory=*/false);
        !r)
      return fail(r.error());
    manifest_replaced_ = true;
    if (auto r = sync_directory(dir_); !r) return fail(r.error());
    committed_ = true;
    remove_other_data_files(dir_, data_name_);
    return m;
  }

  // Takes back what this writer put in the directory, at whichever step it stopped, so that
  // a window that failed on a full disk does not keep it full: the temp file, the data file
  // and, once the manifest replaced the previous one, the manifest and every data file (the
  // previous run's has no manifest left). Until then the previous stage stays as it was.
  void discard() {
    if (discarded_) return;
    discarded_ = true;
    stored_.file.close();
    std::error_code ec;
    fs::remove(temp_path(), ec);
    fs::remove(dir_ / data_name_, ec);
    if (manifest_replaced_) {
      fs::remove(dir_ / "manifest.json", ec);
      remove_other_data_files(dir_, {});
    }
  }

  fs::path temp_path() const { return dir_ / ("." + data_name_ + ".tmp"); }

  fs::path dir_;
  std::string data_name_;
  std::string run_;
  LocalStage::Layout layout_;
  StoredSink stored_;
  formats::EncodingWriter encoder_;
  std::vector<Column> columns_;
  bool committed_ = false, finished_ = false, manifest_replaced_ = false, discarded_ = false;
};

// The stored bytes read back: hashed and counted for the manifest check.
class StoredSource final : public formats::ByteSource {
 public:
  StoredSource() {
    state_ = XXH3_createState();
    XXH3_64bits_reset(state_);
  }
  ~StoredSource() override { XXH3_freeState(state_); }
  Result<std::size_t> read(char* into, std::size_t capacity) override {
    auto n = file.read(into, capacity);
    if (n) {
      XXH3_64bits_update(state_, into, *n);
      bytes_ += static_cast<std::int64_t>(*n);
    }
    return n;
  }
  std::int64_t bytes() const { return bytes_; }
  std::string checksum() const { return hex64(XXH3_64bits_digest(state_)); }
  PosixFile file;

 private:
  XXH3_state_t* state_ = nullptr;
  std::int64_t bytes_ = 0;
};

class LocalReader final : public StageReader {
 public:
  LocalReader(Manifest manifest, fs::path data)
      : manifest_(std::move(manifest)), path_(std::move(data)) {
    buffer_.resize(kBufferBytes);
  }

  Result<void> open() {
    if (auto r = stored_.file.open_read(path_); !r) return r;
    in_ = &stored_;
    if (manifest_.compression == "zstd") {
      zstd_ = std::make_unique<formats::ZstdDecompressSource>(stored_, path_.string());
      in_ = zstd_.get();
    }
    const Format format = *formats::parse_format(manifest_.format);
    if (format != Format::copy_text)
      decoder_ = formats::make_decoder(codec(format, manifest_.columns), *in_, path_.string());
    return {};
  }
  const Manifest& manifest() const override { return manifest_; }

  Result<std::string_view> next_block() override {
    auto block = decoder_ ? decoded_block() : copy_block();
    if (block && block->empty()) {
      if (auto r = verify(); !r) return fail(r.error());
    }
    return block;
  }

 private:
  // COPY text as stored: whole rows straight from the buffer, about 1 MiB of them; a row
  // longer than the buffer grows it to hold that row whole (no limit of our own: the source
  // had its own), so memory follows the longest row, never the window.
  Result<std::string_view> copy_block() {
    // Move the partial row left over from the last read to the front, then read on.
    std::memmove(buffer_.data(), buffer_.data() + consumed_, carry_);
    std::size_t filled = carry_;
    std::size_t whole = 0;  // up to the last line break read; the carry holds none
    while (!eof_ && (whole == 0 || filled < kBufferBytes)) {
      if (filled == buffer_.size()) buffer_.resize(buffer_.size() * 2);
      const std::size_t room = std::min(buffer_.size() - filled, kBufferBytes);
      auto n = in_->read(buffer_.data() + filled, room);
      if (!n) return fail(n.error());
      if (*n == 0) eof_ = true;
      if (const void* nl = ::memrchr(buffer_.data() + filled, '\n', *n))
        whole = static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data()) + 1;
      filled += *n;
    }
    if (whole == 0) {
      if (filled != 0)
        return fail(Error::permanent("stage file " + path_.string() + " ends inside a row"));
      consumed_ = carry_ = 0;
      return std::string_view{};
    }
    consumed_ = whole;
    carry_ = filled - whole;
    const std::string_view block(buffer_.data(), whole);
    rows_ += copy_text::count_rows(block);
    return block;
  }

  // CSV or JSON Lines decoded and re-encoded as COPY text, about 1 MiB at a time.
  Result<std::string_view> decoded_block() {
    block_.clear();
    while (block_.size() < kBufferBytes) {
      auto more = decoder_->next(fields_);
      if (!more) return fail(more.error());
      if (!*more) break;
      copy_text::append_row(block_, fields_);
      ++rows_;
    }
    return std::string_view(block_);
  }

  Result<void> verify() const {
    const std::string sum = stored_.checksum();
    if (stored_.bytes() != manifest_.bytes || sum != manifest_.checksum || rows_ != manifest_.rows)
      return fail(Error::permanent(
          "stage file " + path_.string() + " does not match its manifest (rows " +
          std::to_string(rows_) + " vs " + std::to_string(manifest_.rows) + ", bytes " +
          std::to_string(stored_.bytes()) + " vs " + std::to_string(manifest_.bytes) +
          ", checksum " + sum + " vs " + manifest_.checksum + ")"));
    return {};
  }

  Manifest manifest_;
  fs::path path_;
  StoredSource stored_;
  std::unique_ptr<formats::ZstdDecompressSource> zstd_;
  formats::ByteSource* in_ = nullptr;
  std::unique_ptr<formats::RowDecoder> decoder_;
  std::vector<Field> fields_;
  std::string buffer_, block_;
  std::size_t consumed_ = 0, carry_ = 0;
  bool eof_ = false;
  std::int64_t rows_ = 0;
};

}  // namespace

fs::path LocalStage::window_dir(const WindowContext& ctx) const {
  return root_ / ctx.pipeline.value / date::format(kWindowDirFormat, ctx.window.start);
}

Result<std::unique_ptr<StageWriter>> LocalStage::open_writer(const WindowContext& ctx) {
  const fs::path dir = window_dir(ctx);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return fail(
        Error::retryable("cannot create stage directory " + dir.string() + ": " + ec.message()));
  return std::make_unique<LocalWriter>(dir, ctx, layout_);
}

Result<std::optional<Manifest>> LocalStage::find(const WindowContext& ctx) {
  const fs::path path = window_dir(ctx) / "manifest.json";
  // A manifest is a few hundred bytes; a larger one is foreign, and not read into memory.
  constexpr std::uintmax_t kManifestMaxBytes = 1 << 20;
  std::error_code size_ec;
  if (const auto size = fs::file_size(path, size_ec); !size_ec && size > kManifestMaxBytes)
    return std::optional<Manifest>{};
  std::ifstream in(path);
  if (!in) return std::optional<Manifest>{};
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto m = manifest_from_json(text, path);
  if (!m) return std::optional<Manifest>{};  // a torn or foreign manifest means "not staged"
  std::error_code ec;
  const auto size = fs::file_size(window_dir(ctx) / m->data_file, ec);
  if (ec || static_cast<std::int64_t>(size) != m->bytes) return std::optional<Manifest>{};
  return std::optional<Manifest>{std::move(*m)};
}

Result<std::unique_ptr<StageReader>> LocalStage::open_reader(const WindowContext& ctx) {
  auto found = find(ctx);
  if (!found) return fail(found.error());
  if (!*found)
    return fail(Error::retryable("window " + to_string(ctx.window) + " is not staged in " +
                                 window_dir(ctx).string()));
  auto reader = std::make_unique<LocalReader>(**found, window_dir(ctx) / (*found)->data_file);
  if (auto r = reader->open(); !r) return fail(r.error());
  return std::unique_ptr<StageReader>(std::move(reader));
}

Result<void> LocalStage::for_each_window(const PipelineId& pipeline,
                                         const std::function<Result<void>(Instant)>& visit) {
  const fs::path dir = root_ / pipeline.value;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return {};  // nothing ever staged
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    const std::string name = it->path().filename().string();
    std::istringstream in(name);
    Instant start;
    in >> date::parse(kWindowDirFormat, start);
    // Only names this stage writes: anything else in the directory is not ours to judge.
    if (in.fail() || date::format(kWindowDirFormat, start) != name) continue;
    if (auto r = visit(start); !r) return r;
  }
  if (ec)
    return fail(
        Error::retryable("cannot list stage directory " + dir.string() + ": " + ec.message()));
  return {};
}

Result<void> LocalStage::remove(const WindowContext& ctx) {
  std::error_code ec;
  fs::remove_all(window_dir(ctx), ec);
  if (ec)
    return fail(
        Error::retryable("cannot remove " + window_dir(ctx).string() + ": " + ec.message()));
  return {};
}

}  // namespace sluice::adapters
