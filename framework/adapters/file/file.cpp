#include "framework/adapters/file/file.hpp"
#include "framework/adapters/staged_load.hpp"

#include <unistd.h>

#include "framework/adapters/copy_text.hpp"
#include "framework/adapters/endpoint.hpp"
#include "framework/adapters/file/keys.hpp"
#include "framework/adapters/formats/encoding_writer.hpp"
#include "framework/adapters/formats/zstd_stream.hpp"
#include "framework/adapters/posix_file.hpp"

namespace fs = std::filesystem;

namespace sluice::adapters::file {
namespace {

constexpr std::size_t kMaxReported = 10;

struct Resolved {
  fs::path path;
  formats::CodecOptions codec;
  bool zstd = false;
};

Result<Resolved> resolve(const FileOptions& o, const WindowContext& ctx) {
  const time::TemplateContext t{
      ctx.pipeline.value, ctx.window, ctx.zone ? ctx.zone : time::utc_zone(), {}};
  fs::path path = o.path.render(t);
  if (path.is_relative()) path = o.root / path;
  const std::string name = path.string();
  const auto format = o.format ? o.format : format_of_path(name);
  if (!format)
    return fail(Error::permanent(
        name + ": the extension names no format (.csv, .jsonl, .ndjson): set `format`"));
  Resolved r{path, {}, o.zstd.value_or(name.ends_with(".zst"))};
  r.codec.format = *format;
  r.codec.csv = o.csv;
  r.codec.columns = o.columns;
  r.codec.max_json_depth = o.max_json_depth;
  return r;
}

// A file read as rows: file -> [zstd] -> decoder.
class OpenFile {
 public:
  // nullptr when the file does not exist and `missing_is_empty`.
  static Result<std::unique_ptr<OpenFile>> open(const Resolved& r, bool missing_is_empty) {
    std::error_code ec;
    if (!fs::exists(r.path, ec)) {
      if (missing_is_empty) return std::unique_ptr<OpenFile>{};
      return fail(Error::retryable(
          "file " + r.path.string() +
          " does not exist (yet?); `missing_file: empty` reads a missing file as an "
          "empty window"));
    }
    auto f = std::unique_ptr<OpenFile>(new OpenFile);
    if (auto o = f->file_.open_read(r.path); !o) return fail(o.error());
    formats::ByteSource* in = &f->raw_;
    if (r.zstd) {
      f->zstd_ = std::make_unique<formats::ZstdDecompressSource>(f->raw_, r.path.string());
      in = f->zstd_.get();
    }
    f->decoder_ = formats::make_decoder(r.codec, *in, r.path.string());
    return f;
  }
  formats::RowDecoder& decoder() { return *decoder_; }

 private:
  OpenFile() = default;
  PosixFile file_;
  formats::FileByteSource raw_{file_};
  std::unique_ptr<formats::ZstdDecompressSource> zstd_;
  std::unique_ptr<formats::RowDecoder> decoder_;
};

// Reads on after a malformed row, so that one run names every bad place (up to 10), not
// only the first.
Error with_other_errors(formats::RowDecoder& decoder, Error first) {
  if (first.kind != ErrorKind::permanent) return first;
  std::vector<std::string> messages{first.message};
  std::vector<Field> fields;
  bool more = false;
  for (;;) {
    auto r = decoder.next(fields);
    if (r && !*r) break;
    if (r) continue;
    if (r.error().message == messages.back()) break;  // the stream cannot go on (corrupt zstd, I/O)
    if (messages.size() == kMaxReported) {
      more = true;
      break;
    }
    messages.push_back(r.error().message);
  }
  std::string joined;
  for (const auto& m : messages) joined += (joined.empty() ? "" : "; ") + m;
  if (more) joined += "; and more";
  return Error{first.kind, std::move(joined)};
}

Result<std::int64_t> count_rows(const Resolved& r, bool missing_is_empty) {
  auto f = OpenFile::open(r, missing_is_empty);
  if (!f) return fail(f.error());
  if (!*f) return std::int64_t{0};
  std::vector<Field> fields;
  std::int64_t n = 0;
  for (;;) {
    auto more = (*f)->decoder().next(fields);
    if (!more) return fail(with_other_errors((*f)->decoder(), more.error()));
    if (!*more) return n;
    ++n;
  }
}

class FileSource final : public Source {
 public:
  explicit FileSource(FileOptions o) : o_(std::move(o)) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    auto r = resolve(o_, ctx);
    if (!r) return fail(r.error());
    return count_rows(*r, o_.missing_is_empty);
  }

  Result<bool> has_rows(const WindowContext& ctx) override {
    auto r = resolve(o_, ctx);
    if (!r) return fail(r.error());
    auto f = OpenFile::open(*r, o_.missing_is_empty);
    if (!f) return fail(f.error());
    if (!*f) return false;
    std::vector<Field> fields;
    auto more = (*f)->decoder().next(fields);
    if (!more) return fail(with_other_errors((*f)->decoder(), more.error()));
    return *more;
  }

  Result<std::int64_t> extract(const WindowContext& ctx, RowSink& sink) override {
    auto r = resolve(o_, ctx);
    if (!r) return fail(r.error());
    auto f = OpenFile::open(*r, o_.missing_is_empty);
    if (!f) return fail(f.error());
    if (!*f) {
      if (auto b = sink.begin(o_.columns); !b) return fail(b.error());
      if (auto e = sink.end(); !e) return fail(e.error());
      return std::int64_t{0};
    }
    auto& decoder = (*f)->decoder();
    auto columns = decoder.columns();
    if (!columns) return fail(with_other_errors(decoder, columns.error()));
    if (auto b = sink.begin(*columns); !b) return fail(b.error());
    std::vector<Field> fields;
    std::int64_t n = 0;
    for (;;) {
      auto more = decoder.next(fields);
      if (!more) return fail(with_other_errors(decoder, more.error()));
      if (!*more) break;
      if (auto w = sink.row(fields); !w) return fail(w.error());
      ++n;
    }
    if (auto e = sink.end(); !e) return fail(e.error());
    return n;
  }

 private:
  FileOptions o_;
};

// The new file, invisible under its own name until commit() renames it into place.
class FileLoad final : public TargetLoad {
 public:
  explicit FileLoad(Resolved r)
      : r_(std::move(r)),
        temp_(r_.path.parent_path() / ("." + r_.path.filename().string() + ".tmp")),
        writer_(r_.codec, r_.zstd ? std::optional<int>(formats::kZstdLevel) : std::nullopt, sink_) {
  }
  ~FileLoad() override {
    // An abandoned or failed load leaves the old file, or none: also after a failed fsync or
    // rename, which close the temp file but do not remove it.
    if (created_ && !committed_) {
      file_.close();
      std::error_code ec;
      fs::remove(temp_, ec);
    }
  }

  Result<void> start(std::span<const Column> columns) {
    std::error_code ec;
    fs::create_directories(r_.path.parent_path(), ec);
    if (ec) return fail(errno_error("cannot create directory", r_.path.parent_path(), ec.value()));
    created_ = true;
    if (auto c = file_.create(temp_); !c) return c;
    return writer_.begin(columns);
  }
  Result<void> put(std::string_view block) override {
    return writer_.copy_block(block, copy_text::count_rows(block));
  }
  Result<void> commit() override {
    if (auto f = writer_.finish(); !f) return f;
    if (auto s = file_.sync_and_close(); !s) return s;
    if (auto m = rename_file(temp_, r_.path); !m) return m;
    committed_ = true;
    return {};
  }

 private:
  Resolved r_;
  fs::path temp_;
  PosixFile file_;
  formats::FileByteSink sink_{file_};
  formats::EncodingWriter writer_;
  bool created_ = false, committed_ = false;
};

class FileTarget final : public Target {
 public:
  explicit FileTarget(FileOptions o) : o_(std::move(o)) {}

  Result<std::int64_t> count(const WindowContext& ctx) override {
    auto r = resolve(o_, ctx);
    if (!r) return fail(r.error());
    // The file holds the rows another source gave, as long as they were: no limit of ours.
    r->codec.max_row_bytes = formats::kNoRowLimit;
    return count_rows(*r, /*missing_is_empty=*/true);  // nothing written yet: no rows
  }

  Result<std::unique_ptr<TargetLoad>> start_load(const WindowContext& ctx,
                                                 std::span<const Column> columns) override {
    auto load = open_load(ctx, columns);
    if (!load) return fail(load.error());
    return std::unique_ptr<TargetLoad>(std::move(*load));
  }

  Result<Loaded> load(const WindowContext& ctx, StageReader& staged) override {
    return load_from_stage(*this, ctx, staged);
  }

 private:
  Result<std::unique_ptr<FileLoad>> open_load(const WindowContext& ctx,
                                              std::span<const Column> columns) {
    auto r = resolve(o_, ctx);
    if (!r) return fail(r.error());
    auto load = std::make_unique<FileLoad>(std::move(*r));
    if (auto s = load->start(columns); !s) return fail(s.error());
    return load;
  }

  FileOptions o_;
};

FileOptions options_from_config(const adapters::ConnectionConfig& connection,
                                const adapters::EndpointConfig& e, Role role) {
  auto layout = config::bind(layout_binding(), e.params);
  FileOptions o;
  o.root = config::bind(connection_binding(), connection.params).root;
  o.path = std::move(layout.path);
  o.format = layout.format;
  o.zstd = layout.zstd;
  o.csv = {layout.csv_delimiter, layout.csv_header, std::move(layout.csv_null)};
  for (auto& name : layout.columns) o.columns.push_back({std::move(name)});
  if (role == Role::source) {
    const auto read = config::bind(read_binding(), e.params);
    o.missing_is_empty = read.missing_is_empty;
    o.max_json_depth = read.max_json_depth;
  }
  return o;
}

}  // namespace

std::unique_ptr<Source> make_source(FileOptions options) {
  return std::make_unique<FileSource>(std::move(options));
}
std::unique_ptr<Target> make_target(FileOptions options) {
  return std::make_unique<FileTarget>(std::move(options));
}

Result<std::unique_ptr<Source>> source_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& source) {
  return make_source(options_from_config(connection, source, Role::source));
}

Result<std::unique_ptr<Target>> target_from_config(const adapters::ConnectionConfig& connection,
                                                   const adapters::EndpointConfig& target) {
  return make_target(options_from_config(connection, target, Role::target));
}

Result<std::string> probe(const adapters::ConnectionConfig& connection) {
  const fs::path root = config::bind(connection_binding(), connection.params).root;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(Error::permanent("root " + root.string() + " is not a directory" +
                                 (ec ? ": " + ec.message() : "")));
  const bool readable = ::access(root.c_str(), R_OK | X_OK) == 0;
  const bool writable = ::access(root.c_str(), W_OK | X_OK) == 0;
  if (!readable) return fail(Error::permanent("root " + root.string() + " is not readable"));
  return "directory " + root.string() + (writable ? " (readable, writable)" : " (read-only)");
}

}  // namespace sluice::adapters::file
