#include "nectar/sim/activity.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nectar::sim {
namespace {

constexpr AccountId kMarket = 1'000'000'000;
constexpr AccountId kTester = 7;
const std::string kSym = "BTCUSDT";

Instrument instrument() {
  Instrument in;
  in.symbol = kSym;
  in.base = "BTC";
  in.quote = "USDT";
  in.tick = "0.1"_d;
  in.lot = "0.001"_d;
  in.min_size = "0.001"_d;
  in.quote_step = "0.01"_d;
  in.maker_fee_rate = "0.001"_d;
  in.taker_fee_rate = "0.002"_d;
  in.price_decimals = 1;
  in.size_decimals = 3;
  return in;
}

ActivityConfig config(uint64_t seed) {
  ActivityConfig c;
  c.symbol = kSym;
  c.account = kMarket;
  c.seed = seed;
  c.mid_start = "30000"_d;
  c.levels = 10;
  c.taker_probability = 0.5;
  c.initial_base = "1000"_d;
  c.initial_quote = "100000000"_d;
  return c;
}

/// Everything observable about trading, as text, to compare runs.
struct TradeLog : EngineListener {
  std::vector<std::string> trades;
  std::vector<Fill> fills;
  std::vector<Order> makers_after_fill;
  void on_public_trade(const PublicTrade& t) override {
    trades.push_back(std::to_string(t.trade_id) + " " + (t.taker_side == Side::kBuy ? "buy " : "sell ") +
                     t.qty.to_string() + "@" + t.price.to_string());
  }
  void on_fill(const Fill& f, const Order& maker, const Order&) override {
    fills.push_back(f);
    makers_after_fill.push_back(maker);
  }
};

struct Sim {
  MatchingEngine engine;
  TradeLog log;
  std::unique_ptr<ActivityGenerator> gen;
  explicit Sim(uint64_t seed) : engine(make_config()) {
    engine.add_instrument(instrument());
    engine.add_listener(&log);
    gen = std::make_unique<ActivityGenerator>(engine, config(seed));
  }
  static EngineConfig make_config() {
    EngineConfig c;
    c.clock = [] { return int64_t{1'700'000'000'000}; };
    return c;
  }
};

void expect_frozen_consistent(const MatchingEngine& engine, AccountId a) {
  Decimal usdt, btc;
  for (const Order& o : engine.open_orders(a)) (o.side == Side::kBuy ? usdt : btc) += o.frozen;
  EXPECT_EQ(engine.ledger().balance(a, "USDT").frozen, usdt) << "account " << a;
  EXPECT_EQ(engine.ledger().balance(a, "BTC").frozen, btc) << "account " << a;
}

TEST(ActivityGenerator, SameSeedGivesTheSameTradesDifferentSeedDiffers) {
  Sim a(42), b(42), c(43);
  a.gen->run_steps(500);
  b.gen->run_steps(500);
  c.gen->run_steps(500);
  ASSERT_GT(a.log.trades.size(), 50u);
  EXPECT_EQ(a.log.trades, b.log.trades);
  EXPECT_EQ(a.engine.book(kSym).bids, b.engine.book(kSym).bids);
  EXPECT_EQ(a.engine.book(kSym).asks, b.engine.book(kSym).asks);
  EXPECT_EQ(a.gen->mid(), b.gen->mid());
  EXPECT_EQ(a.gen->stats().orders_placed, b.gen->stats().orders_placed);
  EXPECT_NE(a.log.trades, c.log.trades);
}

TEST(ActivityGenerator, KnownSequenceForSeed1) {
  // Golden values: mt19937_64 output is fixed by the C++ standard and every other derivation is our own
  // integer arithmetic, so these are the same with any conforming standard library. A change here means the
  // generator's behaviour changed (update deliberately).
  Sim a(1);
  a.gen->run_steps(200);
  ASSERT_GE(a.log.trades.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(a.log.trades.begin(), a.log.trades.begin() + 5),
            (std::vector<std::string>{"1 sell 0.004@30000", "2 sell 0.004@30000", "3 buy 0.002@30000.5",
                                      "4 sell 0.004@30000.5", "5 sell 0.003@30000.3"}));
  EXPECT_EQ(a.log.trades.size(), 120u);
  EXPECT_EQ(a.gen->mid(), "30000.3"_d);
}

TEST(ActivityGenerator, FillsARestingTestOrderAndKeepsTheLedgerConsistent) {
  Sim s(7);
  s.engine.ledger().deposit(kTester, "USDT", "100000"_d);
  s.engine.ledger().deposit(kTester, "BTC", "10"_d);
  s.gen->run_steps(20);  // build the ladder
  // Two ticks from the mid, behind the ladder's own orders; 20 lots each, so several takers are needed.
  // (Deterministic: with seed 7 both fill after about 30 steps; the 5000 bound only guards a regression.)
  const Decimal bid_px = s.gen->mid() - "0.2"_d;
  const Decimal ask_px = s.gen->mid() + "0.2"_d;
  const PlaceResult bid = s.engine.place(OrderRequest::limit(kTester, kSym, Side::kBuy, bid_px, "0.02"_d));
  const PlaceResult ask = s.engine.place(OrderRequest::limit(kTester, kSym, Side::kSell, ask_px, "0.02"_d));
  ASSERT_TRUE(bid.ok()) << bid.message;
  ASSERT_TRUE(ask.ok()) << ask.message;

  int steps = 0;
  auto done = [&](OrderId id) { return s.engine.order(id)->status == OrderStatus::kFilled; };
  while (steps < 5000 && !(done(bid.order_id) && done(ask.order_id))) {
    s.gen->step();
    ++steps;
  }
  EXPECT_TRUE(done(bid.order_id)) << "after " << steps << " steps";
  EXPECT_TRUE(done(ask.order_id)) << "after " << steps << " steps";
  EXPECT_EQ(s.engine.order(bid.order_id)->frozen, "0"_d);
  EXPECT_FALSE(s.engine.recent_fills(kTester).empty());

  s.gen->run_steps(1000);
  for (AccountId a : {kMarket, kTester}) expect_frozen_consistent(s.engine, a);
  // Nothing is created or destroyed: only deposits add to supply.
  EXPECT_EQ(s.engine.ledger().total_supply("BTC"), "1010"_d);
  EXPECT_EQ(s.engine.ledger().total_supply("USDT"), "100100000"_d);
  // Partial fills happen (a maker still live after being hit).
  bool partial = false;
  for (const Order& m : s.log.makers_after_fill)
    partial = partial || m.status == OrderStatus::kPartiallyFilled;
  EXPECT_TRUE(partial);
  // The book stays bounded (3 × levels per side by default).
  EXPECT_LE(s.engine.open_orders(kMarket).size(), 2u * 3u * 10u + 2u * 3u);
  EXPECT_GT(s.gen->stats().takers, 0u);
  EXPECT_GT(s.gen->stats().cancels, 0u);
  EXPECT_EQ(s.gen->stats().steps, 20u + static_cast<uint64_t>(steps) + 1000u);
}

TEST(ActivityGenerator, MidWalksInTicksAndStaysPositive) {
  Sim s(3);
  std::set<std::string> mids;
  for (int i = 0; i < 300; ++i) {
    s.gen->step();
    const Decimal mid = s.gen->mid();
    EXPECT_TRUE(mid.is_positive());
    EXPECT_EQ(mid.quantize("0.1"_d, Rounding::kDown), mid);
    mids.insert(mid.to_string());
  }
  EXPECT_GT(mids.size(), 5u);
  const auto bid = s.engine.best_bid(kSym);
  const auto ask = s.engine.best_ask(kSym);
  ASSERT_TRUE(bid && ask);
  EXPECT_LT(*bid, *ask);
}

TEST(ActivityGenerator, ValidatesItsConfiguration) {
  MatchingEngine engine;
  engine.add_instrument(instrument());
  ActivityConfig c = config(1);
  c.symbol = "NOPE";
  EXPECT_THROW(ActivityGenerator(engine, c), std::invalid_argument);
  c = config(1);
  c.mid_start = Decimal{};  // empty book, no trades: no mid to start from
  EXPECT_THROW(ActivityGenerator(engine, c), std::invalid_argument);
  c = config(1);
  c.taker_min_lots = 5;
  c.taker_max_lots = 4;
  EXPECT_THROW(ActivityGenerator(engine, c), std::invalid_argument);
  c = config(1);
  c.taker_probability = 1.5;
  EXPECT_THROW(ActivityGenerator(engine, c), std::invalid_argument);

  // Without mid_start, the generator starts from the book's mid.
  engine.ledger().deposit(kTester, "USDT", "1000"_d);
  engine.ledger().deposit(kTester, "BTC", "1"_d);
  engine.place(OrderRequest::limit(kTester, kSym, Side::kBuy, "99.9"_d, "1"_d));
  engine.place(OrderRequest::limit(kTester, kSym, Side::kSell, "100.3"_d, "1"_d));
  c = config(1);
  c.mid_start = Decimal{};
  ActivityGenerator g(engine, c);
  EXPECT_EQ(g.mid(), "100.1"_d);
}

}  // namespace
}  // namespace nectar::sim
