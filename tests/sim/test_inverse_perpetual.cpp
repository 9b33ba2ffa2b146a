// Inverse perpetual (BitMEX XBTUSD style: one contract = 1 USD, margin, P&L, fees and funding in XBT)
// accounting of the matching engine: longs and shorts, funding, isolated and cross liquidation, and a seeded
// random run that checks the coin-margined conservation law after every step.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nectar/sim/matching_engine.hpp"
#include "sim/random_orders.hpp"

namespace nectar::sim {
namespace {

constexpr AccountId kHouse = 0;
constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;
constexpr AccountId kCarol = 3;
constexpr AccountId kDave = 4;
constexpr AccountId kErin = 5;
const std::string kSwap = "XBTUSD";
const std::string kCoin = "XBT";

Instrument xbtusd() {
  Instrument in;
  in.symbol = kSwap;
  in.base = kCoin;
  in.quote = "USD";
  in.kind = InstrumentKind::kPerpetual;
  in.contract_kind = ContractKind::kInverse;
  in.contract_size = "1"_d;  // USD per contract
  in.tick = "0.5"_d;
  in.lot = "100"_d;
  in.min_size = "100"_d;
  in.maker_fee_rate = "0.0002"_d;
  in.taker_fee_rate = "0.0006"_d;
  in.default_leverage = "10"_d;
  in.maintenance_margin_rate = "0.005"_d;
  in.funding_interval_ms = 1000;
  return in;
}

struct Liquidations : EngineListener {
  std::vector<Liquidation> seen;
  void on_liquidation(const Liquidation& l) override { seen.push_back(l); }
};

struct InverseTest : ::testing::Test {
  int64_t clock_ms = 1'700'000'000'000;
  MatchingEngine engine{make_config()};
  Liquidations rec;
  Decimal deposits;

  EngineConfig make_config() {
    EngineConfig c;
    c.fee_account = kHouse;
    c.clock = [this] { return clock_ms; };
    return c;
  }
  void SetUp() override {
    engine.add_instrument(xbtusd());
    for (AccountId a : {kAlice, kBob, kCarol}) deposit(a, "1");
    engine.add_listener(&rec);
  }
  void TearDown() override { expect_conserved(); }

  void deposit(AccountId a, const char* amount) {
    engine.ledger().deposit(a, kCoin, Decimal::parse(amount));
    deposits += Decimal::parse(amount);
  }
  void trade(AccountId buyer, AccountId seller, const char* price, const char* qty) {
    ASSERT_TRUE(engine
                    .place(OrderRequest::limit(seller, kSwap, Side::kSell, Decimal::parse(price),
                                               Decimal::parse(qty)))
                    .ok());
    const PlaceResult r = engine.place(OrderRequest::market(buyer, kSwap, Side::kBuy, Decimal::parse(qty)));
    ASSERT_TRUE(r.ok()) << r.message;
  }
  Balance bal(AccountId a) const { return engine.ledger().balance(a, kCoin); }
  Position pos(AccountId a) const {
    auto p = engine.position(a, kSwap);
    EXPECT_TRUE(p) << "no position for account " << a;
    return p ? *p : Position{};
  }

  /// A coin-margined long gains entry − exit value, so here Σ wallets + Σ signed entry values is constant
  /// (the linear law subtracts them); frozen coin equals order reserves plus position margins.
  void expect_conserved() {
    Decimal wallets, entries;
    for (AccountId a : engine.ledger().accounts()) {
      wallets += bal(a).total();
      Decimal reserved;
      for (const Order& o : engine.open_orders(a, kSwap)) reserved += o.frozen;
      for (const Position& p : engine.positions(a)) {
        entries += p.side == PositionSide::kLong ? p.entry_value : -p.entry_value;
        reserved += p.margin;
      }
      EXPECT_EQ(bal(a).frozen, reserved) << "account " << a;
    }
    EXPECT_EQ(wallets + entries, deposits + engine.bad_debt());
  }

  /// expect_conserved, plus: open interest is matched, positions are open, done orders hold nothing, and the
  /// margin view agrees with the ledger (no spot here: the wallet is the whole coin balance).
  void expect_consistent() {
    expect_conserved();
    Decimal net_size;
    for (AccountId a : engine.ledger().accounts()) {
      for (const Position& p : engine.positions(a)) {
        EXPECT_TRUE(p.size.is_positive()) << "account " << a;
        net_size += p.side == PositionSide::kLong ? p.size : -p.size;
      }
      for (const Order& o : engine.recent_orders(a)) EXPECT_TRUE(o.frozen.is_zero()) << "order " << o.id;
      const MarginSummary m = engine.margin_summary(a, kCoin);
      EXPECT_EQ(m.wallet, bal(a).total()) << "account " << a;
      EXPECT_FALSE(bal(a).available.is_negative()) << "account " << a;
    }
    EXPECT_EQ(net_size, Decimal{});
  }
};

TEST_F(InverseTest, ValueMarginAndFeesAreInTheCoin) {
  trade(kAlice, kBob, "50000", "1000");
  const Position a = pos(kAlice);
  EXPECT_EQ(a.side, PositionSide::kLong);
  EXPECT_EQ(a.size, "1000"_d);
  EXPECT_EQ(a.entry_value, "0.02"_d);  // 1000 USD / 50000
  EXPECT_EQ(a.entry_price, "50000"_d);
  EXPECT_EQ(a.margin, "0.002"_d);
  EXPECT_EQ(a.fees, "0.000012"_d);  // taker 0.0006 of 0.02 XBT
  EXPECT_EQ(pos(kBob).fees, "0.000004"_d);
  EXPECT_EQ(bal(kAlice), (Balance{"0.997988"_d, "0.002"_d}));
  EXPECT_EQ(engine.ledger().balance(kAlice, "USD"), Balance{});  // the quote never moves
  EXPECT_EQ(bal(kHouse).available, "0.000016"_d);
}

TEST_F(InverseTest, ALongLosesCoinWhenThePriceFallsAndGainsWhenItRises) {
  trade(kAlice, kBob, "50000", "1000");
  ASSERT_TRUE(engine.set_mark_price(kSwap, "40000"_d));
  EXPECT_EQ(pos(kAlice).unrealized_pnl, "-0.005"_d);  // 0.02 − 1000/40000
  EXPECT_EQ(pos(kBob).unrealized_pnl, "0.005"_d);
  ASSERT_TRUE(engine.set_mark_price(kSwap, "62500"_d));
  EXPECT_EQ(pos(kAlice).unrealized_pnl, "0.004"_d);  // 0.02 − 0.016

  // Alice sells her 1000 to Carol's bid at 62500: she realises +0.004 XBT; Carol opens long.
  ASSERT_TRUE(engine.place(OrderRequest::limit(kCarol, kSwap, Side::kBuy, "62500"_d, "1000"_d)).ok());
  ASSERT_TRUE(engine.place(OrderRequest::market(kAlice, kSwap, Side::kSell, "1000"_d)).ok());
  EXPECT_FALSE(engine.position(kAlice, kSwap));
  // 1 + 0.004 − fees (0.000012 + 0.0006 × 0.016)
  EXPECT_EQ(bal(kAlice), (Balance{"1.0039784"_d, Decimal{}}));
  EXPECT_EQ(pos(kCarol).entry_value, "0.016"_d);
  EXPECT_EQ(pos(kBob).entry_value, "0.02"_d);  // Bob's short is still open at 50000
}

TEST_F(InverseTest, EntryIsAveragedInOneOverPrice) {
  trade(kAlice, kBob, "50000", "1000");
  trade(kAlice, kBob, "40000", "1000");
  const Position a = pos(kAlice);
  EXPECT_EQ(a.entry_value, "0.045"_d);  // 0.02 + 0.025
  // 2000 / 0.045 = 44444.44…, the harmonic mean, not the arithmetic 45000.
  EXPECT_EQ(a.entry_price, "2000"_d.div("0.045"_d, Rounding::kHalfUp));
  EXPECT_LT(a.entry_price, "45000"_d);
}

TEST_F(InverseTest, FundingIsTheCoinNotionalAtTheMark) {
  trade(kAlice, kBob, "50000", "1000");
  ASSERT_TRUE(engine.set_mark_price(kSwap, "40000"_d));
  const Decimal alice0 = bal(kAlice).total(), bob0 = bal(kBob).total();
  EXPECT_EQ(engine.settle_funding(kSwap, "0.0001"_d), 2u);
  EXPECT_EQ(bal(kAlice).total(), alice0 - "0.0000025"_d);  // 0.025 XBT × 0.0001, the long pays
  EXPECT_EQ(bal(kBob).total(), bob0 + "0.0000025"_d);
}

TEST_F(InverseTest, AnIsolatedLongIsLiquidatedBelowItsCoinMaintenance) {
  deposit(kDave, "0.01");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kSwap, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kSwap, "50"_d).ok());
  trade(kDave, kBob, "50000", "1000");
  const Position d = pos(kDave);
  EXPECT_EQ(d.margin, "0.0004"_d);
  // Equity E + B − q/P equals maintenance q/P × m at P = q(1 + m)/(E + B) = 1005 / 0.0204.
  EXPECT_EQ(d.liquidation_price, "1005"_d.div("0.0204"_d, Rounding::kHalfUp));

  ASSERT_TRUE(engine.set_mark_price(kSwap, "49500"_d));  // above 49264.7: still open
  EXPECT_TRUE(engine.position(kDave, kSwap));
  ASSERT_TRUE(engine.set_mark_price(kSwap, "49000"_d));
  EXPECT_FALSE(engine.position(kDave, kSwap));
  ASSERT_EQ(rec.seen.size(), 1u);
  EXPECT_EQ(rec.seen[0].side, PositionSide::kLong);
  // 0.02 − 1000/49000, rounded half-up at 18 decimals like every inverse value.
  EXPECT_EQ(rec.seen[0].realized_pnl, "0.02"_d - "1000"_d.div("49000"_d, Rounding::kHalfUp));
}

TEST_F(InverseTest, AShortLosesCoinWhenThePriceRisesAndGainsWhenItFalls) {
  trade(kAlice, kBob, "50000", "1000");  // Bob sells 1000 USD of contracts: short, entry 0.02 XBT
  const Position b = pos(kBob);
  EXPECT_EQ(b.side, PositionSide::kShort);
  EXPECT_EQ(b.entry_value, "0.02"_d);
  ASSERT_TRUE(engine.set_mark_price(kSwap, "62500"_d));
  EXPECT_EQ(pos(kBob).unrealized_pnl, "-0.004"_d);  // 1000/62500 − 0.02: the coin value grew against him
  ASSERT_TRUE(engine.set_mark_price(kSwap, "40000"_d));
  EXPECT_EQ(pos(kBob).unrealized_pnl, "0.005"_d);  // 1000/40000 − 0.02

  // Bob buys his 1000 back from Carol's ask at 62500: he realises −0.004 XBT; Carol opens short.
  ASSERT_TRUE(engine.set_mark_price(kSwap, "62500"_d));
  const Decimal before = bal(kBob).total();
  ASSERT_TRUE(engine.place(OrderRequest::limit(kCarol, kSwap, Side::kSell, "62500"_d, "1000"_d)).ok());
  ASSERT_TRUE(engine.place(OrderRequest::market(kBob, kSwap, Side::kBuy, "1000"_d)).ok());
  EXPECT_FALSE(engine.position(kBob, kSwap));
  EXPECT_EQ(bal(kBob).total(), before - "0.004"_d - "0.0000096"_d);  // − taker fee 0.0006 × 0.016
  EXPECT_EQ(bal(kBob).frozen, Decimal{});
  const std::vector<AccountFill> fills = engine.recent_fills(kBob, kSwap, 0, 1);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].realized_pnl, "-0.004"_d);
  EXPECT_EQ(fills[0].position_side, PositionSide::kShort);
  EXPECT_EQ(fills[0].position_action, PositionAction::kClose);
  EXPECT_EQ(pos(kCarol).side, PositionSide::kShort);
  EXPECT_EQ(pos(kCarol).entry_value, "0.016"_d);
}

TEST_F(InverseTest, AShortReceivesFundingWhenTheRateIsPositive) {
  trade(kAlice, kBob, "50000", "1000");
  ASSERT_TRUE(engine.set_mark_price(kSwap, "62500"_d));
  const Decimal alice0 = bal(kAlice).total(), bob0 = bal(kBob).total();
  EXPECT_EQ(engine.settle_funding(kSwap, "0.0001"_d), 2u);
  EXPECT_EQ(bal(kBob).total(), bob0 + "0.0000016"_d);  // 0.016 XBT at the mark × 0.0001
  EXPECT_EQ(bal(kAlice).total(), alice0 - "0.0000016"_d);
  EXPECT_EQ(pos(kBob).funding, "0.0000016"_d);
  EXPECT_EQ(engine.settle_funding(kSwap, "-0.0001"_d), 2u);  // negative: the short pays
  EXPECT_EQ(bal(kBob).total(), bob0);
}

TEST_F(InverseTest, AnIsolatedShortIsLiquidatedWhenThePriceRises) {
  deposit(kDave, "0.01");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kSwap, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kSwap, "50"_d).ok());
  trade(kAlice, kDave, "50000", "1000");  // Dave's resting sell is taken: Dave is short
  const Position d = pos(kDave);
  EXPECT_EQ(d.side, PositionSide::kShort);
  EXPECT_EQ(d.margin, "0.0004"_d);
  // Equity B + (q/P − E) equals maintenance (q/P)·m at P = q(1 − m)/(E − B) = 995 / 0.0196.
  EXPECT_EQ(d.liquidation_price, "995"_d.div("0.0196"_d, Rounding::kHalfUp));

  ASSERT_TRUE(engine.set_mark_price(kSwap, "50500"_d));  // below 50765.3: still open
  EXPECT_TRUE(engine.position(kDave, kSwap));
  EXPECT_TRUE(rec.seen.empty());
  const Decimal wallet = bal(kDave).total();
  ASSERT_TRUE(engine.set_mark_price(kSwap, "51000"_d));
  EXPECT_FALSE(engine.position(kDave, kSwap));
  ASSERT_EQ(rec.seen.size(), 1u);
  const Liquidation& l = rec.seen[0];
  EXPECT_EQ(l.account, kDave);
  EXPECT_EQ(l.side, PositionSide::kShort);
  EXPECT_EQ(l.margin_mode, MarginMode::kIsolated);
  EXPECT_EQ(l.price, "51000"_d);
  // A short loses what the coin value of its USD grew: 1000/51000 − 0.02 (< 0), within its margin.
  const Decimal loss = "1000"_d.div("51000"_d, Rounding::kHalfUp) - "0.02"_d;
  EXPECT_EQ(l.realized_pnl, loss);
  EXPECT_EQ(l.covered_by_insurance, Decimal{});
  EXPECT_EQ(bal(kDave), (Balance{wallet + loss, Decimal{}}));  // the rest of the margin came back
  // The fee account took the short over at the mark.
  const auto house = engine.position(kHouse, kSwap);
  ASSERT_TRUE(house);
  EXPECT_EQ(house->side, PositionSide::kShort);
  EXPECT_EQ(house->size, "1000"_d);
  EXPECT_EQ(house->entry_value, "1000"_d.div("51000"_d, Rounding::kHalfUp));  // entry at the mark
}

TEST_F(InverseTest, ACrossShortIsLiquidatedAndItsUnpaidLossIsCovered) {
  deposit(kDave, "0.003");
  ASSERT_TRUE(engine.set_leverage(kDave, kSwap, "10"_d).ok());
  trade(kAlice, kDave, "50000", "1000");  // margin 0.002 of a 0.003 wallet (less the fee)
  EXPECT_EQ(pos(kDave).side, PositionSide::kShort);
  ASSERT_TRUE(engine.set_mark_price(kSwap, "60000"_d));  // loss 0.02 − 1000/60000 = 0.00333…: the wallet
  EXPECT_FALSE(engine.position(kDave, kSwap));
  ASSERT_EQ(rec.seen.size(), 1u);
  EXPECT_EQ(rec.seen[0].margin_mode, MarginMode::kCross);
  EXPECT_TRUE(rec.seen[0].covered_by_insurance.is_positive());  // more than Dave had: the fund paid
  EXPECT_EQ(bal(kDave), Balance{});
}

TEST_F(InverseTest, RandomTradingConservesCoin) {
  deposit(kDave, "0.05");
  deposit(kErin, "0.01");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kSwap, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kSwap, "40"_d).ok());
  ASSERT_TRUE(engine.set_leverage(kErin, kSwap, "100"_d).ok());
  ASSERT_TRUE(engine.set_position_mode(kCarol, PositionMode::kHedge).ok());
  random_run::Lcg next(20240917);
  const AccountId accounts[] = {kAlice, kBob, kCarol, kDave, kErin};
  int64_t mid = 100'000;  // in ticks of 0.5 → 50000
  std::size_t accepted = 0;
  for (int step = 0; step < 800; ++step) {
    clock_ms += 250;
    const AccountId a = accounts[next(5)];
    const Side side = next(2) == 0 ? Side::kBuy : Side::kSell;
    const Decimal qty = Decimal::from_int(static_cast<int64_t>(100 * (1 + next(50))));  // 100..5000 USD
    const OrderRequest r = random_run::order(
        next, a, kSwap, side, qty, mid, 20, [](int64_t ticks) { return Decimal::from_scaled(ticks * 5, 1); },
        a == kCarol);
    if (engine.place(r).ok()) ++accepted;
    if (next(10) == 0) {
      const auto open = engine.open_orders(accounts[next(5)], kSwap);
      if (!open.empty()) engine.cancel(open.front().account, open.front().id);
    }
    if (next(4) == 0) {
      mid += static_cast<int64_t>(next(2001)) - 1000;         // up to ±500 USD
      if (next(15) == 0) mid += next(2) == 0 ? 5000 : -5000;  // a 5 % jump now and then
      engine.set_mark_price(kSwap, Decimal::from_scaled(mid * 5, 1));
    }
    if (next(20) == 0)
      engine.settle_funding(kSwap, Decimal::from_scaled(static_cast<int64_t>(next(21)) - 10, 4));
    if (next(30) == 0)
      engine.set_funding_rate(kSwap, Decimal::from_scaled(static_cast<int64_t>(next(11)) - 5, 4));
    if (next(10) == 0) engine.poll_funding();  // the clock passes funding times too
    if (next(50) == 0) engine.set_leverage(accounts[next(5)], kSwap, Decimal::from_int(10 + next(91)));
    if (next(80) == 0) deposit(accounts[next(5)], "0.01");
    expect_consistent();
    if (::testing::Test::HasFailure()) FAIL() << "step " << step;
  }
  EXPECT_GT(accepted, 400u);
  std::size_t long_liqs = 0, short_liqs = 0, cross_liqs = 0, isolated_liqs = 0, covered = 0, funding = 0;
  std::size_t hedge_shorts = 0;
  for (AccountId a : accounts) {
    for (const Liquidation& l : engine.liquidations(a)) {
      (l.side == PositionSide::kLong ? long_liqs : short_liqs) += 1;
      (l.margin_mode == MarginMode::kCross ? cross_liqs : isolated_liqs) += 1;
      covered += l.covered_by_insurance.is_positive();
    }
    for (const Bill& b : engine.bills(a)) funding += b.type == BillType::kFunding;
  }
  for (const AccountFill& f : engine.recent_fills(kCarol))
    hedge_shorts += f.position_side == PositionSide::kShort;
  // The mix does reach liquidations of longs and shorts, cross and isolated, losses beyond the margin (paid
  // by the insurance fund), funding and both hedge positions.
  EXPECT_GT(long_liqs, 0u);
  EXPECT_GT(short_liqs, 0u);
  EXPECT_GT(cross_liqs, 0u);
  EXPECT_GT(isolated_liqs, 0u);
  EXPECT_GT(covered, 0u);
  EXPECT_GT(funding, 0u);
  EXPECT_GT(hedge_shorts, 0u);
}

TEST_F(InverseTest, AnInverseContractIsRefusedWithSpotKind) {
  Instrument in = xbtusd();
  in.symbol = "BAD";
  in.contract_kind = ContractKind::kSpot;
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
}

}  // namespace
}  // namespace nectar::sim
