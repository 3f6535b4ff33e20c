#pragma once
// One window's load into a MariaDB table, started by the target (target.cpp) inside its
// transaction: the LOAD DATA LOCAL INFILE statement runs on a thread of the load's own, and
// reads what put() feeds it, encoded for it (infile_text.hpp). commit() ends the file, checks
// what the server says it did (no warning, every row taken), upserts from the rows table when
// the mode says so, and commits. Destroyed uncommitted, the load ends its file in an error
// and closes the connection, which rolls everything back.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framework/adapters/interfaces.hpp"
#include "framework/adapters/mysql/connection.hpp"
#include "framework/adapters/mysql/infile_feed.hpp"
#include "framework/adapters/mysql/infile_text.hpp"

namespace sluice::adapters::mysql {

// The file name the LOAD DATA statement names; the feed serves that one only.
inline constexpr std::string_view kInfileName = "sluice-window-rows";

// The statements of a load, made by the target.
struct LoadStatements {
  std::string load_data;
  // upsert only: the rows table's rows with a NULL in the key, its keys held by more than one
  // row, the INSERT ... ON DUPLICATE KEY UPDATE, the count of the table's rows holding the
  // window's keys, and the DROP of the rows table.
  std::string null_keys, repeated_keys, upsert, held, drop_rows;

  bool upserts() const { return !upsert.empty(); }
};

class MysqlLoad final : public TargetLoad {
 public:
  MysqlLoad(ConnectionPool::Lease connection, LoadStatements statements,
            std::vector<Conversion> conversions, std::string table);
  ~MysqlLoad() override;
  MysqlLoad(const MysqlLoad&) = delete;
  MysqlLoad& operator=(const MysqlLoad&) = delete;

  Result<void> put(std::string_view block) override;
  Result<void> commit() override;
  std::optional<std::int64_t> held() const override { return held_; }
  // LOAD DATA's affected rows, as the server counted them (an upsert's go to its rows table
  // first: none).
  std::optional<std::int64_t> reported() const override {
    if (!committed_ || statements_.upserts()) return std::nullopt;
    return static_cast<std::int64_t>(affected_);
  }

 private:
  void run();  // the LOAD DATA statement, on thread_
  // Waits for the statement; its outcome.
  Result<void> finished();
  Result<void> check_taken();
  Result<void> upsert();
  // The server's warnings as one line (at most a few).
  std::string warnings();
  Error failed(Error e);  // closes the connection (rolling back), returns `e`

  ConnectionPool::Lease conn_;
  LoadStatements statements_;
  InfileEncoder encoder_;
  std::string table_;  // for messages
  InfileFeed feed_{std::string(kInfileName)};
  std::int64_t rows_ = 0;
  // The statement's outcome, written by thread_ before it ends.
  Result<void> outcome_;
  std::uint64_t affected_ = 0;
  unsigned warning_count_ = 0;
  bool joined_ = false, committed_ = false;
  std::optional<std::int64_t> held_;
  std::thread thread_;  // last: it starts once the rest is built
};

}  // namespace sluice::adapters::mysql
