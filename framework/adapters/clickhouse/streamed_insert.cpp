#include "framework/adapters/clickhouse/streamed_insert.hpp"

#include <algorithm>

namespace sluice::adapters::clickhouse {

StreamedInsert::StreamedInsert(Session& session, std::string insert_sql, std::size_t columns,
                               std::string what, std::string query_id)
    : session_(session),
      sql_(std::move(insert_sql)),
      what_(std::move(what)),
      query_id_(std::move(query_id)),
      poison_(columns + 1, '\t') {
  poison_.back() = '\n';  // TabSeparated wants a newline after the last column, not a tab
}

StreamedInsert::~StreamedInsert() {
  if (!finished_) abort();
}

Result<void> StreamedInsert::put(std::string_view block) {
  if (block.empty()) return {};
  // COPY text escapes newlines inside values: one newline is one row.
  rows_ += std::count(block.begin(), block.end(), '\n');
  bool start = false;
  {
    std::unique_lock lock(mutex_);
    if (queue_.empty() || queue_.back().size() >= kChunk) {
      changed_.wait(lock, [&] { return queued_ < kMaxQueued || answer_; });
      if (!answer_) {
        if (spare_.empty()) {
          queue_.emplace_back().reserve(kChunk + block.size());
        } else {
          queue_.push_back(std::move(spare_.back()));
          spare_.pop_back();
        }
      }
    }
    if (answer_) {
      if (*answer_) return fail(Error::permanent("ClickHouse " + what_ + ": the request ended"));
      return fail(answer_->error());
    }
    queue_.back().append(block);
    queued_ += block.size();
    if (queue_.back().size() >= kChunk) {
      start = !started_;
      lock.unlock();
      changed_.notify_all();
    }
  }
  if (start) {
    started_ = true;
    thread_ = std::thread([this] { run(); });
  }
  return {};
}

Result<void> StreamedInsert::finish() {
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    if (!started_ && queued_ == 0) return {};  // no row: no request
  }
  changed_.notify_all();
  if (!started_) {
    started_ = true;
    thread_ = std::thread([this] { run(); });
  }
  thread_.join();
  return *answer_;
}

void StreamedInsert::abort() {
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamedInsert::run() {
  auto answer = session_.insert(
      sql_, [this] { return next_chunk(); }, what_, query_id_);
  {
    std::lock_guard lock(mutex_);
    answer_ = std::move(answer);
  }
  changed_.notify_all();  // a producer waiting for room learns that none will come
}

bool StreamedInsert::chunk_ready() const {
  return aborted_ || ended_ || queue_.size() > 1 ||
         (!queue_.empty() && queue_.front().size() >= kChunk);
}

Result<std::string_view> StreamedInsert::next_chunk() {
  std::unique_lock lock(mutex_);
  if (current_.capacity() > 0) {
    current_.clear();
    if (spare_.size() < 2) spare_.push_back(std::move(current_));
    current_ = std::string();
  }
  // A producer slower than one chunk per kLinger has its rows sent as they come, so the
  // request never idles long enough for a stall to be suspected.
  while (!changed_.wait_for(lock, kLinger, [&] { return chunk_ready(); }) && queue_.empty()) {
  }
  if (aborted_) {
    if (poisoned_) return std::string_view();
    poisoned_ = true;
    return std::string_view(poison_);
  }
  if (queue_.empty()) return std::string_view();  // ended: the end of the body
  current_ = std::move(queue_.front());
  queue_.pop_front();
  queued_ -= current_.size();
  lock.unlock();
  changed_.notify_all();
  return std::string_view(current_);
}

}  // namespace sluice::adapters::clickhouse
