#pragma once
// One `INSERT ... FORMAT TabSeparated` whose body is fed by put() calls from the thread that
// extracts the rows, while a thread of its own sends it: the blocks wait in a bounded queue
// (kMaxQueued bytes), so memory stays a few MiB whatever the window's size, and a producer
// faster than ClickHouse waits in put(). The request starts with the first rows (a source
// that takes long to send its first row never stalls an open request) and not at all when
// no row comes.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framework/adapters/clickhouse/session.hpp"

namespace sluice::adapters::clickhouse {

class StreamedInsert {
 public:
  // Blocks are gathered into chunks of kChunk bytes (a sender that waits longer than
  // kLinger takes a smaller one); at most about kMaxQueued bytes wait to be sent.
  static constexpr std::size_t kChunk = 256 * 1024;
  static constexpr std::size_t kMaxQueued = 2 * 1024 * 1024;
  static constexpr std::chrono::milliseconds kLinger{200};

  // `columns`: how many the INSERT names (abort() sends a row of one more).
  StreamedInsert(Session& session, std::string insert_sql, std::size_t columns, std::string what,
                 std::string query_id);
  ~StreamedInsert();  // abort() unless finished
  StreamedInsert(const StreamedInsert&) = delete;
  StreamedInsert& operator=(const StreamedInsert&) = delete;

  // Whole COPY text rows. Waits while the queue is full; an error once the request has
  // ended (ClickHouse refused the rows, the connection broke): no later put() succeeds.
  Result<void> put(std::string_view block);
  // Ends the body and returns ClickHouse's answer.
  Result<void> finish();
  // Ends the body with a row ClickHouse cannot parse, so that the INSERT fails, and waits for
  // its answer: then nothing more of it is written. Merely cutting the body short would not
  // do: 18.16 inserts what it received, at a moment the client cannot know. Either way the
  // blocks written before (ClickHouse writes each max_insert_block_size rows as it goes)
  // stay: the caller removes them.
  void abort();

  std::int64_t rows() const { return rows_; }  // rows put so far
  bool sent() const { return started_; }       // whether a request was made
  const std::string& query_id() const { return query_id_; }

 private:
  void run();                             // the sender thread
  Result<std::string_view> next_chunk();  // the queue to libcurl (sender)
  bool chunk_ready() const;               // under mutex_

  Session& session_;
  std::string sql_;
  std::string what_;
  std::string query_id_;
  std::string poison_;  // a row with a field too many
  std::int64_t rows_ = 0;
  bool started_ = false;
  bool finished_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;
  // Chunks for the sender; the producer appends to the last one until it holds kChunk.
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;      // sent chunks, reused rather than allocated again
  std::size_t queued_ = 0;              // bytes in queue_
  bool ended_ = false;                  // the body is complete (finish)
  bool aborted_ = false;                // the body ends with poison_ (abort)
  bool poisoned_ = false;               // poison_ went to libcurl
  std::optional<Result<void>> answer_;  // set by the sender when the request is over
  std::string current_;                 // the chunk libcurl is sending

  std::thread thread_;
};

}  // namespace sluice::adapters::clickhouse
