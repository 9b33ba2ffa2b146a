#include <gtest/gtest.h>

#include "nectar/core/in_flight_order.hpp"

using namespace nectar;

namespace {

InFlightOrder make_order(Decimal amount = "1"_d) {
  return InFlightOrder("c1", TradingPair::parse("BTC-USDT"), OrderType::kLimit, TradeType::kBuy, amount,
                       "100"_d, 1000);
}

OrderUpdate upd(OrderState s, std::string exchange_id = "") {
  OrderUpdate u;
  u.client_order_id = "c1";
  u.exchange_order_id = std::move(exchange_id);
  u.pair = TradingPair::parse("BTC-USDT");
  u.new_state = s;
  u.update_timestamp_ms = 2000;
  return u;
}

TradeUpdate fill(std::string id, Decimal base, Decimal price, Decimal fee = "0"_d) {
  TradeUpdate t;
  t.trade_id = std::move(id);
  t.client_order_id = "c1";
  t.pair = TradingPair::parse("BTC-USDT");
  t.fill_price = price;
  t.fill_base_amount = base;
  t.fill_quote_amount = base.mul(price);
  if (!fee.is_zero()) t.fee.flat_fees.push_back({"BTC", fee});
  t.fill_timestamp_ms = 3000;
  return t;
}

}  // namespace

TEST(InFlightOrder, StartsPendingCreate) {
  auto o = make_order();
  EXPECT_EQ(o.state(), OrderState::kPendingCreate);
  EXPECT_TRUE(o.is_open());
  EXPECT_EQ(o.remaining_base(), "1"_d);
}

TEST(InFlightOrder, HappyPathThroughPartialFillsToFilled) {
  auto o = make_order();
  EXPECT_EQ(o.apply_update(upd(OrderState::kOpen, "E1")), ApplyResult::kApplied);
  EXPECT_EQ(o.exchange_order_id(), "E1");
  EXPECT_EQ(o.apply_trade(fill("t1", "0.25"_d, "100"_d, "0.00025"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
  EXPECT_EQ(o.apply_trade(fill("t2", "0.75"_d, "102"_d, "0.00075"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kFilled);
  EXPECT_EQ(o.executed_base(), "1"_d);
  EXPECT_EQ(o.executed_quote(), "101.5"_d);
  EXPECT_EQ(o.average_executed_price(), "101.5"_d);
  ASSERT_EQ(o.cumulative_fees().size(), 1u);
  EXPECT_EQ(o.cumulative_fees()[0].amount, "0.001"_d);
  EXPECT_TRUE(o.is_done());
}

TEST(InFlightOrder, DuplicateFillIsCountedOnce) {
  auto o = make_order();
  o.apply_update(upd(OrderState::kOpen));
  EXPECT_EQ(o.apply_trade(fill("t1", "0.4"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.apply_trade(fill("t1", "0.4"_d, "100"_d)), ApplyResult::kDuplicate);
  EXPECT_EQ(o.executed_base(), "0.4"_d);
  EXPECT_EQ(o.fills().size(), 1u);
}

TEST(InFlightOrder, OutOfOrderFillsAndFillBeforeAck) {
  auto o = make_order();
  // The stream can deliver a fill before the REST acknowledgement arrives.
  EXPECT_EQ(o.apply_trade(fill("t9", "0.5"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
  // A late OPEN does not move it back.
  EXPECT_EQ(o.apply_update(upd(OrderState::kOpen, "E1")), ApplyResult::kRejected);
  EXPECT_EQ(o.state(), OrderState::kPartiallyFilled);
  EXPECT_EQ(o.apply_trade(fill("t3", "0.5"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kFilled);
}

TEST(InFlightOrder, CancelFlow) {
  auto o = make_order();
  o.apply_update(upd(OrderState::kOpen));
  EXPECT_EQ(o.apply_update(upd(OrderState::kPendingCancel)), ApplyResult::kApplied);
  EXPECT_EQ(o.state_before_cancel(), OrderState::kOpen);
  // A status poll that still says "live" while the cancel is in flight is stale.
  EXPECT_EQ(o.apply_update(upd(OrderState::kOpen)), ApplyResult::kUnchanged);
  EXPECT_EQ(o.state(), OrderState::kPendingCancel);
  // A fill racing the cancel is applied and the order stays pending cancel.
  EXPECT_EQ(o.apply_trade(fill("t1", "0.1"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kPendingCancel);
  EXPECT_EQ(o.apply_update(upd(OrderState::kCanceled)), ApplyResult::kApplied);
  EXPECT_TRUE(o.is_cancelled());
  EXPECT_EQ(o.executed_base(), "0.1"_d);
}

TEST(InFlightOrder, TerminalStatesRejectTransitions) {
  for (auto terminal :
       {OrderState::kFilled, OrderState::kCanceled, OrderState::kFailed, OrderState::kExpired}) {
    auto o = make_order();
    ASSERT_EQ(o.apply_update(upd(terminal)), ApplyResult::kApplied);
    for (auto to : {OrderState::kPendingCreate, OrderState::kOpen, OrderState::kPartiallyFilled,
                    OrderState::kPendingCancel}) {
      EXPECT_EQ(o.apply_update(upd(to)), ApplyResult::kRejected)
          << to_string(terminal) << "->" << to_string(to);
      EXPECT_EQ(o.state(), terminal);
    }
  }
}

TEST(InFlightOrder, EveryAllowedTransitionFromLiveStates) {
  const OrderState live[] = {OrderState::kPendingCreate, OrderState::kOpen, OrderState::kPartiallyFilled};
  const OrderState ends[] = {OrderState::kFilled, OrderState::kCanceled, OrderState::kFailed,
                             OrderState::kExpired, OrderState::kPendingCancel};
  for (auto from : live) {
    for (auto to : ends) {
      auto o = make_order();
      if (from != OrderState::kPendingCreate)
        ASSERT_EQ(o.apply_update(upd(OrderState::kOpen)), ApplyResult::kApplied);
      if (from == OrderState::kPartiallyFilled) o.apply_update(upd(OrderState::kPartiallyFilled));
      ASSERT_EQ(o.state(), from);
      EXPECT_EQ(o.apply_update(upd(to)), ApplyResult::kApplied) << to_string(from) << "->" << to_string(to);
      EXPECT_EQ(o.state(), to);
    }
  }
}

TEST(InFlightOrder, PartiallyFilledCannotGoBackToOpenOrPendingCreate) {
  auto o = make_order();
  o.apply_update(upd(OrderState::kOpen));
  o.apply_update(upd(OrderState::kPartiallyFilled));
  EXPECT_EQ(o.apply_update(upd(OrderState::kOpen)), ApplyResult::kRejected);
  EXPECT_EQ(o.apply_update(upd(OrderState::kPendingCreate)), ApplyResult::kRejected);
}

TEST(InFlightOrder, LateFillOnLostOrderIsStillApplied) {
  auto o = make_order();
  o.apply_update(upd(OrderState::kOpen));
  o.apply_update(upd(OrderState::kFailed));
  EXPECT_EQ(o.apply_trade(fill("t1", "0.5"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kFailed);
  EXPECT_EQ(o.apply_trade(fill("t2", "0.5"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_EQ(o.state(), OrderState::kFilled);  // it really was filled
}

TEST(InFlightOrder, LateFillAfterCancelKeepsCancelledButCounts) {
  auto o = make_order();
  o.apply_update(upd(OrderState::kOpen));
  o.apply_update(upd(OrderState::kCanceled));
  EXPECT_EQ(o.apply_trade(fill("t1", "0.3"_d, "100"_d)), ApplyResult::kApplied);
  EXPECT_TRUE(o.is_cancelled());
  EXPECT_EQ(o.executed_base(), "0.3"_d);
}

TEST(InFlightOrder, ForeignAndEmptyUpdatesAreRejected) {
  auto o = make_order();
  auto u = upd(OrderState::kOpen);
  u.client_order_id = "other";
  EXPECT_EQ(o.apply_update(u), ApplyResult::kRejected);
  auto t = fill("t1", "0.1"_d, "100"_d);
  t.client_order_id = "other";
  EXPECT_EQ(o.apply_trade(t), ApplyResult::kRejected);
  EXPECT_EQ(o.apply_trade(fill("", "0.1"_d, "100"_d)), ApplyResult::kRejected);
  EXPECT_EQ(o.apply_trade(fill("t2", "0"_d, "100"_d)), ApplyResult::kRejected);
  EXPECT_EQ(o.state(), OrderState::kPendingCreate);
}

TEST(InFlightOrder, PercentFeeIsConvertedToAnAmount) {
  auto o = make_order();
  auto t = fill("t1", "1"_d, "100"_d);
  t.fee.percent = "0.001"_d;
  t.fee.percent_token = "USDT";
  o.apply_trade(t);
  ASSERT_EQ(o.cumulative_fees().size(), 1u);
  EXPECT_EQ(o.cumulative_fees()[0].token, "USDT");
  EXPECT_EQ(o.cumulative_fees()[0].amount, "0.1"_d);
}
