// TradeStore: orders, status history, fills deduplicated by trade id, funding payments, and restoring active
// orders with their fills after a restart (a fresh TradeStore on the same file).
#include <gtest/gtest.h>

#include <filesystem>

#include "nectar/storage/trade_store.hpp"

using namespace nectar;
using storage::TradeStore;

namespace {

const TradingPair kBtc{"BTC", "USDT"};

class TradeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path = (std::filesystem::temp_directory_path() /
            ("nectar_store_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
               .string();
    cleanup();
  }
  void TearDown() override { cleanup(); }
  void cleanup() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  static OrderFilledEvent fill(const std::string& order, const std::string& trade, Decimal amount) {
    OrderFilledEvent f;
    f.timestamp_ms = 1700000000000;
    f.client_order_id = order;
    f.trade_id = trade;
    f.pair = kBtc;
    f.trade_type = TradeType::kBuy;
    f.price = "65000.5"_d;
    f.amount = amount;
    f.fee.flat_fees = {{"BTC", amount.mul("0.001"_d)}};
    f.is_maker = true;
    return f;
  }
  std::string path;
};

TEST_F(TradeStoreTest, RestoresActiveOrdersWithTheirFillsAfterReopen) {
  {
    TradeStore store(path);
    InFlightOrder open("nct1", kBtc, OrderType::kLimit, TradeType::kBuy, "0.01"_d, "65000.5"_d, 1000);
    open.restore(OrderState::kOpen, "ex-1", 1100);
    store.save_order("bitget", open);
    store.record_status("bitget", "nct1", OrderState::kOpen, 1100);
    EXPECT_TRUE(store.record_fill("bitget", fill("nct1", "t1", "0.004"_d), "ex-1"));
    EXPECT_FALSE(store.record_fill("bitget", fill("nct1", "t1", "0.004"_d), "ex-1")) << "same trade id twice";
    InFlightOrder done("nct2", kBtc, OrderType::kMarket, TradeType::kSell, "1"_d, Decimal{}, 900);
    done.restore(OrderState::kFilled, "ex-2", 950);
    store.save_order("bitget", done);
    InFlightOrder other("nct3", kBtc, OrderType::kLimit, TradeType::kSell, "1"_d, "70000"_d, 900);
    store.save_order("bitmart", other);
  }
  TradeStore reopened(path);
  auto orders = reopened.load_active_orders("bitget");
  ASSERT_EQ(orders.size(), 1u) << "finished orders and other connectors are not restored";
  InFlightOrder& o = orders[0];
  EXPECT_EQ(o.client_order_id(), "nct1");
  EXPECT_EQ(o.exchange_order_id(), "ex-1");
  EXPECT_EQ(o.amount(), "0.01"_d);
  EXPECT_EQ(o.price(), "65000.5"_d);
  EXPECT_EQ(o.executed_base(), "0.004"_d);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
  // The fill reported again after the restart is a duplicate, not a second fill.
  TradeUpdate again;
  again.trade_id = "t1";
  again.client_order_id = "nct1";
  again.pair = kBtc;
  again.fill_price = "65000.5"_d;
  again.fill_base_amount = "0.004"_d;
  EXPECT_EQ(o.apply_trade(again), ApplyResult::kDuplicate);
  const auto fills = reopened.fills("bitget");
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fees.at(0).amount, "0.000004"_d);
  EXPECT_EQ(fills[0].fees.at(0).token, "BTC");
  EXPECT_EQ(fills[0].quote_amount, "260.002"_d);
  EXPECT_EQ(reopened.status_count("bitget", "nct1"), 1);
}

TEST_F(TradeStoreTest, FundingPaymentsStoredOnce) {
  TradeStore store(path);
  FundingPaymentEvent p{1700006400000, kBtc, "-0.065"_d, "0.0001"_d, "bill-1"};
  EXPECT_TRUE(store.record_funding("bitget_perpetual", p));
  EXPECT_FALSE(store.record_funding("bitget_perpetual", p));
  const auto all = store.funding_payments("bitget_perpetual");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].amount, "-0.065"_d);
  EXPECT_EQ(all[0].funding_rate, "0.0001"_d);
}

TEST_F(TradeStoreTest, UnopenableFileIsAClearError) {
  try {
    TradeStore bad("/nonexistent-dir/x/y.db");
    ADD_FAILURE() << "opened a file in a missing directory";
  } catch (const storage::StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x/y.db"), std::string::npos) << e.what();
  }
}

}  // namespace
