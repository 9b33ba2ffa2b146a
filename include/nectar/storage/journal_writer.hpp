// The journal's own thread: TradeStore writes and reads queued from the event loop and run, in order, on a
// writer thread that commits them in batches (one SQLite transaction per batch, WAL). The event loop never
// waits for SQLite, except where durability must come first (see OrderJournal). Reads queue behind the
// writes before them, so they see everything written earlier.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/storage/trade_store.hpp"

namespace nectar::storage {

/// Thread-safe. Destruction commits everything queued, then joins the thread.
class JournalWriter {
 public:
  explicit JournalWriter(std::unique_ptr<TradeStore> store);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  using Write = std::function<void(TradeStore&)>;
  /// Queues a write; returns its sequence number. A write that throws is logged (the batch's other writes
  /// still commit) and counted in failed_writes().
  uint64_t post(Write write);
  /// Blocks until every write posted before the call is committed.
  void wait_committed();
  /// Completes (on `ex`) when every write posted before the call is committed; the event loop keeps running.
  boost::asio::awaitable<void> committed(boost::asio::any_io_executor ex);
  /// Runs `read` on the writer thread after the writes queued before it; its result (or exception) through
  /// the future.
  template <class F>
  auto read(F read_fn) -> std::future<decltype(read_fn(std::declval<TradeStore&>()))> {
    using R = decltype(read_fn(std::declval<TradeStore&>()));
    auto task = std::make_shared<std::packaged_task<R(TradeStore&)>>(std::move(read_fn));
    auto future = task->get_future();
    enqueue([task](TradeStore& s) { (*task)(s); }, /*is_read=*/true);
    return future;
  }

  uint64_t committed_seq() const;
  uint64_t failed_writes() const;

 private:
  struct Item {
    uint64_t seq;
    Write run;
    bool is_read;
  };
  uint64_t enqueue(Write run, bool is_read);
  void run_thread();
  void notify_waiters_locked();

  std::unique_ptr<TradeStore> store_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the writer: work or stop
  std::condition_variable committed_;  // wait_committed()
  std::deque<Item> queue_;
  uint64_t posted_seq_ = 0;
  uint64_t committed_seq_ = 0;
  uint64_t failed_ = 0;
  bool stop_ = false;
  struct Waiter {
    uint64_t seq;
    std::function<void()> wake;
  };
  std::vector<Waiter> waiters_;  // committed() calls, woken from the writer thread
  std::thread thread_;
};

}  // namespace nectar::storage
