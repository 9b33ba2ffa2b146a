// Inverse perpetual (BitMEX XBTUSD style: one contract = 1 USD, margin, P&L, fees and funding in XBT)
// accounting of the matching engine, with the coin-margined conservation law.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nectar/sim/matching_engine.hpp"

namespace nectar::sim {
namespace {

constexpr AccountId kHouse = 0;
constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;
constexpr AccountId kCarol = 3;
constexpr AccountId kDave = 4;
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

TEST_F(InverseTest, AnInverseContractIsRefusedWithSpotKind) {
  Instrument in = xbtusd();
  in.symbol = "BAD";
  in.contract_kind = ContractKind::kSpot;
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
}

}  // namespace
}  // namespace nectar::sim
