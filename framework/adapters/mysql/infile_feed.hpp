#pragma once
// What `LOAD DATA LOCAL INFILE` reads, handed over block by block: put() on the thread that
// has the rows (the extract's, or the one reading the stage file), read by the client
// library's local-infile callback on the thread that runs the statement. At most a few blocks
// wait between them, so memory does not grow with the window; the file name the server asks
// for must be ours, and no file of the host is ever read.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>

#include "framework/core/error.hpp"

struct st_mysql;

namespace sluice::adapters::mysql {

class InfileFeed {
 public:
  // `name`: the file name the statement says (`LOAD DATA LOCAL INFILE 'name'`).
  explicit InfileFeed(std::string name, std::size_t max_queued = 4)
      : name_(std::move(name)), max_queued_(max_queued) {}

  // Waits while the queue is full. False once the statement stopped reading (it failed or
  // was killed): the caller learns why from the statement.
  bool push(std::string block);
  // The rows are all pushed: the statement's file ends once they are read.
  void close();
  // The rows will not all come: the file ends in an error, which fails the statement.
  void abort();

  // Makes the statement about to run on `handle` read from this feed (and only from it).
  void attach(st_mysql* handle);
  // After the statement: the feed is read no more, and the connection reads no file until
  // attached again.
  static void detach(st_mysql* handle);
  // A connection that may LOAD DATA LOCAL: until a feed is attached, every request of the
  // server for a local file is refused.
  static void refuse_all(st_mysql* handle);

  // The client library's side (the callbacks). What they hand each other: the feed read, or
  // why none is (the text the error callback gives the library).
  struct Reading {
    InfileFeed* feed;
    const char* refusal;
  };
  Reading reading{this, nullptr};
  bool open(std::string_view requested) const { return requested == name_; }
  int read(char* buffer, unsigned size);
  void stopped();  // the statement read its last byte or gave up

 private:
  const std::string name_;
  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::string current_;
  std::size_t offset_ = 0;
  bool closed_ = false, aborted_ = false, stopped_ = false;
};

}  // namespace sluice::adapters::mysql
