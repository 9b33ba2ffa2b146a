#include <gtest/gtest.h>

#include <set>

#include "nectar/connectors/client_order_id.hpp"
#include "nectar/connectors/order_tracker.hpp"

using namespace nectar;

namespace {

struct Fixture : ::testing::Test {
  EventBus bus;
  std::vector<Event> events;
  EventBus::Subscription sub = bus.subscribe([this](const Event& e) { events.push_back(e); });
  OrderTracker tracker{bus, [] { return int64_t{5000}; }};
  TradingPair pair = TradingPair::parse("BTC-USDT");

  InFlightOrder& track(const std::string& id, Decimal amount = "1"_d) {
    return tracker.start_tracking(
        InFlightOrder(id, pair, OrderType::kLimit, TradeType::kBuy, amount, "100"_d, 1000));
  }
  OrderUpdate upd(const std::string& id, OrderState s) {
    OrderUpdate u;
    u.client_order_id = id;
    u.pair = pair;
    u.new_state = s;
    return u;
  }
  TradeUpdate fill(const std::string& id, const std::string& trade_id, Decimal base,
                   const std::string& exch = "") {
    TradeUpdate t;
    t.client_order_id = id;
    t.exchange_order_id = exch;
    t.trade_id = trade_id;
    t.pair = pair;
    t.fill_price = "100"_d;
    t.fill_base_amount = base;
    t.fill_quote_amount = base.mul("100"_d);
    t.fee.flat_fees.push_back({"BTC", "0.001"_d});
    return t;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.emplace_back(event_name(e));
    return out;
  }
};

}  // namespace

TEST_F(Fixture, CreatedFilledCompletedInOrder) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  EXPECT_EQ(tracker.process_trade_update(fill("a", "t1", "0.4"_d)), ApplyResult::kApplied);
  EXPECT_EQ(tracker.process_trade_update(fill("a", "t1", "0.4"_d)), ApplyResult::kDuplicate);
  EXPECT_EQ(tracker.process_trade_update(fill("", "t2", "0.6"_d, "E1")),
            ApplyResult::kApplied);  // by exchange id
  EXPECT_EQ(names(),
            (std::vector<std::string>{"OrderCreated", "OrderFilled", "OrderFilled", "OrderCompleted"}));
  const auto& done = std::get<OrderCompletedEvent>(events.back());
  EXPECT_EQ(done.base_amount, "1"_d);
  EXPECT_EQ(done.quote_amount, "100"_d);
  ASSERT_EQ(done.fees.size(), 1u);
  EXPECT_EQ(done.fees[0].amount, "0.002"_d);
  EXPECT_EQ(tracker.active_count(), 0u);
  ASSERT_NE(tracker.find("a"), nullptr);  // still findable for late reports
}

TEST_F(Fixture, FilledStatusBeforeFillsWaitsForThem) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  tracker.process_order_update(upd("a", OrderState::kFilled));
  EXPECT_EQ(names(), (std::vector<std::string>{"OrderCreated"}));
  EXPECT_EQ(tracker.orders_awaiting_fills(), (std::vector<std::string>{"a"}));
  tracker.process_trade_update(fill("a", "t1", "1"_d));
  EXPECT_EQ(names(), (std::vector<std::string>{"OrderCreated", "OrderFilled", "OrderCompleted"}));
  EXPECT_TRUE(tracker.orders_awaiting_fills().empty());
}

TEST_F(Fixture, FillsCompleteForQuoteSizedMarketBuy) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  tracker.process_trade_update(fill("a", "t1", "0.999"_d));
  tracker.process_order_update(upd("a", OrderState::kFilled));
  EXPECT_EQ(names().back(), "OrderFilled");
  tracker.process_fills_complete("a");
  EXPECT_EQ(names().back(), "OrderCompleted");
  EXPECT_EQ(tracker.active_count(), 0u);
}

TEST_F(Fixture, CancelAndLateFill) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  tracker.process_order_update(upd("a", OrderState::kPendingCancel));
  tracker.process_order_update(upd("a", OrderState::kCanceled));
  EXPECT_EQ(tracker.process_trade_update(fill("a", "t1", "0.2"_d)), ApplyResult::kApplied);
  EXPECT_EQ(names(), (std::vector<std::string>{"OrderCreated", "OrderCancelled", "OrderFilled"}));
  EXPECT_EQ(tracker.find("a")->executed_base(), "0.2"_d);
}

TEST_F(Fixture, RejectedPlacementFailsWithReason) {
  track("a");
  tracker.process_order_failed("a", "insufficient balance");
  ASSERT_EQ(names(), (std::vector<std::string>{"OrderFailed"}));
  EXPECT_EQ(std::get<OrderFailedEvent>(events[0]).reason, "insufficient balance");
  tracker.process_order_failed("a", "again");  // no second event
  EXPECT_EQ(events.size(), 1u);
}

TEST_F(Fixture, LostOrderAfterRepeatedNotFoundThenLateFills) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  EXPECT_FALSE(tracker.process_order_not_found("a"));
  EXPECT_FALSE(tracker.process_order_not_found("a"));
  EXPECT_TRUE(tracker.process_order_not_found("a"));
  EXPECT_EQ(tracker.find("a")->state(), OrderState::kFailed);
  EXPECT_EQ(names().back(), "OrderFailed");
  tracker.process_trade_update(fill("a", "t1", "0.5"_d));
  tracker.process_trade_update(fill("a", "t2", "0.5"_d));
  EXPECT_EQ(names(), (std::vector<std::string>{"OrderCreated", "OrderFailed", "OrderFilled", "OrderFilled",
                                               "OrderCompleted"}));
}

TEST_F(Fixture, NotFoundCountResetsWhenTheExchangeAnswers) {
  track("a");
  tracker.process_order_created("a", "E1", 1100);
  tracker.process_order_not_found("a");
  tracker.process_order_not_found("a");
  tracker.process_order_update(upd("a", OrderState::kOpen));
  EXPECT_FALSE(tracker.process_order_not_found("a"));
  EXPECT_EQ(tracker.find("a")->state(), OrderState::kOpen);
}

TEST_F(Fixture, UnknownOrdersAreRejected) {
  EXPECT_EQ(tracker.process_trade_update(fill("zzz", "t1", "1"_d)), ApplyResult::kRejected);
  EXPECT_EQ(tracker.process_order_update(upd("zzz", OrderState::kOpen)), ApplyResult::kRejected);
  EXPECT_TRUE(events.empty());
}

TEST_F(Fixture, ReusedClientIdIsRefused) {
  track("a");
  EXPECT_THROW(track("a"), std::logic_error);
}

TEST_F(Fixture, DoneCacheIsBounded) {
  OrderTracker small(
      bus, [] { return int64_t{0}; }, 3, 2);
  for (int i = 0; i < 4; ++i) {
    const std::string id = "o" + std::to_string(i);
    small.start_tracking(InFlightOrder(id, pair, OrderType::kLimit, TradeType::kBuy, "1"_d, "1"_d, 0));
    small.process_order_failed(id, "x");
  }
  EXPECT_EQ(small.done_orders().size(), 2u);
  EXPECT_EQ(small.find("o0"), nullptr);
  EXPECT_NE(small.find("o3"), nullptr);
}

TEST(ClientOrderId, RespectsLengthCharsetAndUniqueness) {
  ClientOrderIdGenerator gen({"nct", 32, ""});
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = gen.next(TradeType::kSell, TradingPair::parse("ETH-USDT"), 1700000000000000);
    EXPECT_LE(id.size(), 32u);
    EXPECT_TRUE(gen.valid(id)) << id;
    EXPECT_EQ(id.rfind("nctSETUS", 0), 0u) << id;
    EXPECT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
  EXPECT_FALSE(gen.valid("has space"));
  EXPECT_FALSE(gen.valid(std::string(33, 'a')));
  ClientOrderIdGenerator dashes({"x", 20, "-_"});
  EXPECT_TRUE(dashes.valid("a-b_c"));
}
