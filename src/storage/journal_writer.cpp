#include "nectar/storage/journal_writer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nectar::storage {

namespace asio = boost::asio;

JournalWriter::JournalWriter(std::unique_ptr<TradeStore> store) : store_(std::move(store)) {
  thread_ = std::thread([this] { run_thread(); });
}

JournalWriter::~JournalWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t JournalWriter::post(Write write) {
  return enqueue(std::move(write), false);
}

uint64_t JournalWriter::enqueue(Write run, bool is_read) {
  uint64_t seq;
  {
    std::lock_guard lock(mutex_);
    seq = ++posted_seq_;
    queue_.push_back(Item{seq, std::move(run), is_read});
  }
  wake_.notify_one();
  return seq;
}

void JournalWriter::wait_committed() {
  std::unique_lock lock(mutex_);
  const uint64_t target = posted_seq_;
  committed_.wait(lock, [&] { return committed_seq_ >= target; });
}

asio::awaitable<void> JournalWriter::committed(asio::any_io_executor ex) {
  auto timer = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  {
    std::lock_guard lock(mutex_);
    const uint64_t target = posted_seq_;
    if (committed_seq_ >= target) co_return;
    waiters_.push_back(Waiter{target, [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); }});
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
}

uint64_t JournalWriter::committed_seq() const {
  std::lock_guard lock(mutex_);
  return committed_seq_;
}

uint64_t JournalWriter::failed_writes() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void JournalWriter::notify_waiters_locked() {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->seq <= committed_seq_) {
      it->wake();
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
}

void JournalWriter::run_thread() {
  for (;;) {
    std::deque<Item> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, everything committed
      batch.swap(queue_);
    }
    // Writes up to the first read go in one transaction; a read then sees them committed.
    uint64_t failed = 0;
    std::size_t i = 0;
    while (i < batch.size()) {
      if (batch[i].is_read) {
        batch[i].run(*store_);  // packaged_task: its exception goes to the future
        ++i;
        continue;
      }
      bool in_batch = false;
      try {
        store_->begin_batch();
        in_batch = true;
      } catch (const std::exception& e) {
        spdlog::error("journal: cannot begin a batch, writing one by one: {}", e.what());
      }
      for (; i < batch.size() && !batch[i].is_read; ++i) {
        try {
          batch[i].run(*store_);
        } catch (const std::exception& e) {
          ++failed;
          spdlog::error("journal: a write failed: {}", e.what());
        }
      }
      if (in_batch) {
        try {
          store_->commit_batch();
        } catch (const std::exception& e) {
          ++failed;
          spdlog::error("journal: commit failed: {}", e.what());
        }
      }
    }
    {
      std::lock_guard lock(mutex_);
      committed_seq_ = batch.back().seq;
      failed_ += failed;
      notify_waiters_locked();
    }
    committed_.notify_all();
  }
}

}  // namespace nectar::storage
