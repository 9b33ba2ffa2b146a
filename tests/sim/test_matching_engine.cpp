#include "nectar/sim/matching_engine.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace nectar::sim {
namespace {

constexpr AccountId kFees = 0;
constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;
constexpr AccountId kCarol = 3;
const std::string kSym = "BTCUSDT";

std::string side_str(Side s) {
  return s == Side::kBuy ? "buy" : "sell";
}

/// Records every event as one line of text, plus the structured fills and done orders.
struct Recorder : EngineListener {
  std::vector<std::string> log;
  std::vector<Fill> fills;
  std::vector<Order> done;
  std::vector<Order> takers;  ///< taker snapshot of each fill
  void on_order_accepted(const Order& o) override { log.push_back("accepted " + o.id_string()); }
  void on_fill(const Fill& f, const Order& m, const Order& t) override {
    log.push_back("fill " + std::to_string(f.trade_id) + " maker=" + m.id_string() +
                  " taker=" + t.id_string() + " " + f.qty.to_string() + "@" + f.price.to_string() +
                  " quote=" + f.quote_qty.to_string() + " mfee=" + f.maker_fee.to_string() + " " +
                  f.maker_fee_asset + " tfee=" + f.taker_fee.to_string() + " " + f.taker_fee_asset);
    fills.push_back(f);
    takers.push_back(t);
  }
  void on_order_done(const Order& o) override {
    log.push_back("done " + o.id_string() + " " + std::string(to_string(o.status)));
    done.push_back(o);
  }
  void on_public_trade(const PublicTrade& t) override {
    log.push_back("trade " + std::to_string(t.trade_id) + " " + side_str(t.taker_side) + " " +
                  t.qty.to_string() + "@" + t.price.to_string());
  }
  void on_book_level(const BookLevelChange& c) override {
    log.push_back(std::string("level ") + (c.side == Side::kBuy ? "bid " : "ask ") + c.price.to_string() +
                  " " + c.qty.to_string());
  }
  void on_balance(const BalanceChange& c) override {
    log.push_back("balance " + std::to_string(c.account) + " " + c.asset + " " + c.available.to_string() +
                  "/" + c.frozen.to_string());
  }
};

Instrument btcusdt() {
  Instrument in;
  in.symbol = kSym;
  in.base = "BTC";
  in.quote = "USDT";
  in.tick = "0.01"_d;
  in.lot = "0.001"_d;
  in.min_size = "0.001"_d;
  in.max_size = "1000"_d;
  in.min_notional = "1"_d;
  in.quote_step = "0.01"_d;
  in.maker_fee_rate = "0.001"_d;
  in.taker_fee_rate = "0.002"_d;
  in.price_decimals = 2;
  in.size_decimals = 3;
  in.quote_decimals = 2;
  return in;
}

struct EngineTest : ::testing::Test {
  int64_t clock_ms = 1'700'000'000'000;
  MatchingEngine engine{make_config()};
  Recorder rec;

  EngineConfig make_config() {
    EngineConfig c;
    c.fee_account = kFees;
    c.clock = [this] { return clock_ms; };
    return c;
  }

  void SetUp() override {
    engine.add_instrument(btcusdt());
    for (AccountId a : {kAlice, kBob, kCarol}) {
      engine.ledger().deposit(a, "USDT", "10000"_d);
      engine.ledger().deposit(a, "BTC", "10"_d);
    }
    engine.add_listener(&rec);
  }
  void TearDown() override { expect_frozen_consistent(); }

  Balance bal(AccountId a, const std::string& asset) const { return engine.ledger().balance(a, asset); }

  PlaceResult limit(AccountId a, Side s, const char* price, const char* qty,
                    TimeInForce tif = TimeInForce::kGtc, std::string cid = {}) {
    return engine.place(
        OrderRequest::limit(a, kSym, s, Decimal::parse(price), Decimal::parse(qty), tif, cid));
  }
  PlaceResult market(AccountId a, Side s, const char* qty) {
    return engine.place(OrderRequest::market(a, kSym, s, Decimal::parse(qty)));
  }

  /// Ledger frozen == Σ frozen of the account's open orders, per asset; done orders hold nothing.
  void expect_frozen_consistent() {
    for (AccountId a : {kAlice, kBob, kCarol}) {
      Decimal usdt, btc;
      for (const Order& o : engine.open_orders(a)) (o.side == Side::kBuy ? usdt : btc) += o.frozen;
      EXPECT_EQ(bal(a, "USDT").frozen, usdt) << "account " << a;
      EXPECT_EQ(bal(a, "BTC").frozen, btc) << "account " << a;
      for (const Order& o : engine.recent_orders(a)) EXPECT_TRUE(o.frozen.is_zero()) << o.id;
    }
    // Trading conserves every asset (fees go to the fee account).
    EXPECT_EQ(engine.ledger().total_supply("USDT"), "30000"_d);
    EXPECT_EQ(engine.ledger().total_supply("BTC"), "30"_d);
  }
};

TEST_F(EngineTest, LimitOrderRestsAndFreezesQuote) {
  const PlaceResult r = limit(kAlice, Side::kBuy, "100.5", "2", TimeInForce::kGtc, "c1");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.order_id, 1u);
  EXPECT_EQ(r.status, OrderStatus::kNew);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9799"_d, "201"_d}));
  const auto o = engine.order(r.order_id);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->frozen, "201"_d);
  EXPECT_EQ(o->client_id, "c1");
  EXPECT_EQ(o->fee_asset, "BTC");
  EXPECT_EQ(o->created_ms, clock_ms);
  EXPECT_EQ(engine.best_bid(kSym), "100.5"_d);
  EXPECT_FALSE(engine.best_ask(kSym));
  EXPECT_EQ(rec.log,
            (std::vector<std::string>{"accepted 1", "balance 1 USDT 9799/201", "level bid 100.5 2"}));

  const PlaceResult s = limit(kBob, Side::kSell, "101", "0.5");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(bal(kBob, "BTC"), (Balance{"9.5"_d, "0.5"_d}));
}

TEST_F(EngineTest, PriceTimePriority) {
  const OrderId a = limit(kBob, Side::kSell, "100", "1").order_id;
  const OrderId b = limit(kCarol, Side::kSell, "100", "1").order_id;
  const OrderId c = limit(kBob, Side::kSell, "99.5", "1").order_id;  // later but better price
  rec.fills.clear();
  const PlaceResult t = market(kAlice, Side::kBuy, "2.5");
  ASSERT_TRUE(t.ok()) << t.message;
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  ASSERT_EQ(rec.fills.size(), 3u);
  EXPECT_EQ(rec.fills[0].maker_order_id, c);
  EXPECT_EQ(rec.fills[0].price, "99.5"_d);
  EXPECT_EQ(rec.fills[1].maker_order_id, a);  // first in time at 100
  EXPECT_EQ(rec.fills[1].qty, "1"_d);
  EXPECT_EQ(rec.fills[2].maker_order_id, b);
  EXPECT_EQ(rec.fills[2].qty, "0.5"_d);
  EXPECT_EQ(engine.order(b)->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(engine.order(b)->remaining(), "0.5"_d);
  // Each fill carries the taker's state right after it; the completing fill already says filled.
  ASSERT_EQ(rec.takers.size(), 3u);
  EXPECT_EQ(rec.takers[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(rec.takers[0].filled_qty, "1"_d);
  EXPECT_EQ(rec.takers[1].filled_qty, "2"_d);
  EXPECT_EQ(rec.takers[2].status, OrderStatus::kFilled);
  EXPECT_EQ(rec.takers[2].filled_qty, "2.5"_d);
  EXPECT_EQ(engine.order(a)->status, OrderStatus::kFilled);
  EXPECT_EQ(engine.book(kSym).asks, (std::vector<L2Level>{{"100"_d, "0.5"_d}}));
}

TEST_F(EngineTest, PartialFillsAcrossSeveralMakersThenRemainderRests) {
  limit(kBob, Side::kSell, "100", "0.3");
  limit(kCarol, Side::kSell, "100", "0.2");
  limit(kBob, Side::kSell, "100.5", "0.4");
  const PlaceResult t = limit(kAlice, Side::kBuy, "100.5", "1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.status, OrderStatus::kPartiallyFilled);
  const Order o = *engine.order(t.order_id);
  EXPECT_EQ(o.filled_qty, "0.9"_d);
  EXPECT_EQ(o.filled_quote, "90.2"_d);  // 30 + 20 + 40.2
  EXPECT_EQ(o.frozen, "10.05"_d);       // 100.5 × 0.1 still resting
  EXPECT_EQ(o.fee, "0.0018"_d);         // 0.002 × 0.9 BTC
  EXPECT_EQ(o.average_price(), "90.2"_d.div("0.9"_d, Rounding::kHalfUp));
  // Froze 100.5; paid 90.2; the 0.5 fills at 100 released 0.5 × 0.5 = 0.25 of improvement; 10.05 still held.
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9899.75"_d, "10.05"_d}));
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"10.8982"_d, "0"_d}));
  const L2Book book = engine.book(kSym);
  EXPECT_TRUE(book.asks.empty());
  EXPECT_EQ(book.bids, (std::vector<L2Level>{{"100.5"_d, "0.1"_d}}));
  EXPECT_EQ(engine.open_orders(kAlice).size(), 1u);
  EXPECT_EQ(engine.last_price(kSym), "100.5"_d);
}

TEST_F(EngineTest, PostOnlyRejectedWhenCrossingAcceptedOtherwise) {
  limit(kBob, Side::kSell, "100", "1");
  rec.log.clear();
  const Balance before = bal(kAlice, "USDT");
  const PlaceResult r =
      engine.place(OrderRequest::post_only(kAlice, kSym, Side::kBuy, "100"_d, "1"_d, "po1"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.reason, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(r.status, OrderStatus::kRejected);
  EXPECT_NE(r.order_id, 0u);
  EXPECT_EQ(r.message, "post-only buy at 100 would cross the book of BTCUSDT");
  EXPECT_EQ(bal(kAlice, "USDT"), before);
  EXPECT_EQ(engine.book(kSym).bids.size(), 0u);
  EXPECT_EQ(engine.book(kSym).asks, (std::vector<L2Level>{{"100"_d, "1"_d}}));
  EXPECT_EQ(rec.log, (std::vector<std::string>{"done " + order_id_string(r.order_id) + " rejected"}));
  const auto rej = engine.order_by_client_id(kAlice, "po1");
  ASSERT_TRUE(rej);
  EXPECT_EQ(rej->status, OrderStatus::kRejected);
  EXPECT_EQ(rej->reject_reason, RejectReason::kPostOnlyWouldCross);
  EXPECT_EQ(rej->filled_qty, "0"_d);

  // The same client id may be used again: the rejected order was never live.
  const PlaceResult ok =
      engine.place(OrderRequest::post_only(kAlice, kSym, Side::kBuy, "99.99"_d, "1"_d, "po1"));
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.status, OrderStatus::kNew);
  EXPECT_EQ(engine.best_bid(kSym), "99.99"_d);
  EXPECT_EQ(engine.order_by_client_id(kAlice, "po1")->id, ok.order_id);
  // A post-only sell at the best bid would cross too.
  EXPECT_EQ(engine.place(OrderRequest::post_only(kBob, kSym, Side::kSell, "99.99"_d, "1"_d)).reason,
            RejectReason::kPostOnlyWouldCross);
}

TEST_F(EngineTest, MarketBuySweepsSeveralLevelsAndFreezesTheExactCost) {
  limit(kBob, Side::kSell, "100", "1");
  limit(kCarol, Side::kSell, "101", "1");
  limit(kBob, Side::kSell, "102", "2");
  rec.log.clear();
  const PlaceResult t = market(kAlice, Side::kBuy, "3");
  ASSERT_TRUE(t.ok()) << t.message;
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  ASSERT_GE(rec.log.size(), 2u);
  EXPECT_EQ(rec.log[1], "balance 1 USDT 9697/303");  // 100 + 101 + 102 frozen up front
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9697"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"12.994"_d, "0"_d}));
  EXPECT_EQ(engine.book(kSym).asks, (std::vector<L2Level>{{"102"_d, "1"_d}}));
  EXPECT_EQ(engine.last_price(kSym), "102"_d);
  const Order o = *engine.order(t.order_id);
  EXPECT_EQ(o.filled_qty, "3"_d);
  EXPECT_EQ(o.filled_quote, "303"_d);
  EXPECT_EQ(o.price, "0"_d);
  EXPECT_EQ(o.average_price(), "101"_d);
}

TEST_F(EngineTest, MarketSellRemainderIsCancelledWhenTheBookRunsDry) {
  limit(kBob, Side::kBuy, "99", "0.5");
  const PlaceResult t = market(kAlice, Side::kSell, "2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.status, OrderStatus::kCancelled);
  const Order o = *engine.order(t.order_id);
  EXPECT_EQ(o.filled_qty, "0.5"_d);
  EXPECT_EQ(o.frozen, "0"_d);
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"9.5"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"10049.401"_d, "0"_d}));  // 49.5 − 0.2 % taker fee
  EXPECT_EQ(bal(kBob, "BTC"), (Balance{"10.4995"_d, "0"_d}));       // 0.5 − 0.1 % maker fee

  // Market order on an empty book: accepted, nothing fills, cancelled, nothing held.
  const PlaceResult e = market(kAlice, Side::kBuy, "1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e.status, OrderStatus::kCancelled);
  EXPECT_EQ(bal(kAlice, "USDT").frozen, "0"_d);
}

TEST_F(EngineTest, MarketBuyByQuoteAmount) {
  limit(kBob, Side::kSell, "100", "1");
  limit(kCarol, Side::kSell, "110", "1");
  const PlaceResult t = engine.place(OrderRequest::market_buy_quote(kAlice, kSym, "155"_d));
  ASSERT_TRUE(t.ok()) << t.message;
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  const Order o = *engine.order(t.order_id);
  EXPECT_EQ(o.quantity, "0"_d);
  EXPECT_EQ(o.quote_amount, "155"_d);
  EXPECT_EQ(o.filled_qty, "1.5"_d);
  EXPECT_EQ(o.filled_quote, "155"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9845"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"11.497"_d, "0"_d}));
  EXPECT_EQ(engine.book(kSym).asks, (std::vector<L2Level>{{"110"_d, "0.5"_d}}));
}

TEST_F(EngineTest, MarketBuyByQuoteReleasesDustAndCancelsWhenTheBookRunsDry) {
  limit(kBob, Side::kSell, "100", "1");
  limit(kCarol, Side::kSell, "110", "1");
  // 150.06: 1 @ 100, then 50.06 / 110 = 0.4550.. → 0.455 (lot 0.001) = 50.05; 0.01 of dust is released.
  const PlaceResult t = engine.place(OrderRequest::market_buy_quote(kAlice, kSym, "150.06"_d));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  EXPECT_EQ(engine.order(t.order_id)->filled_qty, "1.455"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9849.95"_d, "0"_d}));

  // 1000 buys the remaining 0.545 @ 110 = 59.95; the rest is released and the order is cancelled.
  const PlaceResult d = engine.place(OrderRequest::market_buy_quote(kAlice, kSym, "1000"_d));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.status, OrderStatus::kCancelled);
  EXPECT_EQ(engine.order(d.order_id)->filled_quote, "59.95"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9790"_d, "0"_d}));
  EXPECT_TRUE(engine.book(kSym).asks.empty());
}

TEST_F(EngineTest, IocFillsWhatCrossesAndExpiresTheRest) {
  limit(kBob, Side::kSell, "100", "1");
  const PlaceResult t = limit(kAlice, Side::kBuy, "100", "2", TimeInForce::kIoc);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.status, OrderStatus::kExpired);
  EXPECT_EQ(engine.order(t.order_id)->filled_qty, "1"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9900"_d, "0"_d}));
  EXPECT_TRUE(engine.book(kSym).bids.empty());
  EXPECT_TRUE(engine.open_orders(kAlice).empty());
}

TEST_F(EngineTest, FokFillsCompletelyOrNotAtAll) {
  limit(kBob, Side::kSell, "100", "1");
  limit(kCarol, Side::kSell, "100.5", "1");
  rec.log.clear();
  const PlaceResult no = limit(kAlice, Side::kBuy, "101", "2.5", TimeInForce::kFok);
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no.status, OrderStatus::kExpired);
  EXPECT_EQ(engine.order(no.order_id)->filled_qty, "0"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"10000"_d, "0"_d}));
  EXPECT_EQ(engine.book(kSym).asks.size(), 2u);
  const std::string id = order_id_string(no.order_id);
  EXPECT_EQ(rec.log, (std::vector<std::string>{"accepted " + id, "balance 1 USDT 9747.5/252.5",
                                               "done " + id + " expired", "balance 1 USDT 10000/0"}));

  // Enough at or below the limit (only up to 100.5): fills, with price improvement released.
  const PlaceResult yes = limit(kAlice, Side::kBuy, "100.5", "2", TimeInForce::kFok);
  EXPECT_EQ(yes.status, OrderStatus::kFilled);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9799.5"_d, "0"_d}));
  // Not enough at or below 100: expires even though 2 is on the book in total.
  limit(kBob, Side::kSell, "100", "1");
  limit(kBob, Side::kSell, "100.5", "1");
  EXPECT_EQ(limit(kAlice, Side::kBuy, "100", "2", TimeInForce::kFok).status, OrderStatus::kExpired);
}

TEST_F(EngineTest, FeesAreChargedInTheReceivedAssetWithExactValues) {
  // Taker buys: taker pays 0.2 % in BTC, maker (seller) 0.1 % in USDT.
  const OrderId maker = limit(kBob, Side::kSell, "250.5", "2").order_id;
  const OrderId taker = limit(kAlice, Side::kBuy, "250.5", "2").order_id;
  ASSERT_EQ(rec.fills.size(), 1u);
  Fill f = rec.fills[0];
  EXPECT_EQ(f.quote_qty, "501"_d);
  EXPECT_EQ(f.maker_fee, "0.501"_d);
  EXPECT_EQ(f.maker_fee_asset, "USDT");
  EXPECT_EQ(f.taker_fee, "0.004"_d);
  EXPECT_EQ(f.taker_fee_asset, "BTC");
  EXPECT_EQ(f.taker_side, Side::kBuy);
  EXPECT_EQ(f.maker_side(), Side::kSell);
  EXPECT_EQ(engine.order(maker)->fee, "0.501"_d);
  EXPECT_EQ(engine.order(taker)->fee, "0.004"_d);
  EXPECT_EQ(bal(kBob, "USDT"), (Balance{"10500.499"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"11.996"_d, "0"_d}));
  EXPECT_EQ(bal(kFees, "USDT"), (Balance{"0.501"_d, "0"_d}));
  EXPECT_EQ(bal(kFees, "BTC"), (Balance{"0.004"_d, "0"_d}));

  // Taker sells into a maker bid: maker pays 0.1 % in BTC, taker 0.2 % in USDT.
  limit(kCarol, Side::kBuy, "99.99", "1");
  market(kAlice, Side::kSell, "1");
  ASSERT_EQ(rec.fills.size(), 2u);
  f = rec.fills[1];
  EXPECT_EQ(f.maker_fee, "0.001"_d);
  EXPECT_EQ(f.maker_fee_asset, "BTC");
  EXPECT_EQ(f.taker_fee, "0.19998"_d);
  EXPECT_EQ(f.taker_fee_asset, "USDT");
  EXPECT_EQ(bal(kCarol, "BTC"), (Balance{"10.999"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9598.79002"_d, "0"_d}));  // 10000 − 501 + 99.99 − 0.19998

  const auto alice = engine.recent_fills(kAlice);
  ASSERT_EQ(alice.size(), 2u);
  EXPECT_FALSE(alice[0].is_maker);
  EXPECT_EQ(alice[0].side, Side::kSell);
  EXPECT_EQ(alice[0].fee, "0.19998"_d);
  EXPECT_EQ(alice[0].fee_asset, "USDT");
  EXPECT_EQ(alice[1].order_id, taker);
  const auto carol = engine.recent_fills(kCarol);
  ASSERT_EQ(carol.size(), 1u);
  EXPECT_TRUE(carol[0].is_maker);
  EXPECT_EQ(carol[0].fee, "0.001"_d);
}

TEST_F(EngineTest, FeeRoundsHalfUpTo18Decimals) {
  Instrument in = btcusdt();
  in.symbol = "XYZUSDT";
  in.base = "XYZ";
  in.lot = "0.00000001"_d;
  in.min_size = in.min_notional = in.quote_step = Decimal{};
  in.maker_fee_rate = Decimal{};
  in.taker_fee_rate = "0.00000000005"_d;  // × 0.00000001 = 5e-19: a tie at the 18th decimal
  engine.add_instrument(in);
  engine.ledger().deposit(kBob, "XYZ", "1"_d);
  ASSERT_TRUE(engine.place(OrderRequest::limit(kBob, "XYZUSDT", Side::kSell, "100"_d, "0.00000001"_d)).ok());
  ASSERT_TRUE(engine.place(OrderRequest::limit(kAlice, "XYZUSDT", Side::kBuy, "100"_d, "0.00000001"_d)).ok());
  ASSERT_EQ(rec.fills.size(), 1u);
  EXPECT_EQ(rec.fills[0].taker_fee, Decimal::from_raw(1));  // half-up: 0.5e-18 → 1e-18
  EXPECT_EQ(rec.fills[0].maker_fee, "0"_d);
  EXPECT_EQ(rec.fills[0].quote_qty, "0.000001"_d);
  EXPECT_EQ(bal(kAlice, "XYZ").available, "0.00000001"_d - Decimal::from_raw(1));
}

TEST_F(EngineTest, PriceImprovementIsReleasedAtOnce) {
  limit(kBob, Side::kSell, "100", "1");
  rec.log.clear();
  const PlaceResult t = limit(kAlice, Side::kBuy, "101", "1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9900"_d, "0"_d}));
  EXPECT_EQ(engine.order(t.order_id)->frozen, "0"_d);
  ASSERT_GE(rec.log.size(), 2u);
  EXPECT_EQ(rec.log[1], "balance 1 USDT 9899/101");
}

TEST_F(EngineTest, CancelAfterPartialFillReleasesExactlyTheRemainder) {
  const PlaceResult b = limit(kAlice, Side::kBuy, "100", "2", TimeInForce::kGtc, "keep");
  market(kBob, Side::kSell, "0.5");
  Order o = *engine.order(b.order_id);
  EXPECT_EQ(o.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o.frozen, "150"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9800"_d, "150"_d}));
  rec.log.clear();

  const CancelResult c = engine.cancel(kAlice, b.order_id);
  ASSERT_TRUE(c.ok()) << c.message;
  EXPECT_EQ(c.order_id, b.order_id);
  o = *engine.order(b.order_id);
  EXPECT_EQ(o.status, OrderStatus::kCancelled);
  EXPECT_EQ(o.frozen, "0"_d);
  EXPECT_EQ(o.filled_qty, "0.5"_d);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9950"_d, "0"_d}));
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"10.4995"_d, "0"_d}));
  const std::string id = order_id_string(b.order_id);
  EXPECT_EQ(rec.log, (std::vector<std::string>{"level bid 100 0", "done " + id + " cancelled",
                                               "balance 1 USDT 9950/0"}));
  EXPECT_TRUE(engine.book(kSym).bids.empty());

  // Done or unknown orders cannot be cancelled.
  const CancelResult again = engine.cancel(kAlice, b.order_id);
  EXPECT_EQ(again.reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(again.message, "no live order with id " + id + " for account 1");
  EXPECT_EQ(engine.cancel(kAlice, 999).reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(engine.cancel_by_client_id(kAlice, "keep").reason, RejectReason::kUnknownOrder);
}

TEST_F(EngineTest, CancelChecksOwnershipAndWorksByClientId) {
  const OrderId bob = limit(kBob, Side::kSell, "105", "1", TimeInForce::kGtc, "x").order_id;
  EXPECT_EQ(engine.cancel(kAlice, bob).reason, RejectReason::kUnknownOrder);
  EXPECT_EQ(engine.cancel_by_client_id(kAlice, "x").reason, RejectReason::kUnknownOrder);
  const CancelResult c = engine.cancel_by_client_id(kBob, "x");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.order_id, bob);
  EXPECT_EQ(bal(kBob, "BTC"), (Balance{"10"_d, "0"_d}));

  limit(kBob, Side::kSell, "105", "1");
  limit(kBob, Side::kSell, "106", "1");
  limit(kBob, Side::kBuy, "90", "1");
  limit(kCarol, Side::kBuy, "90", "1");
  EXPECT_EQ(engine.cancel_all(kBob), 3u);
  EXPECT_TRUE(engine.open_orders(kBob).empty());
  EXPECT_EQ(engine.book(kSym).bids, (std::vector<L2Level>{{"90"_d, "1"_d}}));
  EXPECT_EQ(engine.cancel_all(kCarol, "OTHER"), 0u);
}

TEST_F(EngineTest, DuplicateClientIdAmongLiveOrdersIsRejected) {
  ASSERT_TRUE(limit(kAlice, Side::kBuy, "90", "1", TimeInForce::kGtc, "dup").ok());
  const PlaceResult d = limit(kAlice, Side::kSell, "110", "1", TimeInForce::kGtc, "dup");
  EXPECT_EQ(d.reason, RejectReason::kDuplicateClientId);
  EXPECT_EQ(d.order_id, 0u);
  EXPECT_EQ(d.message, "client order id 'dup' is already used by a live order");
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"10"_d, "0"_d}));
  // Another account may use it.
  EXPECT_TRUE(limit(kBob, Side::kSell, "110", "1", TimeInForce::kGtc, "dup").ok());
  // After the live order is done, the id is free again and lookups find the newest.
  ASSERT_TRUE(engine.cancel_by_client_id(kAlice, "dup").ok());
  const OrderId old = engine.order_by_client_id(kAlice, "dup")->id;
  EXPECT_EQ(engine.order(old)->status, OrderStatus::kCancelled);
  const PlaceResult again = limit(kAlice, Side::kBuy, "91", "1", TimeInForce::kGtc, "dup");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(engine.order_by_client_id(kAlice, "dup")->id, again.order_id);
}

TEST_F(EngineTest, ValidationRejectsWithTypedReasons) {
  limit(kBob, Side::kSell, "100", "1");  // a book, so market orders get a reference price
  rec.log.clear();
  const Balance usdt = bal(kAlice, "USDT");
  const Balance btc = bal(kAlice, "BTC");
  struct Case {
    OrderRequest rq;
    RejectReason reason;
    std::string message;
  };
  using R = RejectReason;
  OrderRequest market_with_price = OrderRequest::market(kAlice, kSym, Side::kBuy, "1"_d);
  market_with_price.price = "100"_d;
  OrderRequest quote_sell = OrderRequest::market_buy_quote(kAlice, kSym, "100"_d);
  quote_sell.side = Side::kSell;
  const std::vector<Case> cases = {
      {OrderRequest::limit(kAlice, "NOPE", Side::kBuy, "1"_d, "1"_d), R::kUnknownSymbol,
       "unknown symbol 'NOPE'"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "0"_d, "1"_d), R::kInvalidParameter,
       "limit order needs a positive price"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "100"_d, "0"_d), R::kInvalidParameter,
       "limit order needs a positive quantity"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "100"_d, "-1"_d), R::kInvalidParameter,
       "price, quantity and quote amount must not be negative"},
      {market_with_price, R::kInvalidParameter, "market order must not have a price"},
      {quote_sell, R::kInvalidParameter, "only a market buy can be sized in quote"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "100.005"_d, "1"_d), R::kPriceNotOnTick,
       "price 100.005 is not a multiple of tick 0.01 for BTCUSDT"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "100"_d, "1.0005"_d), R::kSizeNotOnLot,
       "size 1.0005 is not a multiple of lot 0.001 for BTCUSDT"},
      {OrderRequest::market_buy_quote(kAlice, kSym, "10.005"_d), R::kSizeNotOnLot,
       "quote amount 10.005 is not a multiple of 0.01 for BTCUSDT"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "100"_d, "1001"_d), R::kAboveMaxSize,
       "size 1001 is above the maximum 1000 for BTCUSDT"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "0.5"_d, "1"_d), R::kBelowMinNotional,
       "notional 0.5 is below the minimum 1 for BTCUSDT"},
      {OrderRequest::market_buy_quote(kAlice, kSym, "0.99"_d), R::kBelowMinNotional,
       "notional 0.99 is below the minimum 1 for BTCUSDT"},
      {OrderRequest::market(kAlice, kSym, Side::kBuy, "0.009"_d), R::kBelowMinNotional,
       "notional 0.9 is below the minimum 1 for BTCUSDT"},
      {OrderRequest::limit(kAlice, kSym, Side::kBuy, "99"_d, "101.011"_d), R::kInsufficientBalance,
       "insufficient USDT balance: available 10000, required 10000.089"},
      {OrderRequest::limit(kAlice, kSym, Side::kSell, "99"_d, "10.001"_d), R::kInsufficientBalance,
       "insufficient BTC balance: available 10, required 10.001"},
      {OrderRequest::market_buy_quote(kAlice, kSym, "10000.01"_d), R::kInsufficientBalance,
       "insufficient USDT balance: available 10000, required 10000.01"},
  };
  for (const Case& c : cases) {
    const PlaceResult r = engine.place(c.rq);
    EXPECT_EQ(r.reason, c.reason) << c.message;
    EXPECT_EQ(r.message, c.message);
    EXPECT_EQ(r.order_id, 0u) << c.message;
    EXPECT_FALSE(r.ok());
  }
  // min size needs an instrument whose minimum is above one lot.
  Instrument in = btcusdt();
  in.symbol = "BIGUSDT";
  in.min_size = "0.01"_d;
  engine.add_instrument(in);
  const PlaceResult small =
      engine.place(OrderRequest::limit(kAlice, "BIGUSDT", Side::kBuy, "1000"_d, "0.009"_d));
  EXPECT_EQ(small.reason, RejectReason::kBelowMinSize);
  EXPECT_EQ(small.message, "size 0.009 is below the minimum 0.01 for BIGUSDT");

  EXPECT_TRUE(rec.log.empty());  // rejected requests change nothing and emit nothing
  EXPECT_EQ(bal(kAlice, "USDT"), usdt);
  EXPECT_EQ(bal(kAlice, "BTC"), btc);
  EXPECT_EQ(engine.order(2), std::nullopt);
  EXPECT_EQ(to_string(RejectReason::kPriceNotOnTick), "price_not_on_tick");
}

TEST_F(EngineTest, EventOrderForOneTakerSweep) {
  limit(kBob, Side::kSell, "100", "1");    // order 1
  limit(kCarol, Side::kSell, "101", "1");  // order 2
  rec.log.clear();
  const PlaceResult t = limit(kAlice, Side::kBuy, "101", "1.5");  // order 3
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.order_id, 3u);
  const std::vector<std::string> expected = {
      "accepted 3",
      "balance 1 USDT 9848.5/151.5",
      "fill 1 maker=1 taker=3 1@100 quote=100 mfee=0.1 USDT tfee=0.002 BTC",
      "trade 1 buy 1@100",
      "level ask 100 0",
      "done 1 filled",
      "balance 2 BTC 9/0",
      "balance 1 BTC 10.998/0",
      "balance 1 USDT 9849.5/50.5",
      "balance 2 USDT 10099.9/0",
      "balance 0 BTC 0.002/0",
      "balance 0 USDT 0.1/0",
      "fill 2 maker=2 taker=3 0.5@101 quote=50.5 mfee=0.0505 USDT tfee=0.001 BTC",
      "trade 2 buy 0.5@101",
      "level ask 101 0.5",
      "balance 3 BTC 9/0.5",
      "balance 1 BTC 11.497/0",
      "balance 1 USDT 9849.5/0",
      "balance 3 USDT 10050.4495/0",
      "balance 0 BTC 0.003/0",
      "balance 0 USDT 0.1505/0",
      "done 3 filled",
  };
  EXPECT_EQ(rec.log, expected);
}

TEST_F(EngineTest, ListenersSeeTheFinalStateAndNestedOperationsComeAfter) {
  struct Nested : EngineListener {
    MatchingEngine* engine = nullptr;
    std::vector<std::string> seen;
    bool placed = false;
    void on_fill(const Fill& f, const Order&, const Order&) override {
      // The whole place() has completed: the taker is already done in the engine.
      seen.push_back(std::string("taker ") + std::string(to_string(engine->order(f.taker_order_id)->status)));
      if (!placed) {
        placed = true;
        engine->place(OrderRequest::limit(kCarol, kSym, Side::kSell, "120"_d, "1"_d));
      }
    }
    void on_order_accepted(const Order& o) override { seen.push_back("accepted " + o.id_string()); }
  } nested;
  nested.engine = &engine;
  limit(kBob, Side::kSell, "100", "1");  // order 1
  engine.add_listener(&nested);
  limit(kAlice, Side::kBuy, "100", "1");  // order 2, nested places order 3
  engine.remove_listener(&nested);
  EXPECT_EQ(nested.seen, (std::vector<std::string>{"accepted 2", "taker filled", "accepted 3"}));
  EXPECT_EQ(rec.log.back(), "level ask 120 1");
}

TEST_F(EngineTest, QueriesBookTradesAndIds) {
  limit(kBob, Side::kSell, "101", "1");
  limit(kBob, Side::kSell, "102", "2");
  limit(kCarol, Side::kSell, "102", "0.5");
  limit(kCarol, Side::kBuy, "99", "1");
  limit(kAlice, Side::kBuy, "98", "3");
  L2Book b = engine.book(kSym, 1);
  EXPECT_EQ(b.bids, (std::vector<L2Level>{{"99"_d, "1"_d}}));
  EXPECT_EQ(b.asks, (std::vector<L2Level>{{"101"_d, "1"_d}}));
  EXPECT_EQ(b.seq, 5u);
  EXPECT_EQ(engine.book_seq(kSym), 5u);
  b = engine.book(kSym);
  EXPECT_EQ(b.asks, (std::vector<L2Level>{{"101"_d, "1"_d}, {"102"_d, "2.5"_d}}));
  EXPECT_EQ(b.bids, (std::vector<L2Level>{{"99"_d, "1"_d}, {"98"_d, "3"_d}}));
  EXPECT_EQ(engine.best_bid(kSym), "99"_d);
  EXPECT_EQ(engine.best_ask(kSym), "101"_d);
  EXPECT_FALSE(engine.last_price(kSym));
  EXPECT_TRUE(engine.book("NOPE").bids.empty());

  clock_ms += 5;
  market(kAlice, Side::kBuy, "1.5");
  EXPECT_EQ(engine.last_price(kSym), "102"_d);
  const auto trades = engine.recent_trades(kSym);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].trade_id, 2u);  // newest first
  EXPECT_EQ(trades[0].price, "102"_d);
  EXPECT_EQ(trades[0].qty, "0.5"_d);
  EXPECT_EQ(trades[0].taker_side, Side::kBuy);
  EXPECT_EQ(trades[0].ts_ms, clock_ms);
  EXPECT_EQ(engine.recent_trades(kSym, 1).size(), 1u);

  EXPECT_EQ(engine.open_orders(kBob).size(), 1u);  // the 101 ask was filled
  EXPECT_EQ(engine.open_orders(kBob, kSym).size(), 1u);
  EXPECT_TRUE(engine.open_orders(kBob, "OTHER").empty());
  const auto done = engine.recent_orders(kAlice);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].kind, OrderKind::kMarket);
  EXPECT_EQ(engine.recent_orders(kBob).at(0).id, 1u);
  EXPECT_EQ(engine.recent_fills(kBob, kSym, 2).size(), 1u);  // order 2's fill only
  EXPECT_EQ(engine.recent_fills(kBob, kSym, 2).at(0).qty, "0.5"_d);
  EXPECT_EQ(engine.symbols(), (std::vector<std::string>{kSym}));
  ASSERT_NE(engine.instrument(kSym), nullptr);
  EXPECT_EQ(engine.instrument(kSym)->format_price("65000.5"_d), "65000.50");
  EXPECT_EQ(engine.instrument(kSym)->format_size("1"_d), "1.000");

  EXPECT_EQ(order_id_string(1098394041925599232ull), "1098394041925599232");
  EXPECT_EQ(parse_order_id("1098394041925599232"), 1098394041925599232ull);
  EXPECT_FALSE(parse_order_id("12a"));
  EXPECT_FALSE(parse_order_id(""));
  EXPECT_FALSE(parse_order_id("99999999999999999999"));  // overflows uint64
}

TEST_F(EngineTest, SelfTradeKeepsBalancesExact) {
  limit(kAlice, Side::kSell, "100", "1");
  const PlaceResult t = limit(kAlice, Side::kBuy, "100", "1");
  EXPECT_EQ(t.status, OrderStatus::kFilled);
  EXPECT_EQ(bal(kAlice, "USDT"), (Balance{"9999.9"_d, "0"_d}));  // paid 100, received 100 − 0.1
  EXPECT_EQ(bal(kAlice, "BTC"), (Balance{"9.998"_d, "0"_d}));
  EXPECT_EQ(engine.recent_fills(kAlice).size(), 2u);  // one maker, one taker record
}

TEST(MatchingEngine, RecentOrdersAreBounded) {
  EngineConfig cfg;
  cfg.recent_orders_per_account = 3;
  cfg.first_order_id = 1000;
  cfg.first_trade_id = 500;
  MatchingEngine engine(cfg);
  engine.add_instrument(btcusdt());
  engine.ledger().deposit(kAlice, "USDT", "1000"_d);
  std::vector<OrderId> ids;
  for (int i = 0; i < 5; ++i) {
    const PlaceResult r = engine.place(OrderRequest::limit(kAlice, kSym, Side::kBuy, "10"_d, "1"_d,
                                                           TimeInForce::kGtc, "c" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    ids.push_back(r.order_id);
    ASSERT_TRUE(engine.cancel(kAlice, r.order_id).ok());
  }
  EXPECT_EQ(ids.front(), 1000u);
  EXPECT_EQ(engine.recent_orders(kAlice).size(), 3u);
  EXPECT_FALSE(engine.order(ids[0]));
  EXPECT_FALSE(engine.order(ids[1]));
  EXPECT_TRUE(engine.order(ids[2]));
  EXPECT_FALSE(engine.order_by_client_id(kAlice, "c0"));
  EXPECT_EQ(engine.order_by_client_id(kAlice, "c4")->id, ids[4]);
}

TEST(MatchingEngine, AddInstrumentValidates) {
  MatchingEngine engine;
  Instrument in = btcusdt();
  engine.add_instrument(in);
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);  // duplicate
  in.symbol = "A";
  in.tick = "0.000000001"_d;
  in.lot = "0.0000000001"_d;  // 9 + 10 decimals > 18
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
  in = btcusdt();
  in.symbol = "B";
  in.tick = Decimal{};
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
  in = btcusdt();
  in.symbol = "C";
  in.maker_fee_rate = "-0.0001"_d;
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
  EXPECT_TRUE(engine.set_fee_rates(kSym, "0"_d, "0.001"_d));
  EXPECT_EQ(engine.instrument(kSym)->taker_fee_rate, "0.001"_d);
  EXPECT_FALSE(engine.set_fee_rates("NOPE", "0"_d, "0"_d));
}

}  // namespace
}  // namespace nectar::sim
