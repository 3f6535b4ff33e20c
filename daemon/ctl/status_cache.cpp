#include "daemon/ctl/status_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <xxhash.h>

#include "framework/config/load.hpp"
#include "framework/schema/file_text.hpp"
#include "framework/time/duration.hpp"
#include "framework/time/zone.hpp"

namespace sluice::ctl {

namespace fs = std::filesystem;

namespace {

// Raised with every change to what an entry holds or how it is keyed.
constexpr std::int64_t kFormat = 1;
// A file changed this recently may change again without its times moving (they tick by the
// kernel's clock, a few milliseconds).
constexpr std::int64_t kSettledNs = 1'000'000'000;
constexpr std::size_t kMaxEntryBytes = 256u << 20;

std::int64_t ns_of(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Feeds the digest; each part is length-prefixed, so no two sequences of parts hash alike.
class Digest {
 public:
  Digest() { XXH3_128bits_reset(state_.get()); }
  void add(std::string_view part) {
    const std::uint64_t n = part.size();
    XXH3_128bits_update(state_.get(), &n, sizeof n);
    XXH3_128bits_update(state_.get(), part.data(), part.size());
  }
  void add(std::int64_t v) { add(std::string_view(reinterpret_cast<const char*>(&v), sizeof v)); }
  std::string hex() const {
    const auto h = XXH3_128bits_digest(state_.get());
    return fmt::format("{:016x}{:016x}", h.high64, h.low64);
  }

 private:
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state_{XXH3_createState(),
                                                                  &XXH3_freeState};
};

// The name, size, times and inode of `name` in the directory `dir` (one path component to
// look up, where a whole path took a fifth more); false when it cannot be stat'ed (the load
// reports it).
bool add_stat(Digest& digest, int dir, const std::string& name, std::int64_t* newest) {
  digest.add(name);
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, 0) != 0) return false;
  for (const std::int64_t v : {static_cast<std::int64_t>(st.st_size), ns_of(st.st_mtim),
                               ns_of(st.st_ctim), static_cast<std::int64_t>(st.st_ino)})
    digest.add(v);
  if (newest) *newest = std::max({*newest, ns_of(st.st_mtim), ns_of(st.st_ctim)});
  return true;
}

bool refers_to_secret(std::string_view text) {
  return text.find("${") != std::string_view::npos;
}

// The entry's encoding: numbers as 8 bytes, strings length-first. It is read at every call,
// 10,000 pipelines at a time: a JSON or CBOR document tree of them took 175 ms to read.
class EntryWriter {
 public:
  void num(std::int64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(std::string_view v) {
    num(static_cast<std::int64_t>(v.size()));
    out_.append(v);
  }
  void strs(const std::vector<std::string>& v) {
    num(static_cast<std::int64_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  void duration(const time::Duration& d) {
    num(d.months);
    num(d.fixed.count());
  }
  void location(const config::Location& l) {
    str(l.file);
    num(l.line);
    num(l.column);
  }
  void diagnostic(const config::Diagnostic& d) {
    location(d.where);
    str(d.path);
    str(d.message);
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

// The fewest bytes each item takes: a string its length, a location and a diagnostic their
// strings and numbers, a dependency, a pipeline and a quarantined file theirs.
constexpr std::size_t kLeastString = 8;
constexpr std::size_t kLeastDiagnostic = 5 * 8;
constexpr std::size_t kLeastDependency = 5 * 8;
constexpr std::size_t kLeastPipeline = 19 * 8;
constexpr std::size_t kLeastQuarantined = 2 * 8 + kLeastDiagnostic + 2 * 8;

// Throws on an entry cut short or of another shape: the caller's miss.
class EntryReader {
 public:
  explicit EntryReader(std::string_view in) : in_(in) {}
  std::int64_t num() {
    std::int64_t v = 0;
    std::memcpy(&v, take(sizeof v).data(), sizeof v);
    return v;
  }
  int small() {
    const auto v = num();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      throw std::runtime_error("status cache: a number out of range");
    return static_cast<int>(v);
  }
  // A count of items that each take at least `least` bytes of what is left: a garbled count
  // is refused before anything is allocated for it.
  std::size_t count(std::size_t least = 1) {
    const auto n = num();
    if (n < 0 || static_cast<std::uint64_t>(n) > in_.size() / least)
      throw std::runtime_error("status cache: a length past its end");
    return static_cast<std::size_t>(n);
  }
  std::string str() { return std::string(take(count())); }
  std::vector<std::string> strs() {
    std::vector<std::string> out(count(kLeastString));
    for (auto& s : out) s = str();
    return out;
  }
  time::Duration duration() {
    const auto months = num();
    return {months, Seconds{num()}};
  }
  config::Location location() {
    config::Location l;
    l.file = str();
    l.line = small();
    l.column = small();
    return l;
  }
  config::Diagnostic diagnostic() {
    config::Diagnostic d;
    d.where = location();
    d.path = str();
    d.message = str();
    return d;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view take(std::size_t n) {
    if (n > in_.size()) throw std::runtime_error("status cache: the entry is cut short");
    const auto out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  std::string_view in_;
};

void write_pipeline(EntryWriter& w, const config::PipelineConfig& p) {
  const auto& window = p.window;
  w.str(p.id.value);
  w.str(p.file.native());
  w.str(p.description);
  w.str(p.zone->name());
  w.str(window.zone->name());
  w.str(window.granularity.to_string());
  w.num(window.start.time_since_epoch().count());
  w.num(window.end ? 1 : 0);
  if (window.end) w.num(window.end->time_since_epoch().count());
  w.num(window.catchup);
  w.duration(window.x_time_back);
  w.strs(p.tags);
  w.num(p.paused);
  w.str(p.pool);
  w.num(p.pool_slots);
  w.num(p.priority);
  w.num(static_cast<std::int64_t>(p.depends_on.size()));
  for (const auto& d : p.depends_on) {
    w.str(d.upstream.value);
    w.num(d.mode == config::Dependency::Mode::latest);
    w.location(d.where);
  }
  w.num(p.run_if.has_value());
}

// Zones by name, looked up once each: most of a fleet shares a few.
class Zones {
 public:
  time::Zone operator()(const std::string& name) {
    auto [it, added] = zones_.try_emplace(name, nullptr);
    if (added) {
      auto zone = time::locate_zone(name);
      if (!zone) throw std::runtime_error(zone.error());
      it->second = *zone;
    }
    return it->second;
  }

 private:
  std::map<std::string, time::Zone, std::less<>> zones_;
};

void read_pipeline(EntryReader& r, Zones& zones, config::PipelineConfig& p) {
  p.id.value = r.str();
  p.file = r.str();
  p.description = r.str();
  p.zone = zones(r.str());
  auto& window = p.window;
  window.zone = zones(r.str());
  auto granularity = time::Granularity::parse(r.str());
  if (!granularity) throw std::runtime_error(granularity.error());
  window.granularity = *granularity;
  window.start = Instant{Seconds{r.num()}};
  if (r.num() != 0) window.end = Instant{Seconds{r.num()}};
  window.catchup = r.num() != 0;
  window.x_time_back = r.duration();
  p.tags = r.strs();
  p.paused = r.num() != 0;
  p.pool = r.str();
  p.pool_slots = r.small();
  p.priority = r.small();
  p.depends_on.resize(r.count(kLeastDependency));
  for (auto& d : p.depends_on) {
    d.upstream.value = r.str();
    d.mode = r.num() != 0 ? config::Dependency::Mode::latest : config::Dependency::Mode::windows;
    d.where = r.location();
  }
  if (r.num() != 0) p.run_if.emplace();
}

void write_quarantined(EntryWriter& w, const config::Quarantined& q) {
  w.str(q.pipeline.value);
  w.str(q.file.native());
  w.diagnostic(q.error);
  w.num(static_cast<std::int64_t>(q.errors.size()));
  for (const auto& d : q.errors) w.diagnostic(d);
  w.num(q.kept_previous);
}

config::Quarantined read_quarantined(EntryReader& r) {
  config::Quarantined q;
  q.pipeline.value = r.str();
  q.file = r.str();
  q.error = r.diagnostic();
  q.errors.resize(r.count(kLeastDiagnostic));
  for (auto& d : q.errors) d = r.diagnostic();
  q.kept_previous = r.num() != 0;
  return q;
}

// Whether a file the load read, or a catalog definition, refers to a secret.
bool reads_secrets(const StatusCacheKey& key, const config::Config& config) {
  if (key.catalog_secrets) return true;
  for (const auto& p : config.pipelines)
    if (refers_to_secret(p.text)) return true;
  for (const auto& q : config.quarantined) {
    if (q.file.string().starts_with(config::kCatalogPrefix)) continue;
    auto text = config::read_regular_file(q.file, kMaxEntryBytes);
    if (!text || refers_to_secret(*text)) return true;
  }
  return false;
}

bool settled(const StatusCacheKey& key) {
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return key.every_file_stated && now - key.newest_change_ns >= kSettledNs;
}

}  // namespace

std::optional<fs::path> status_cache_file(const fs::path& daemon_file) {
  fs::path dir;
  if (const char* d = std::getenv("SLUICE_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "sluice";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "sluice";
  } else {
    return std::nullopt;
  }
  std::error_code ec;
  const auto absolute = fs::absolute(daemon_file, ec).lexically_normal().string();
  char name[40];
  std::snprintf(name, sizeof name, "status-%016zx.bin", std::hash<std::string>{}(absolute));
  return dir / name;
}

StatusCacheKey status_cache_key(const fs::path& daemon_file, const std::string& daemon_text,
                                const fs::path& pipelines_dir,
                                const std::vector<fs::path>& pipeline_files,
                                const std::vector<store::Definition>* catalog) {
  StatusCacheKey key;
  Digest digest;
  digest.add(kFormat);
  add_stat(digest, AT_FDCWD, "/proc/self/exe", nullptr);
  std::error_code ec;
  digest.add(fs::absolute(daemon_file, ec).lexically_normal().native());
  digest.add(daemon_text);
  digest.add(static_cast<std::int64_t>(pipeline_files.size()));
  const int dir = ::open(pipelines_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (const auto& f : pipeline_files) {
    const bool stated = dir >= 0 && f.parent_path() == pipelines_dir &&
                        add_stat(digest, dir, f.filename().native(), &key.newest_change_ns);
    key.every_file_stated = key.every_file_stated && stated;
  }
  if (dir >= 0) ::close(dir);
  digest.add(catalog ? static_cast<std::int64_t>(catalog->size()) : -1);
  if (catalog) {
    for (const auto& d : *catalog) {
      digest.add(d.pipeline.value);
      digest.add(std::int64_t{d.version});
      digest.add(d.checksum);
      key.catalog_secrets = key.catalog_secrets || refers_to_secret(d.yaml);
    }
  }
  key.digest = digest.hex();
  return key;
}

std::optional<config::Config> read_status_cache(const fs::path& file, const StatusCacheKey& key,
                                                config::DaemonConfig daemon) {
  const auto bytes = config::read_regular_file(file, kMaxEntryBytes);
  if (!bytes) return std::nullopt;
  try {
    EntryReader r(*bytes);
    if (r.num() != kFormat || r.str() != key.digest) return std::nullopt;
    config::Config config;
    config.daemon = std::move(daemon);
    Zones zones;
    config.pipelines.resize(r.count(kLeastPipeline));
    for (auto& p : config.pipelines) read_pipeline(r, zones, p);
    config.quarantined.resize(r.count(kLeastQuarantined));
    for (auto& q : config.quarantined) q = read_quarantined(r);
    if (!r.done()) return std::nullopt;
    return config;
  } catch (const std::exception&) {
    return std::nullopt;  // cut short or of another shape: a miss
  }
}

bool write_status_cache(const fs::path& file, const StatusCacheKey& key,
                        const StatusCacheKey& key_after, const config::Config& config) {
  if (key != key_after || !settled(key) || reads_secrets(key, config)) return false;
  EntryWriter w;
  w.num(kFormat);
  w.str(key.digest);
  w.num(static_cast<std::int64_t>(config.pipelines.size()));
  for (const auto& p : config.pipelines) write_pipeline(w, p);
  w.num(static_cast<std::int64_t>(config.quarantined.size()));
  for (const auto& q : config.quarantined) write_quarantined(w, q);
  const std::string& bytes = w.bytes();

  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::permissions(file.parent_path(), fs::perms::owner_all, ec);
  const fs::path temp = file.string() + "." + std::to_string(::getpid()) + ".tmp";
  {
    const auto mask = ::umask(077);
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    ::umask(mask);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      fs::remove(temp, ec);
      return false;
    }
  }
  fs::rename(temp, file, ec);
  if (!ec) return true;
  fs::remove(temp, ec);
  return false;
}

}  // namespace sluice::ctl
