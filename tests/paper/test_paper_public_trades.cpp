// The public trade hook of ExchangeBase (fed by the Bitget `trade` channel) and paper trade-through on exact
// traded volume, against an in-process Bitget simulator; the book-change fallback for comparison.
#include <gtest/gtest.h>

#include "paper/paper_fixture.hpp"

namespace nectar::testing_support {
namespace {

using paper::PaperTradeConnector;

// ---------------------------------------------------------------------------------------------------------------
// The hook itself: the real bitget connector reports each trade of the public stream once, exactly.

using PublicTradeHookTest = PaperFixture<ExchangeBase>;

TEST_F(PublicTradeHookTest, BitgetReportsEveryNewTradeWithPriceSizeSideAndId) {
  ConnectorConfig c = config({kBtcUsdt}, "bitget");
  c.credentials.clear();
  c.track_user_stream = false;
  std::vector<PublicTrade> seen;  // connector thread only
  ASSERT_NO_FATAL_FAILURE(start_from_registry(c, [&seen](ExchangeBase& x) {
    x.add_public_trade_listener([&seen](const PublicTrade& t) { seen.push_back(t); });
  }));
  // Subscribed, with the recent-trade snapshot behind us: nothing is news yet.
  std::this_thread::sleep_for(200ms);
  const auto before = on_sim([&] { return sim->engine().recent_trades(kSymbol); });
  EXPECT_TRUE(on_client([&] { return seen.empty(); }));

  const auto book = on_sim([&] { return sim->engine().book(kSymbol, 5); });
  ASSERT_GE(book.bids.size(), 2u);
  taker(kSymbol, TradeType::kSell, book.bids[0].qty + book.bids[1].qty);  // through two levels
  taker(kSymbol, TradeType::kBuy, book.asks[0].qty);
  const auto after = on_sim([&] { return sim->engine().recent_trades(kSymbol); });
  const std::size_t fresh = after.size() - before.size();
  ASSERT_GE(fresh, 3u);
  ASSERT_TRUE(eventually([&] { return seen.size() >= fresh; })) << "trades not reported";
  std::this_thread::sleep_for(200ms);
  const auto got = on_client([&] { return seen; });
  ASSERT_EQ(got.size(), fresh) << "a trade was reported twice or a snapshot trade leaked";
  // recent_trades is newest first; the hook reports oldest first.
  for (std::size_t i = 0; i < fresh; ++i) {
    const sim::PublicTrade& truth = after[fresh - 1 - i];
    EXPECT_EQ(got[i].pair, kBtcUsdt);
    EXPECT_EQ(got[i].trade_id, std::to_string(truth.trade_id));
    EXPECT_EQ(got[i].price, truth.price);
    EXPECT_EQ(got[i].amount, truth.qty);
    EXPECT_EQ(got[i].taker_side, truth.taker_side);
    EXPECT_EQ(got[i].timestamp_ms, truth.ts_ms);
  }
  EXPECT_EQ(got.front().taker_side, TradeType::kSell);
  EXPECT_EQ(got.back().taker_side, TradeType::kBuy);
}

// ---------------------------------------------------------------------------------------------------------------
// Paper trade-through from public trades vs. the book-change fallback.

class PaperTradeThroughTest : public PaperFixture<PaperTradeConnector> {
 protected:
  void start_paper(bool public_trades) {
    ConnectorConfig c = paper_config("bitget_paper_trade", "USDT:100000000,BTC:100");
    c.options["paper_public_trades"] = public_trades ? "true" : "false";
    ASSERT_NO_FATAL_FAILURE(start_from_registry(c));
    ASSERT_NO_FATAL_FAILURE(await_book_mirrored());
    ASSERT_EQ(on_client([&] { return conn->uses_public_trades(); }), public_trades);
  }
  Decimal executed(const std::string& id) {
    return on_client([&] { return conn->order(id)->executed_base(); });
  }
  sim::OrderId taker_limit(TradeType side, Decimal price, Decimal qty) {
    return on_sim([&] {
      auto r = sim->engine().place(sim::OrderRequest::limit(kTaker, kSymbol, side, price, qty));
      EXPECT_TRUE(r.ok()) << r.message;
      return r.order_id;
    });
  }
  // A paper bid for 2 at the best bid `bid` (`queue` rests there before it; `id` is the paper order's).
  // Someone joins the level behind it, then a seller takes the whole queue ahead of it and 0.5 more: all of
  // it trades at `bid`.
  void bid_then_sell_through_the_queue(Decimal bid, Decimal queue, std::string& id) {
    id = place(TradeType::kBuy, kBtcUsdt, dec("2"), OrderType::kLimit, bid);
    ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
    taker_limit(TradeType::kBuy, bid, dec("5"));
    ASSERT_NO_FATAL_FAILURE(await_book_mirrored());
    std::this_thread::sleep_for(100ms);
    taker(kSymbol, TradeType::kSell, queue + dec("0.5"));
  }
};

TEST_F(PaperTradeThroughTest, FallbackStillFillsByVolumeSweptBeyondThePrice) {
  start_paper(false);
  const auto book = sim_book();
  const auto inst = instrument();
  ASSERT_GE(book.bids.size(), 3u);
  const Decimal best_ask = sim_best(kSymbol, false);
  const Decimal price =
      book.bids[0].price + inst.tick < best_ask ? book.bids[0].price + inst.tick : book.bids[0].price;
  const Decimal swept = book.bids[0].qty + book.bids[1].qty;
  const std::string id = place(TradeType::kBuy, kBtcUsdt, swept + Decimal::one(), OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  std::this_thread::sleep_for(200ms);
  taker(kSymbol, TradeType::kSell, swept);
  const Decimal expected = price == book.bids[0].price ? book.bids[1].qty : swept;
  ASSERT_TRUE(eventually([&] { return executed(id) == expected; })) << executed(id).to_string();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(executed(id), expected);
}

// Trades at the order's own price fill it once the live volume that was queued there before it has traded.
TEST_F(PaperTradeThroughTest, TradesAtTheOrderPriceFillItAfterTheQueueAheadOfIt) {
  start_paper(true);
  const auto book = sim_book();
  const Decimal bid = book.bids[0].price;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(bid_then_sell_through_the_queue(bid, book.bids[0].qty, id));
  ASSERT_TRUE(eventually([&] { return executed(id) == dec("0.5"); })) << executed(id).to_string();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(executed(id), dec("0.5"));
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_FALSE(fills.empty());
  for (const auto& f : fills) {
    EXPECT_EQ(f.price, bid);
    EXPECT_TRUE(f.is_maker);
  }
}

TEST_F(PaperTradeThroughTest, FallbackNeverCountsTradesAtTheOrderPrice) {
  start_paper(false);
  const auto book = sim_book();
  const Decimal bid = book.bids[0].price;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(bid_then_sell_through_the_queue(bid, book.bids[0].qty, id));
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(executed(id), Decimal{});
}

// Volume that leaves the book beyond the order's price without trading (a cancellation) is not a fill: only
// the public trades count. The fallback cannot tell the two apart inside its trade-through window.
// The fallback goes first: it sees a trade only as a change of the last trade price, so it must not follow a
// trade at the same price (docs/paper-trade.md).
TEST_F(PaperTradeThroughTest, CancellationsBeyondThePriceAreNotTradedVolume) {
  for (const bool public_trades : {false, true}) {
    SCOPED_TRACE(public_trades ? "public trades" : "book-change fallback");
    if (conn) drop_connector();
    start_paper(public_trades);
    const auto book = sim_book();
    const auto inst = instrument();
    ASSERT_GE(book.bids.size(), 3u);
    const Decimal best_ask = sim_best(kSymbol, false);
    ASSERT_LT(book.bids[0].price + inst.tick, best_ask) << "no room for a bid alone on top";
    const Decimal price = book.bids[0].price + inst.tick;
    // Another trader's bid below ours, which they will cancel.
    const Decimal deep = book.bids[2].price;
    const sim::OrderId their = taker_limit(TradeType::kBuy, deep, dec("3"));
    await_book_mirrored();
    const std::string id = place(TradeType::kBuy, kBtcUsdt, dec("10"), OrderType::kLimit, price);
    ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
    std::this_thread::sleep_for(100ms);
    // A small market sell trades below our price; at the same time the deep bid is cancelled.
    const Decimal sold = book.bids[0].qty.div(Decimal::from_int(2)).quantize(inst.lot, Rounding::kDown);
    ASSERT_TRUE(sold.is_positive());
    taker(kSymbol, TradeType::kSell, sold);
    on_sim([&] {
      EXPECT_TRUE(sim->engine().cancel(kTaker, their).ok());
      return 0;
    });
    ASSERT_TRUE(eventually([&] { return executed(id) >= sold; })) << executed(id).to_string();
    std::this_thread::sleep_for(400ms);
    if (public_trades) {
      EXPECT_EQ(executed(id), sold);
    } else {
      EXPECT_EQ(executed(id), sold + dec("3")) << "the fallback counts the cancellation (documented limit)";
    }
    on_client([&] {
      conn->cancel(kBtcUsdt, id);
      return 0;
    });
    ASSERT_TRUE(eventually([&] { return is_done(id); }));
  }
}

}  // namespace
}  // namespace nectar::testing_support
