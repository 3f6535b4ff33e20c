#include "framework/adapters/mysql/infile_feed.hpp"

#include <errmsg.h>
#include <mysql.h>

#include <algorithm>
#include <cstring>

namespace sluice::adapters::mysql {
namespace {

// Nothing is allocated: some versions of the library call the end callback on every path,
// others not after a success.
using Reading = InfileFeed::Reading;
Reading kNoFeed{nullptr, "this connection reads no local file now"};
Reading kOtherFile{nullptr, "the server asked for another file than the statement's"};

int feed_init(void** state, const char* filename, void* userdata) {
  auto* feed = static_cast<InfileFeed*>(userdata);
  if (!feed) {
    *state = &kNoFeed;
    return 1;
  }
  if (!filename || !feed->open(filename)) {
    *state = &kOtherFile;
    return 1;
  }
  *state = &feed->reading;
  return 0;
}

int feed_read(void* state, char* buffer, unsigned int size) {
  return static_cast<Reading*>(state)->feed->read(buffer, size);
}

void feed_end(void* state) {
  if (auto* reading = static_cast<Reading*>(state); reading && reading->feed)
    reading->feed->stopped();
}

int feed_error(void* state, char* message, unsigned int size) {
  const auto* reading = static_cast<const Reading*>(state);
  const char* text = reading && reading->refusal ? reading->refusal
                     : reading && reading->feed  ? "the rows stopped coming: the load was abandoned"
                                                 : "local file not read";
  if (size > 0) {
    std::strncpy(message, text, size - 1);
    message[size - 1] = '\0';
  }
  return CR_UNKNOWN_ERROR;
}

}  // namespace

bool InfileFeed::push(std::string block) {
  if (block.empty()) return true;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < max_queued_ || stopped_; });
  if (stopped_) return false;
  queue_.push_back(std::move(block));
  changed_.notify_all();
  return true;
}

void InfileFeed::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void InfileFeed::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  changed_.notify_all();
}

int InfileFeed::read(char* buffer, unsigned size) {
  // current_ and offset_ are the reader's own: the lock is taken for the next block only.
  while (offset_ == current_.size()) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || closed_ || aborted_; });
    if (aborted_) return -1;
    if (queue_.empty()) return 0;  // closed, and all read
    current_ = std::move(queue_.front());
    queue_.pop_front();
    offset_ = 0;
    changed_.notify_all();
  }
  const std::size_t n = std::min<std::size_t>(size, current_.size() - offset_);
  std::memcpy(buffer, current_.data() + offset_, n);
  offset_ += n;
  return static_cast<int>(n);
}

void InfileFeed::stopped() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  queue_.clear();
  changed_.notify_all();
}

void InfileFeed::attach(st_mysql* handle) {
  mysql_set_local_infile_handler(handle, feed_init, feed_read, feed_end, feed_error, this);
}

void InfileFeed::detach(st_mysql* handle) {
  refuse_all(handle);
}

void InfileFeed::refuse_all(st_mysql* handle) {
  mysql_set_local_infile_handler(handle, feed_init, feed_read, feed_end, feed_error, nullptr);
}

}  // namespace sluice::adapters::mysql
