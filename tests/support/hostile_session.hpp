#pragma once
// What the session-settings tests share: databases whose defaults are all set differently
// from what sluice's codecs rely on, environment variables libpq reads at connect, and exact
// renderings of a table under sluice's own (pinned) session.
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::test {

// Sets environment variables for its lifetime, then restores them (the test binary runs its
// tests one after another, so nothing else connects meanwhile).
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::string>& values);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// libpq's variables that would change a session sluice did not pin: PGDATESTYLE, PGTZ,
// PGCLIENTENCODING (LATIN1), PGOPTIONS.
std::map<std::string, std::string> hostile_libpq_environment();

// `ALTER DATABASE name SET ...` for each setting, through a connection to `url`.
void set_database_defaults(const std::string& url, const std::string& database,
                           const std::map<std::string, std::string>& settings);

// `SHOW name` in a plain libpq session to `url` (no sluice settings): what a session gets
// by default there. Throws on failure.
std::string plain_session_setting(const std::string& url, const std::string& name);

// `COPY (sql) TO STDOUT` under sluice's pinned session: an exact rendering of every value.
std::string rendering(const std::string& url, const std::string& sql);

// The column names of `table` where `rendering`s differ, with both values, one per line;
// empty when the renderings are equal. The rows must come in the same order.
std::string rendering_differences(const std::string& expected, const std::string& actual,
                                  const std::vector<std::string>& columns);

}  // namespace sluice::test
