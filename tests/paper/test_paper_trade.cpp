// bitget_paper_trade against an in-process Bitget simulator as the live market.
#include <gtest/gtest.h>

#include "paper/paper_fixture.hpp"

namespace nectar::testing_support {
namespace {

using paper::PaperTradeConnector;

class PaperTradeTest : public PaperFixture<PaperTradeConnector> {
 protected:
  void start_paper(const std::string& balances = "USDT:10000,BTC:1") {
    ASSERT_NO_FATAL_FAILURE(start_from_registry(paper_config("bitget_paper_trade", balances)));
    // The paper book mirrors the simulator's (activity is paused, so it is static).
    await_book_mirrored();
  }

  Decimal total(const std::string& asset) {
    return on_client([&] { return conn->balance(asset); });
  }
  Decimal available(const std::string& asset) {
    return on_client([&] { return conn->available_balance(asset); });
  }
  // Nothing was ever sent to the exchange's private endpoints: the simulator account has no orders.
  void expect_nothing_sent_to_exchange() {
    on_sim([&] {
      const auto account = sim->credentials().account;
      EXPECT_TRUE(sim->engine().open_orders(account).empty());
      EXPECT_TRUE(sim->engine().recent_orders(account).empty());
      return 0;
    });
  }
};

TEST_F(PaperTradeTest, RegistryOffersPaperConnectorWithoutCredentials) {
  const ConnectorInfo* info = registry.find("bitget_paper_trade");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->credentials.empty());
  EXPECT_FALSE(info->perpetual);
  EXPECT_EQ(info->environments.size(), registry.find("bitget")->environments.size());
  EXPECT_NE(registry.find("bitget_perpetual_paper_trade"), nullptr);
  EXPECT_EQ(registry.find("bitget_paper_trade_paper_trade"), nullptr);
  paper::register_paper_connectors(registry);  // idempotent
  EXPECT_EQ(registry.find("bitget_paper_trade_paper_trade"), nullptr);
}

TEST_F(PaperTradeTest, ParsesBalancesAndRejectsBadOnes) {
  auto b = paper::parse_paper_balances(" USDT:10000 , BTC:1.5");
  EXPECT_EQ(b.at("USDT"), Decimal::from_int(10000));
  EXPECT_EQ(b.at("BTC"), dec("1.5"));
  EXPECT_THROW(paper::parse_paper_balances("USDT=1"), std::invalid_argument);
  EXPECT_THROW(paper::parse_paper_balances("USDT:-1"), std::invalid_argument);
  EXPECT_FALSE(paper::parse_paper_balances(paper::kDefaultPaperBalances).empty());
}

TEST_F(PaperTradeTest, ReadyWithConfiguredBalances) {
  start_paper();
  EXPECT_EQ(total("USDT"), Decimal::from_int(10000));
  EXPECT_EQ(available("USDT"), Decimal::from_int(10000));
  EXPECT_EQ(total("BTC"), Decimal::one());
  EXPECT_EQ(total("ETH"), Decimal{});
  auto all = on_client([&] { return conn->balances(); });
  EXPECT_EQ(all.size(), 2u);
  EXPECT_NO_THROW(run([this]() -> asio::awaitable<void> { co_await conn->check_credentials(); }));
}

TEST_F(PaperTradeTest, MarketBuySweepsTheLiveBookLevels) {
  const Decimal usdt = Decimal::from_int(100'000'000);
  start_paper("USDT:100000000,BTC:1");
  const auto book = sim_book();
  const auto inst = instrument();
  ASSERT_GE(book.asks.size(), 2u);
  // Everything of the best level and half of the second.
  const Decimal second = book.asks[1].qty.div(Decimal::from_int(2)).quantize(inst.lot, Rounding::kDown);
  const Decimal size = book.asks[0].qty + second;
  const Decimal cost = book.asks[0].price.mul(book.asks[0].qty) + book.asks[1].price.mul(second);
  ASSERT_LT(cost, usdt) << "book too deep for the test balance";

  const std::string id = place(TradeType::kBuy, kBtcUsdt, size, OrderType::kMarket, Decimal{});
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(order_event_names(id), (std::vector<std::string>{"OrderSubmitted", "OrderCreated", "OrderFilled",
                                                             "OrderFilled", "OrderCompleted"}));
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].price, book.asks[0].price);
  EXPECT_EQ(fills[0].amount, book.asks[0].qty);
  EXPECT_EQ(fills[1].price, book.asks[1].price);
  EXPECT_EQ(fills[1].amount, second);
  EXPECT_FALSE(fills[0].is_maker);
  EXPECT_NE(fills[0].trade_id, fills[1].trade_id);
  EXPECT_EQ(fills[0].fee.percent_token, "BTC");
  EXPECT_EQ(fills[0].fee.percent, inst.taker_fee_rate);

  const auto done = events_of<OrderCompletedEvent>(id);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].base_amount, size);
  EXPECT_EQ(done[0].quote_amount, cost);
  const Decimal vwap = cost.div(size);
  EXPECT_EQ(on_client([&] { return conn->order(id)->average_executed_price(); }), vwap);
  const Decimal fee = inst.taker_fee_rate.mul(book.asks[0].qty) + inst.taker_fee_rate.mul(second);
  ASSERT_EQ(done[0].fees.size(), 1u);
  EXPECT_EQ(done[0].fees[0].token, "BTC");
  EXPECT_EQ(done[0].fees[0].amount, fee);

  EXPECT_EQ(total("USDT"), usdt - cost);
  EXPECT_EQ(available("USDT"), usdt - cost);
  EXPECT_EQ(total("BTC"), Decimal::one() + size - fee);
  EXPECT_EQ(available("BTC"), Decimal::one() + size - fee);
  // The same visible liquidity is not sold twice: a second buy starts where the first stopped.
  const std::string id2 = place(TradeType::kBuy, kBtcUsdt, inst.lot, OrderType::kMarket, Decimal{});
  ASSERT_TRUE(eventually([&] { return is_done(id2); }));
  const auto fills2 = events_of<OrderFilledEvent>(id2);
  ASSERT_EQ(fills2.size(), 1u);
  EXPECT_EQ(fills2[0].price, book.asks[1].price);
  expect_nothing_sent_to_exchange();
}

TEST_F(PaperTradeTest, MarketOrderOnThinBookFillsWhatIsThereAndCancelsTheRest) {
  start_paper("USDT:100000000,BTC:1");
  // The visible bid side as the market-data connector holds it (it may show fewer levels than the engine).
  const Decimal depth = on_client([&] {
    Decimal d;
    const OrderBook* b = conn->order_book(kBtcUsdt);
    b->for_each_top(OrderBook::Side::kBid, b->bid_count(), [&](const BookLevel& l) { d += l.size; });
    return d;
  });
  // Sell more than the whole visible bid side: only the visible volume fills.
  ASSERT_TRUE(on_client([&] { return conn->adjust_balance("BTC", depth + Decimal::from_int(10)); }));
  const Decimal size = depth + Decimal::from_int(5);
  const std::string id = place(TradeType::kSell, kBtcUsdt, size, OrderType::kMarket, Decimal{});
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(state_of(id), OrderState::kCanceled);
  EXPECT_EQ(on_client([&] { return conn->order(id)->executed_base(); }), depth);
  // Nothing stays frozen.
  EXPECT_EQ(available("BTC"), total("BTC"));
  EXPECT_EQ(total("BTC"), Decimal::from_int(11));
}

TEST_F(PaperTradeTest, FarLimitRestsFreezesAndCancelReleases) {
  start_paper();
  const auto inst = instrument();
  const Decimal price =
      sim_best(kSymbol, true).div(Decimal::from_int(2)).quantize(inst.tick, Rounding::kDown);
  const Decimal amount = dec("0.01");
  const std::string id = place(TradeType::kBuy, kBtcUsdt, amount, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  const Decimal frozen = price.mul(amount);
  EXPECT_EQ(total("USDT"), Decimal::from_int(10000));
  EXPECT_EQ(available("USDT"), Decimal::from_int(10000) - frozen);
  EXPECT_EQ(on_client([&] { return conn->in_flight_orders().size(); }), 1u);
  // It stays put while the market does not reach it.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(state_of(id), OrderState::kOpen);

  // A resting sell freezes base.
  const Decimal ask_price = sim_best(kSymbol, false).mul_int(2);
  const std::string sell_id = place(TradeType::kSell, kBtcUsdt, dec("0.5"), OrderType::kLimit, ask_price);
  ASSERT_TRUE(eventually([&] { return state_of(sell_id) == OrderState::kOpen; }));
  EXPECT_EQ(available("BTC"), dec("0.5"));

  on_client([&] {
    conn->cancel(kBtcUsdt, id);
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(state_of(id), OrderState::kCanceled);
  EXPECT_EQ(order_event_names(id),
            (std::vector<std::string>{"OrderSubmitted", "OrderCreated", "OrderCancelled"}));
  EXPECT_EQ(available("USDT"), Decimal::from_int(10000));

  auto results = run([this]() -> asio::awaitable<std::vector<CancellationResult>> {
    co_return co_await conn->cancel_all(1000ms);
  });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].client_order_id, sell_id);
  EXPECT_TRUE(results[0].success);
  EXPECT_EQ(available("BTC"), Decimal::one());
  EXPECT_TRUE(on_client([&] { return conn->in_flight_orders().empty(); }));
  expect_nothing_sent_to_exchange();
}

TEST_F(PaperTradeTest, CrossingLimitTakesThenRests) {
  start_paper("USDT:100000000,BTC:1");
  const auto book = sim_book();
  const auto inst = instrument();
  // A buy at the best ask for more than the best level: takes the level, rests the rest at its price.
  const Decimal price = book.asks[0].price;
  const Decimal amount = book.asks[0].qty + dec("1");
  const std::string id = place(TradeType::kBuy, kBtcUsdt, amount, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kPartiallyFilled; }));
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].amount, book.asks[0].qty);
  EXPECT_FALSE(fills[0].is_maker);
  // Frozen: exactly the resting remainder at its price.
  EXPECT_EQ(total("USDT") - available("USDT"), price.mul(dec("1")));
  EXPECT_EQ(total("USDT"), Decimal::from_int(100000000) - price.mul(book.asks[0].qty));
  (void)inst;
}

TEST_F(PaperTradeTest, RestingBidFillsWhenTheMarketTradesThroughIt) {
  start_paper("USDT:100000000,BTC:1");
  const auto book = sim_book();
  const auto inst = instrument();
  ASSERT_GE(book.bids.size(), 3u);
  const Decimal best_bid = book.bids[0].price;
  const Decimal best_ask = sim_best(kSymbol, false);
  // Our bid sits on top of the book, one tick above the best real bid (or at it when the spread is one tick).
  const Decimal price = best_bid + inst.tick < best_ask ? best_bid + inst.tick : best_bid;
  const Decimal swept = book.bids[0].qty + book.bids[1].qty;
  const Decimal amount = swept + Decimal::one();  // more than the market will trade through it
  const std::string id = place(TradeType::kBuy, kBtcUsdt, amount, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(state_of(id), OrderState::kOpen);

  // Another trader sells at market through the two best bid levels.
  taker(kSymbol, TradeType::kSell, swept);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kPartiallyFilled; }));
  std::this_thread::sleep_for(300ms);  // nothing more arrives
  // Volume counted only below our price (levels at our price were ahead of us in the queue).
  const Decimal expected = price == best_bid ? book.bids[1].qty : swept;
  EXPECT_EQ(on_client([&] { return conn->order(id)->executed_base(); }), expected);
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_FALSE(fills.empty());
  Decimal fee;
  for (const auto& f : fills) {
    EXPECT_EQ(f.price, price);
    EXPECT_TRUE(f.is_maker);
    EXPECT_EQ(f.fee.percent_token, "BTC");
    EXPECT_EQ(f.fee.percent, inst.maker_fee_rate);
    fee += inst.maker_fee_rate.mul(f.amount);
  }
  EXPECT_EQ(total("BTC"), Decimal::one() + expected - fee);
  EXPECT_EQ(total("USDT"), Decimal::from_int(100000000) - price.mul(expected));
  EXPECT_EQ(total("USDT") - available("USDT"), price.mul(amount - expected));
  expect_nothing_sent_to_exchange();
}

TEST_F(PaperTradeTest, RestingAskFillsWhenTheBookMovesThroughIt) {
  start_paper("USDT:10000,BTC:100");
  const auto inst = instrument();
  const Decimal best_ask = sim_best(kSymbol, false);
  const Decimal price = best_ask + inst.tick.mul_int(5);
  const std::string id = place(TradeType::kSell, kBtcUsdt, dec("0.001"), OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  // Another trader posts a large bid above our ask: the live bid now crosses it.
  on_sim([&] {
    auto r = sim->engine().place(
        sim::OrderRequest::limit(kTaker, kSymbol, TradeType::kBuy, price + inst.tick, Decimal::from_int(50)));
    EXPECT_TRUE(r.ok()) << r.message;
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kFilled; }));
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, price);
  EXPECT_TRUE(fills[0].is_maker);
  EXPECT_EQ(fills[0].fee.percent_token, "USDT");
  const Decimal quote = price.mul(dec("0.001"));
  EXPECT_EQ(total("USDT"), Decimal::from_int(10000) + quote - inst.maker_fee_rate.mul(quote));
  EXPECT_EQ(total("BTC"), Decimal::from_int(100) - dec("0.001"));
  EXPECT_EQ(available("BTC"), total("BTC"));
}

TEST_F(PaperTradeTest, PostOnlyThatWouldCrossIsRejected) {
  start_paper();
  const Decimal best_ask = sim_best(kSymbol, false);
  const std::string id = place(TradeType::kBuy, kBtcUsdt, dec("0.01"), OrderType::kLimitMaker, best_ask);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(state_of(id), OrderState::kFailed);
  const auto failed = events_of<OrderFailedEvent>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].reason.find("post-only"), std::string::npos) << failed[0].reason;
  EXPECT_EQ(available("USDT"), Decimal::from_int(10000));
  // A post-only that does not cross rests.
  const std::string ok =
      place(TradeType::kBuy, kBtcUsdt, dec("0.01"), OrderType::kLimitMaker, sim_best(kSymbol, true));
  ASSERT_TRUE(eventually([&] { return state_of(ok) == OrderState::kOpen; }));
}

TEST_F(PaperTradeTest, FailuresSayWhy) {
  start_paper();
  auto reason_of = [&](const std::string& id) {
    EXPECT_TRUE(eventually([&] { return is_done(id); }));
    const auto f = events_of<OrderFailedEvent>(id);
    return f.empty() ? std::string("(no failure)") : f[0].reason;
  };
  const std::string too_big =
      place(TradeType::kBuy, kBtcUsdt, Decimal::from_int(10), OrderType::kLimit, sim_best(kSymbol, true));
  EXPECT_NE(reason_of(too_big).find("insufficient balance"), std::string::npos) << reason_of(too_big);
  const std::string sell_too_big = place(TradeType::kSell, kBtcUsdt, dec("2"), OrderType::kMarket, Decimal{});
  EXPECT_NE(reason_of(sell_too_big).find("insufficient balance"), std::string::npos);
  const std::string unknown =
      place(TradeType::kBuy, TradingPair{"DOGE", "EUR"}, dec("1"), OrderType::kLimit, dec("1"));
  EXPECT_NE(reason_of(unknown).find("unknown trading pair"), std::string::npos) << reason_of(unknown);
  const std::string tiny =
      place(TradeType::kBuy, kBtcUsdt, dec("0.000000001"), OrderType::kLimit, sim_best(kSymbol, true));
  EXPECT_NE(reason_of(tiny).find("below"), std::string::npos) << reason_of(tiny);
  EXPECT_EQ(available("USDT"), Decimal::from_int(10000));
  EXPECT_EQ(available("BTC"), Decimal::one());
  expect_nothing_sent_to_exchange();
}

}  // namespace
}  // namespace nectar::testing_support
