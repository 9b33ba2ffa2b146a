// The shared order-lifecycle services of ExchangeBase (src/connectors/order_lifecycle.cpp) over real sockets
// against the Bitget simulator: a fill that beats the place answer is parked and applied once the exchange
// id is known, and a cancel answered "already filled" goes down the fill path.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/connectors/order_lifecycle.hpp"
#include "sim_connector_fixture.hpp"

using namespace nectar;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

const TradingPair kBtc{"BTC", "USDT"};

// Cancels can be made to answer as an exchange does when the order finished first (BitMart 50031, BitMEX
// "Unable to cancel order due to existing state: Filled"); Bitget itself answers "not found" then.
class LifecycleBitget : public bitget::BitgetExchange {
 public:
  using BitgetExchange::BitgetExchange;
  using BitgetExchange::parked_fills;
  std::atomic<bool> cancel_answers_already_done{false};
  /// The place answer reaches the order tracking this much later (a slow network on the way back).
  std::chrono::milliseconds place_answer_delay{0};

 protected:
  asio::awaitable<PlacedOrder> place_order(const InFlightOrder& order) override {
    PlacedOrder placed = co_await BitgetExchange::place_order(order);
    if (place_answer_delay.count() > 0) {
      asio::steady_timer wait(executor(), place_answer_delay);
      co_await wait.async_wait(asio::use_awaitable);
    }
    co_return placed;
  }
  asio::awaitable<void> cancel_order(const InFlightOrder& order) override {
    if (cancel_answers_already_done)
      throw ExchangeError(ErrorKind::kOrderAlreadyDone, "50031", "bitget: order already completed");
    co_await BitgetExchange::cancel_order(order);
  }
};

class OrderLifecycleOnBitget : public testing_support::SimConnectorFixture<LifecycleBitget> {
 protected:
  ConnectorConfig config() { return SimConnectorFixture::config({kBtc}, "bitget"); }
};

TEST_F(OrderLifecycleOnBitget, AFillBeforeThePlaceAnswerIsParkedThenApplied) {
  start_ready(config());
  // Order pushes are lost and the place answer is late: the order's fill reaches us on the `fill` channel
  // (exchange id only) before we know which order that id is.
  sim->faults().drop_websocket_messages_containing("\"channel\":\"orders\"");
  on_client([&] {
    conn->place_answer_delay = 2000ms;
    conn->timings().order_min_age_for_poll = 5000ms;  // no status poll finds it by client id meanwhile
    return 0;
  });
  const Decimal price = sim_best("BTCUSDT", true) + "0.01"_d;
  const std::string id = place(TradeType::kBuy, kBtc, "0.004"_d, OrderType::kLimit, price);
  ASSERT_TRUE(testing_support::SimThreadTest::eventually(
      [&] {
        return on_sim(
            [&] { return sim->engine().order_by_client_id(sim->credentials().account, id).has_value(); });
      },
      3s))
      << "the simulator never took the order";
  taker("BTCUSDT", TradeType::kSell, "0.004"_d);
  ASSERT_TRUE(eventually([&] { return conn->parked_fills() == 1; }, 1800ms))
      << "the fill that came before the exchange id was not parked";
  EXPECT_TRUE(events_of<OrderFilledEvent>(id).empty());
  EXPECT_EQ(state_of(id), OrderState::kPendingCreate);

  // The place answer names the exchange id: the parked fill is applied, once.
  ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == 1; }, 10s));
  EXPECT_EQ(on_client([&] { return conn->parked_fills(); }), 0u);
  ASSERT_TRUE(eventually([&] { return is_done(id); })) << "status polling never completed the order";
  std::this_thread::sleep_for(800ms);  // a poll's fills arrive too: applied once only
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].amount, "0.004"_d);
  EXPECT_EQ(fills[0].price, price);
  EXPECT_EQ(state_of(id), OrderState::kFilled);
  sim->faults().drop_websocket_messages_containing("");
}

TEST_F(OrderLifecycleOnBitget, ACancelAnsweredAlreadyFilledFindsTheFill) {
  start_ready(config());
  const Decimal price = sim_best("BTCUSDT", true) + "0.01"_d;
  const std::string id = place(TradeType::kBuy, kBtc, "0.003"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  // The fill happens while the stream is silent; then the cancel races it and loses.
  sim->faults().mute_websockets(true);
  taker("BTCUSDT", TradeType::kSell, "0.003"_d);
  on_client([&] {
    // No periodic status poll may settle it: only the cancel's answer does.
    conn->timings().status_poll = 60s;
    conn->timings().status_poll_fast = 60s;
    conn->cancel_answers_already_done = true;
    conn->cancel(kBtc, id);
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return is_done(id); }, 5s)) << "the cancel's answer did not settle the order";
  EXPECT_EQ(state_of(id), OrderState::kFilled);
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].amount, "0.003"_d);
  EXPECT_TRUE(events_of<OrderCancelledEvent>(id).empty());
  sim->faults().mute_websockets(false);
}

TEST(OrderLifecycle, OnlyAnUnaskedCancelOfAnUnfilledPostOnlyIsAFailure) {
  InFlightOrder maker("c1", TradingPair{"BTC", "USDT"}, OrderType::kLimitMaker, TradeType::kBuy, "1"_d,
                      "100"_d, 0);
  OrderUpdate u;
  u.new_state = OrderState::kCanceled;
  u.executed_base = Decimal{};
  fail_crossed_post_only(maker, u, "BitMart");
  EXPECT_EQ(u.new_state, OrderState::kFailed);
  EXPECT_EQ(u.reason, post_only_crossed_reason("BitMart"));
  EXPECT_NE(u.reason.find("BitMart cancelled it"), std::string::npos);

  OrderUpdate partly;
  partly.new_state = OrderState::kCanceled;
  partly.executed_base = "0.5"_d;
  fail_crossed_post_only(maker, partly, "BitMart");
  EXPECT_EQ(partly.new_state, OrderState::kCanceled) << "it rested and traded: a cancel, not a failure";

  InFlightOrder limit("c2", TradingPair{"BTC", "USDT"}, OrderType::kLimit, TradeType::kBuy, "1"_d, "100"_d,
                      0);
  OrderUpdate plain;
  plain.new_state = OrderState::kCanceled;
  fail_crossed_post_only(limit, plain, "BitMart");
  EXPECT_EQ(plain.new_state, OrderState::kCanceled);
}

}  // namespace
