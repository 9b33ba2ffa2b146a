// JournalWriter: writes leave the caller's thread, keep their order, commit in batches, are visible to a
// second connection once committed, and reads queue behind the writes before them.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <thread>

#include "nectar/storage/journal_writer.hpp"

using namespace nectar;
using storage::JournalWriter;
using storage::TradeStore;

namespace {

const TradingPair kBtc{"BTC", "USDT"};

class JournalWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path = (std::filesystem::temp_directory_path() /
            ("nectar_writer_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
               .string();
    cleanup();
  }
  void TearDown() override { cleanup(); }
  void cleanup() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  static OrderFilledEvent fill(const std::string& trade, Decimal amount) {
    OrderFilledEvent f;
    f.timestamp_ms = 1700000000000;
    f.client_order_id = "o1";
    f.trade_id = trade;
    f.pair = kBtc;
    f.trade_type = TradeType::kBuy;
    f.price = "65000.5"_d;
    f.amount = amount;
    return f;
  }
  std::string path;
};

TEST_F(JournalWriterTest, WritesRunOffTheCallersThreadInOrderAndAreCommitted) {
  JournalWriter writer(std::make_unique<TradeStore>(path));
  const auto caller = std::this_thread::get_id();
  std::atomic<bool> other_thread{false};
  for (int i = 0; i < 200; ++i) {
    writer.post([&, i](TradeStore& s) {
      if (std::this_thread::get_id() != caller) other_thread = true;
      s.record_fill("x", fill(fmt::format("t{:03}", i), Decimal::from_int(i + 1)), "e1");
    });
  }
  writer.wait_committed();
  EXPECT_TRUE(other_thread);
  EXPECT_EQ(writer.committed_seq(), 200u);
  // A second connection (another process would see the same) reads every row, in order.
  const auto fills = TradeStore(path).fills("x");
  ASSERT_EQ(fills.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(fills[i].trade_id, fmt::format("t{:03}", i));
  EXPECT_EQ(writer.failed_writes(), 0u);
}

TEST_F(JournalWriterTest, AReadSeesTheWritesQueuedBeforeIt) {
  JournalWriter writer(std::make_unique<TradeStore>(path));
  writer.post([](TradeStore& s) { s.record_fill("x", fill("a", "1"_d), "e"); });
  auto read = writer.read([](TradeStore& s) { return s.fills("x").size(); });
  writer.post([](TradeStore& s) { s.record_fill("x", fill("b", "1"_d), "e"); });
  EXPECT_EQ(read.get(), 1u);
  // A read that throws hands its exception to the caller.
  auto bad = writer.read([](TradeStore&) -> int { throw storage::StorageError("boom"); });
  EXPECT_THROW(bad.get(), storage::StorageError);
}

TEST_F(JournalWriterTest, AFailedWriteIsCountedAndTheOthersOfItsBatchCommit) {
  JournalWriter writer(std::make_unique<TradeStore>(path));
  writer.post([](TradeStore& s) { s.record_fill("x", fill("a", "1"_d), "e"); });
  writer.post([](TradeStore&) { throw storage::StorageError("disk on fire"); });
  writer.post([](TradeStore& s) { s.record_fill("x", fill("b", "2"_d), "e"); });
  writer.wait_committed();
  EXPECT_EQ(writer.failed_writes(), 1u);
  EXPECT_EQ(TradeStore(path).fills("x").size(), 2u);
}

TEST_F(JournalWriterTest, CommittedAwaitsWithoutBlockingTheEventLoop) {
  JournalWriter writer(std::make_unique<TradeStore>(path));
  boost::asio::io_context io;
  std::atomic<int> loop_turns{0};
  // A slow write: the loop must keep turning while committed() waits for it.
  writer.post([](TradeStore& s) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    s.record_fill("x", fill("slow", "1"_d), "e");
  });
  bool seen_after = false;
  auto done = boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        co_await writer.committed(io.get_executor());
        seen_after = TradeStore(path).fills("x").size() == 1;
      },
      boost::asio::use_future);
  std::function<void()> spin = [&] {
    ++loop_turns;
    if (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) boost::asio::post(io, spin);
  };
  boost::asio::post(io, spin);
  io.run();
  done.get();
  EXPECT_TRUE(seen_after) << "committed() returned before the row was committed";
  EXPECT_GT(loop_turns.load(), 10) << "the event loop was blocked";
}

TEST_F(JournalWriterTest, DestructionCommitsWhatIsQueued) {
  {
    JournalWriter writer(std::make_unique<TradeStore>(path));
    for (int i = 0; i < 50; ++i)
      writer.post([i](TradeStore& s) { s.record_fill("x", fill("t" + std::to_string(i), "1"_d), "e"); });
  }
  EXPECT_EQ(TradeStore(path).fills("x").size(), 50u);
}

}  // namespace
