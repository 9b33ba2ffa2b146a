// Perpetual (USDT-margined linear swap) accounting of the matching engine: positions, margin, modes,
// leverage, fees, funding, liquidation and money conservation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nectar/sim/activity.hpp"
#include "nectar/sim/matching_engine.hpp"
#include "sim/random_orders.hpp"

namespace nectar::sim {
namespace {

constexpr AccountId kHouse = 0;  // fee account = insurance fund = funding/liquidation counterparty
constexpr AccountId kAlice = 1;
constexpr AccountId kBob = 2;
constexpr AccountId kCarol = 3;
constexpr AccountId kDave = 4;  // small accounts for margin and liquidation cases
constexpr AccountId kErin = 5;
const std::string kPerp = "BTCUSDT";
const std::string kSpot = "ETHUSDT_SPBL";

Instrument perp_btc() {
  Instrument in;
  in.symbol = kPerp;
  in.base = "BTC";
  in.quote = "USDT";
  in.kind = InstrumentKind::kPerpetual;
  in.settle = "USDT";
  in.tick = "0.1"_d;
  in.lot = "0.001"_d;
  in.min_size = "0.001"_d;
  in.maker_fee_rate = "0.0002"_d;
  in.taker_fee_rate = "0.0006"_d;
  in.min_leverage = "1"_d;
  in.max_leverage = "125"_d;
  in.default_leverage = "10"_d;
  in.maintenance_margin_rate = "0.005"_d;
  in.funding_interval_ms = 1000;  // short, so tests can step through intervals
  return in;
}

Instrument spot_eth() {
  Instrument in;
  in.symbol = kSpot;
  in.base = "ETH";
  in.quote = "USDT";
  in.tick = "0.01"_d;
  in.lot = "0.001"_d;
  in.maker_fee_rate = "0.001"_d;
  in.taker_fee_rate = "0.001"_d;
  return in;
}

struct Recorder : EngineListener {
  std::vector<std::string> log;
  std::vector<Position> positions;
  std::vector<Bill> bills;
  std::vector<Liquidation> liquidations;
  void on_fill(const Fill& f, const Order&, const Order&) override {
    log.push_back("fill " + f.qty.to_string() + "@" + f.price.to_string());
  }
  void on_position(const Position& p) override {
    log.push_back("position " + std::to_string(p.account) + " " + std::string(to_string(p.side)) + " " +
                  p.size.to_string());
    positions.push_back(p);
  }
  void on_bill(const Bill& b) override {
    log.push_back("bill " + std::to_string(b.account) + " " + std::string(to_string(b.type)) + " " +
                  b.amount.to_string());
    bills.push_back(b);
  }
  void on_liquidation(const Liquidation& l) override {
    log.push_back("liquidation " + std::to_string(l.account));
    liquidations.push_back(l);
  }
};

struct PerpTest : ::testing::Test {
  int64_t clock_ms = 1'700'000'000'000;
  MatchingEngine engine{make_config()};
  Recorder rec;
  Decimal deposits;

  EngineConfig make_config() {
    EngineConfig c;
    c.fee_account = kHouse;
    c.clock = [this] { return clock_ms; };
    return c;
  }

  void SetUp() override {
    engine.add_instrument(perp_btc());
    engine.add_instrument(spot_eth());
    for (AccountId a : {kAlice, kBob, kCarol}) deposit(a, "10000");
    engine.add_listener(&rec);
  }
  void TearDown() override { expect_consistent(); }

  void deposit(AccountId a, const char* amount) {
    engine.ledger().deposit(a, "USDT", Decimal::parse(amount));
    deposits += Decimal::parse(amount);
  }

  OrderRequest req(AccountId a, Side s, const char* price, const char* qty) {
    return price == nullptr ? OrderRequest::market(a, kPerp, s, Decimal::parse(qty))
                            : OrderRequest::limit(a, kPerp, s, Decimal::parse(price), Decimal::parse(qty));
  }
  PlaceResult limit(AccountId a, Side s, const char* price, const char* qty, bool reduce_only = false) {
    OrderRequest r = req(a, s, price, qty);
    r.reduce_only = reduce_only;
    return engine.place(r);
  }
  PlaceResult market(AccountId a, Side s, const char* qty, bool reduce_only = false) {
    OrderRequest r = req(a, s, nullptr, qty);
    r.reduce_only = reduce_only;
    return engine.place(r);
  }
  PlaceResult hedge(AccountId a, Side s, PositionAction action, const char* price, const char* qty) {
    OrderRequest r = req(a, s, price, qty);
    r.position_action = action;
    return engine.place(r);
  }
  /// maker rests, taker takes it at once: one fill of qty at price.
  void trade(AccountId buyer, AccountId seller, const char* price, const char* qty, bool buyer_takes = true) {
    if (buyer_takes) {
      ASSERT_TRUE(limit(seller, Side::kSell, price, qty).ok());
      ASSERT_TRUE(market(buyer, Side::kBuy, qty).ok());
    } else {
      ASSERT_TRUE(limit(buyer, Side::kBuy, price, qty).ok());
      ASSERT_TRUE(market(seller, Side::kSell, qty).ok());
    }
  }

  Balance bal(AccountId a) const { return engine.ledger().balance(a, "USDT"); }
  Position pos(AccountId a, PositionSide side = PositionSide::kBoth) const {
    auto p = engine.position(a, kPerp, side);
    EXPECT_TRUE(p) << "no position for account " << a;
    return p ? *p : Position{};
  }

  /// The ledger agrees with the engine's records, open interest is matched, and money is conserved:
  /// Σ wallets − Σ signed entry values == deposits + bad debt (see docs/perpetuals-sim.md).
  void expect_consistent() {
    Decimal wallets, entries, net_size;
    for (AccountId a : engine.ledger().accounts()) {
      wallets += engine.ledger().balance(a, "USDT").total();
      Decimal reserved;
      for (const Order& o : engine.open_orders(a, kPerp)) reserved += o.frozen;
      for (const Position& p : engine.positions(a)) {
        const bool is_long = p.side == PositionSide::kLong;
        entries += is_long ? p.entry_value : -p.entry_value;
        net_size += is_long ? p.size : -p.size;
        reserved += p.margin;
        EXPECT_TRUE(p.size.is_positive());
      }
      Decimal spot_frozen;
      for (const Order& o : engine.open_orders(a, kSpot))
        if (o.side == Side::kBuy) spot_frozen += o.frozen;
      EXPECT_EQ(engine.ledger().balance(a, "USDT").frozen, reserved + spot_frozen) << "account " << a;
      for (const Order& o : engine.recent_orders(a)) EXPECT_TRUE(o.frozen.is_zero()) << o.id;
    }
    EXPECT_EQ(net_size, Decimal{});
    EXPECT_EQ(wallets - entries, deposits + engine.bad_debt());
  }
};

// ---- opening, fees, margin ----

TEST_F(PerpTest, OpenLongAndShortOneWay) {
  const PlaceResult maker = limit(kBob, Side::kSell, "100", "1");
  ASSERT_TRUE(maker.ok()) << maker.message;
  // Reserve: 100 / 10 initial margin + 100 × 0.0006 fee reserve; no BTC involved.
  EXPECT_EQ(engine.order(maker.order_id)->frozen, "10.06"_d);
  EXPECT_EQ(bal(kBob), (Balance{"9989.94"_d, "10.06"_d}));
  EXPECT_EQ(engine.ledger().balance(kBob, "BTC"), Balance{});
  EXPECT_EQ(engine.order(maker.order_id)->fee_asset, "USDT");

  const PlaceResult taker = market(kAlice, Side::kBuy, "1");
  ASSERT_TRUE(taker.ok()) << taker.message;
  EXPECT_EQ(taker.status, OrderStatus::kFilled);

  const Position a = pos(kAlice);
  EXPECT_EQ(a.side, PositionSide::kLong);
  EXPECT_EQ(a.size, "1"_d);
  EXPECT_EQ(a.entry_price, "100"_d);
  EXPECT_EQ(a.margin, "10"_d);
  EXPECT_EQ(a.leverage, "10"_d);
  EXPECT_EQ(a.margin_mode, MarginMode::kCross);
  EXPECT_EQ(a.fees, "0.06"_d);
  const Position b = pos(kBob);
  EXPECT_EQ(b.side, PositionSide::kShort);
  EXPECT_EQ(b.size, "1"_d);
  EXPECT_EQ(b.margin, "10"_d);
  EXPECT_EQ(b.fees, "0.02"_d);  // maker rate

  // Fees in the settle asset to the fee account; margin frozen.
  EXPECT_EQ(bal(kAlice), (Balance{"9989.94"_d, "10"_d}));
  EXPECT_EQ(bal(kBob), (Balance{"9989.98"_d, "10"_d}));
  EXPECT_EQ(bal(kHouse).available, "0.08"_d);

  const auto fills = engine.recent_fills(kAlice, kPerp);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fee, "0.06"_d);
  EXPECT_EQ(fills[0].fee_asset, "USDT");
  EXPECT_EQ(fills[0].position_action, PositionAction::kOpen);
  EXPECT_EQ(fills[0].position_side, PositionSide::kLong);

  const auto bills = engine.bills(kAlice);
  ASSERT_EQ(bills.size(), 1u);
  EXPECT_EQ(bills[0].type, BillType::kTrade);
  EXPECT_EQ(bills[0].action, PositionAction::kOpen);
  EXPECT_EQ(bills[0].fee, "0.06"_d);
  EXPECT_EQ(bills[0].balance, "9999.94"_d);

  const MarginSummary s = engine.margin_summary(kAlice, "USDT");
  EXPECT_EQ(s.wallet, "9999.94"_d);
  EXPECT_EQ(s.position_margin, "10"_d);
  EXPECT_EQ(s.available, "9989.94"_d);
  EXPECT_EQ(s.maintenance_margin, "0.5"_d);  // 100 × 0.005 at the mark (last trade)
}

TEST_F(PerpTest, EventsFollowTheFill) {
  trade(kAlice, kBob, "100", "1");
  // Each fill: on_fill, then the positions and bills of both legs (buyer first).
  const std::vector<std::string> want{"fill 1@100", "position 1 LONG 1", "bill 1 trade 0",
                                      "position 2 SHORT 1", "bill 2 trade 0"};
  EXPECT_EQ(rec.log, want);
}

TEST_F(PerpTest, EntryAveragingPartialCloseAndRealizedPnl) {
  trade(kAlice, kBob, "100", "1");
  trade(kAlice, kBob, "110", "1");
  Position a = pos(kAlice);
  EXPECT_EQ(a.size, "2"_d);
  EXPECT_EQ(a.entry_value, "210"_d);
  EXPECT_EQ(a.entry_price, "105"_d);
  EXPECT_EQ(a.margin, "21"_d);

  // Bob (short 2 @ 105) bids 0.5 @ 120; Alice sells into it: Alice +7.5, Bob −7.5.
  ASSERT_TRUE(limit(kBob, Side::kBuy, "120", "0.5").ok());
  ASSERT_TRUE(market(kAlice, Side::kSell, "0.5").ok());
  a = pos(kAlice);
  EXPECT_EQ(a.size, "1.5"_d);
  EXPECT_EQ(a.entry_price, "105"_d);
  EXPECT_EQ(a.entry_value, "157.5"_d);
  EXPECT_EQ(a.realized_pnl, "7.5"_d);
  EXPECT_EQ(a.margin, "15.75"_d);  // released pro rata
  const Position b = pos(kBob);
  EXPECT_EQ(b.realized_pnl, "-7.5"_d);
  EXPECT_EQ(b.size, "1.5"_d);

  const auto fills = engine.recent_fills(kAlice, kPerp, 0, 1);
  EXPECT_EQ(fills[0].realized_pnl, "7.5"_d);
  EXPECT_EQ(fills[0].position_action, PositionAction::kClose);
  // Alice's fees: taker 0.06 + 0.066 + 0.036; Alice's wallet = 10000 + 7.5 − fees.
  EXPECT_EQ(engine.margin_summary(kAlice, "USDT").wallet, "10007.338"_d);
  EXPECT_EQ(engine.bills(kAlice)[0].amount, "7.5"_d);
}

TEST_F(PerpTest, ShortOpenThenCloseAtProfitReleasesAllMargin) {
  trade(kBob, kAlice, "100", "1", /*buyer_takes=*/false);  // Alice sells (taker) to Bob's bid
  EXPECT_EQ(pos(kAlice).side, PositionSide::kShort);
  trade(kAlice, kBob, "90", "1");  // Alice buys back from Bob's ask at 90
  EXPECT_FALSE(engine.position(kAlice, kPerp));
  EXPECT_FALSE(engine.position(kBob, kPerp));
  EXPECT_EQ(bal(kAlice).frozen, Decimal{});
  // +10 realised, taker fees 0.06 + 0.054.
  EXPECT_EQ(bal(kAlice).available, "10009.886"_d);
  // Bob −10 and maker fees 0.02 + 0.018.
  EXPECT_EQ(bal(kBob).available, "9989.962"_d);
  ASSERT_FALSE(rec.positions.empty());
  EXPECT_EQ(rec.positions.back().size, Decimal{});  // the close is reported with size 0
}

TEST_F(PerpTest, OneWayFlipClosesThenOpens) {
  trade(kAlice, kBob, "100", "1");
  ASSERT_TRUE(limit(kBob, Side::kBuy, "100", "3").ok());
  ASSERT_TRUE(market(kAlice, Side::kSell, "3").ok());
  const Position a = pos(kAlice);
  EXPECT_EQ(a.side, PositionSide::kShort);
  EXPECT_EQ(a.size, "2"_d);
  EXPECT_EQ(a.entry_price, "100"_d);
  EXPECT_EQ(a.margin, "20"_d);
  EXPECT_EQ(a.realized_pnl, Decimal{});  // a new position
  const auto bills = engine.bills(kAlice);
  ASSERT_EQ(bills.size(), 3u);
  EXPECT_EQ(bills[0].action, PositionAction::kOpen);
  EXPECT_EQ(bills[0].side, PositionSide::kShort);
  EXPECT_EQ(bills[1].action, PositionAction::kClose);
  EXPECT_EQ(bills[1].side, PositionSide::kLong);
  EXPECT_EQ(pos(kBob).side, PositionSide::kLong);
  EXPECT_EQ(pos(kBob).size, "2"_d);
}

TEST_F(PerpTest, PartialFillsReleaseTheReserveProRata) {
  const PlaceResult r = limit(kAlice, Side::kBuy, "100", "2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(engine.order(r.order_id)->frozen, "20.12"_d);
  ASSERT_TRUE(market(kBob, Side::kSell, "0.5").ok());
  const Order o = *engine.order(r.order_id);
  EXPECT_EQ(o.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(o.frozen, "15.09"_d);  // 20.12 − (5 margin + 0.03 fee reserve)
  EXPECT_EQ(pos(kAlice).margin, "5"_d);
  EXPECT_EQ(pos(kAlice).fees, "0.01"_d);  // maker
  EXPECT_EQ(bal(kAlice).frozen, "20.09"_d);
  EXPECT_EQ(engine.margin_summary(kAlice, "USDT").order_margin, "15.09"_d);
  ASSERT_TRUE(engine.cancel(kAlice, r.order_id).ok());
  EXPECT_EQ(bal(kAlice), (Balance{"9994.99"_d, "5"_d}));
}

TEST_F(PerpTest, InsufficientMarginShowsTheNumbers) {
  deposit(kDave, "50");
  PlaceResult r = limit(kDave, Side::kBuy, "100", "10");
  EXPECT_EQ(r.reason, RejectReason::kInsufficientMargin);
  EXPECT_EQ(r.message,
            "insufficient margin: available 50 USDT, required 100.6 (initial margin 100 = notional 1000 / "
            "leverage 10, plus fee reserve 0.6)");
  EXPECT_EQ(to_string(r.reason), "insufficient_margin");
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "20"_d).ok());
  EXPECT_EQ(limit(kDave, Side::kBuy, "100", "10").reason, RejectReason::kInsufficientMargin);  // 50.6
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "25"_d).ok());
  r = limit(kDave, Side::kBuy, "100", "10");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(engine.order(r.order_id)->frozen, "40.6"_d);
  // Lowering the leverage again must re-reserve 60 more, which is not there.
  const PerpResult lev = engine.set_leverage(kDave, kPerp, "10"_d);
  EXPECT_EQ(lev.reason, RejectReason::kInsufficientMargin);
  EXPECT_EQ(engine.leverage(kDave, kPerp), "25"_d);
  EXPECT_EQ(engine.order(r.order_id)->frozen, "40.6"_d);
  // Raising it releases margin of the open order.
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "50"_d).ok());
  EXPECT_EQ(engine.order(r.order_id)->frozen, "20.6"_d);
  EXPECT_EQ(bal(kDave), (Balance{"29.4"_d, "20.6"_d}));
}

TEST_F(PerpTest, MarketOrderReservesTheSweepAndUnrealizedLossesReduceAvailable) {
  ASSERT_TRUE(limit(kBob, Side::kSell, "100", "1").ok());
  ASSERT_TRUE(limit(kBob, Side::kSell, "101", "1").ok());
  ASSERT_TRUE(market(kAlice, Side::kBuy, "2").ok());
  EXPECT_EQ(pos(kAlice).entry_value, "201"_d);
  EXPECT_EQ(pos(kAlice).margin, "20.1"_d);
  ASSERT_TRUE(engine.set_mark_price(kPerp, "90"_d));
  const MarginSummary s = engine.margin_summary(kAlice, "USDT");
  EXPECT_EQ(s.unrealized_pnl, "-21"_d);
  EXPECT_EQ(s.equity, s.wallet - "21"_d);
  EXPECT_EQ(s.available, bal(kAlice).available - "21"_d);  // cross losses count
  EXPECT_EQ(pos(kAlice).unrealized_pnl, "-21"_d);
  EXPECT_EQ(pos(kAlice).mark_price, "90"_d);
  // Profits do not add to available.
  ASSERT_TRUE(engine.set_mark_price(kPerp, "110"_d));
  EXPECT_EQ(engine.margin_summary(kAlice, "USDT").available, bal(kAlice).available);
}

TEST_F(PerpTest, LeverageBoundsAndSymbols) {
  EXPECT_EQ(engine.leverage(kAlice, kPerp), "10"_d);  // the instrument default
  EXPECT_EQ(engine.set_leverage(kAlice, kPerp, "0.5"_d).reason, RejectReason::kLeverageOutOfRange);
  const PerpResult high = engine.set_leverage(kAlice, kPerp, "126"_d);
  EXPECT_EQ(high.reason, RejectReason::kLeverageOutOfRange);
  EXPECT_EQ(high.message, "leverage 126 is outside [1, 125] for BTCUSDT");
  EXPECT_TRUE(engine.set_leverage(kAlice, kPerp, "125"_d).ok());
  EXPECT_EQ(engine.leverage(kAlice, kPerp), "125"_d);
  EXPECT_EQ(engine.set_leverage(kAlice, kSpot, "2"_d).reason, RejectReason::kNotPerpetual);
  EXPECT_EQ(engine.set_leverage(kAlice, "NOPE", "2"_d).reason, RejectReason::kUnknownSymbol);
  EXPECT_EQ(engine.leverage(kBob, kPerp), "10"_d);  // per account

  // With a position: the margin follows the leverage.
  ASSERT_TRUE(engine.set_leverage(kAlice, kPerp, "10"_d).ok());
  trade(kAlice, kBob, "100", "1");
  ASSERT_TRUE(engine.set_leverage(kAlice, kPerp, "4"_d).ok());
  EXPECT_EQ(pos(kAlice).margin, "25"_d);
  EXPECT_EQ(pos(kAlice).leverage, "4"_d);
  EXPECT_EQ(bal(kAlice).frozen, "25"_d);
}

TEST_F(PerpTest, ModeSwitchesRefusedWithPositionsOrOrders) {
  const PlaceResult o = limit(kAlice, Side::kBuy, "90", "1");
  ASSERT_TRUE(o.ok());
  PerpResult r = engine.set_position_mode(kAlice, PositionMode::kHedge);
  EXPECT_EQ(r.reason, RejectReason::kOpenPositionsOrOrders);
  EXPECT_EQ(r.message,
            "account 1: position mode cannot change while it has perpetual positions or open orders");
  EXPECT_EQ(engine.set_margin_mode(kAlice, kPerp, MarginMode::kIsolated).reason,
            RejectReason::kOpenPositionsOrOrders);
  ASSERT_TRUE(engine.cancel(kAlice, o.order_id).ok());

  trade(kAlice, kBob, "100", "1");
  EXPECT_EQ(engine.set_position_mode(kAlice, PositionMode::kHedge).reason,
            RejectReason::kOpenPositionsOrOrders);
  EXPECT_EQ(engine.set_margin_mode(kAlice, kPerp, MarginMode::kIsolated).reason,
            RejectReason::kOpenPositionsOrOrders);
  // Spot orders do not count.
  ASSERT_TRUE(engine.place(OrderRequest::limit(kCarol, kSpot, Side::kBuy, "10"_d, "1"_d)).ok());
  EXPECT_TRUE(engine.set_position_mode(kCarol, PositionMode::kHedge).ok());
  EXPECT_EQ(engine.position_mode(kCarol), PositionMode::kHedge);

  trade(kBob, kAlice, "100", "1");  // Alice closes
  EXPECT_FALSE(engine.position(kAlice, kPerp));
  EXPECT_TRUE(engine.set_position_mode(kAlice, PositionMode::kHedge).ok());
  EXPECT_TRUE(engine.set_margin_mode(kAlice, kPerp, MarginMode::kIsolated).ok());
  EXPECT_EQ(engine.margin_mode(kAlice, kPerp), MarginMode::kIsolated);
  EXPECT_EQ(engine.margin_mode(kBob, kPerp), MarginMode::kCross);
}

TEST_F(PerpTest, HedgeModeLongAndShortSideBySide) {
  ASSERT_TRUE(engine.set_position_mode(kAlice, PositionMode::kHedge).ok());
  EXPECT_EQ(limit(kAlice, Side::kBuy, "100", "1").reason, RejectReason::kPositionModeMismatch);
  ASSERT_TRUE(limit(kBob, Side::kSell, "100", "1").ok());
  ASSERT_TRUE(hedge(kAlice, Side::kBuy, PositionAction::kOpen, nullptr, "1").ok());  // open long
  ASSERT_TRUE(limit(kBob, Side::kBuy, "100", "2").ok());
  ASSERT_TRUE(hedge(kAlice, Side::kSell, PositionAction::kOpen, nullptr, "2").ok());  // open short
  EXPECT_EQ(pos(kAlice, PositionSide::kLong).size, "1"_d);
  EXPECT_EQ(pos(kAlice, PositionSide::kShort).size, "2"_d);
  EXPECT_EQ(engine.positions(kAlice).size(), 2u);
  EXPECT_EQ(pos(kAlice, PositionSide::kShort).margin, "20"_d);

  // Close long: sell + close. More than held is a clear rejection.
  PlaceResult r = hedge(kAlice, Side::kSell, PositionAction::kClose, nullptr, "1.5");
  EXPECT_EQ(r.reason, RejectReason::kCloseExceedsPosition);
  EXPECT_EQ(r.message,
            "close 1.5 exceeds the closable long position 1 on BTCUSDT (held 1, in open close orders 0)");
  ASSERT_TRUE(limit(kCarol, Side::kBuy, "110", "1").ok());
  r = hedge(kAlice, Side::kSell, PositionAction::kClose, nullptr, "1");
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(engine.order(r.order_id)->frozen, Decimal{});  // closes reserve nothing
  EXPECT_EQ(engine.order(r.order_id)->position_side, PositionSide::kLong);
  EXPECT_FALSE(engine.position(kAlice, kPerp, PositionSide::kLong));
  EXPECT_EQ(pos(kAlice, PositionSide::kShort).size, "2"_d);
  EXPECT_EQ(engine.bills(kAlice)[0].amount, "10"_d);  // realised on the long

  // Position side must agree with side + action; one-way orders carry none.
  OrderRequest bad = req(kAlice, Side::kBuy, "90", "1");
  bad.position_action = PositionAction::kOpen;
  bad.position_side = PositionSide::kShort;
  EXPECT_EQ(engine.place(bad).reason, RejectReason::kInvalidParameter);
  OrderRequest oneway = req(kBob, Side::kBuy, "90", "1");
  oneway.position_side = PositionSide::kLong;
  EXPECT_EQ(engine.place(oneway).reason, RejectReason::kPositionModeMismatch);
  // Nothing to close on the long side any more.
  EXPECT_EQ(hedge(kAlice, Side::kSell, PositionAction::kClose, "120", "0.1").reason,
            RejectReason::kCloseExceedsPosition);
}

TEST_F(PerpTest, ReduceOnlyRules) {
  PlaceResult r = market(kAlice, Side::kSell, "1", /*reduce_only=*/true);
  EXPECT_EQ(r.reason, RejectReason::kCloseExceedsPosition);
  EXPECT_EQ(r.message, "close 1: no long position to close on BTCUSDT");
  trade(kAlice, kBob, "100", "1");
  r = limit(kAlice, Side::kBuy, "90", "0.1", true);
  EXPECT_EQ(r.reason, RejectReason::kReduceOnlyWouldIncrease);
  EXPECT_EQ(r.message, "reduce-only buy would increase the long position of 1 BTCUSDT");
  EXPECT_EQ(limit(kAlice, Side::kSell, "120", "2", true).reason, RejectReason::kCloseExceedsPosition);
  // Resting close orders count against what is closable.
  const PlaceResult first = limit(kAlice, Side::kSell, "120", "0.6", true);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(engine.order(first.order_id)->frozen, Decimal{});
  EXPECT_EQ(limit(kAlice, Side::kSell, "121", "0.6", true).reason, RejectReason::kCloseExceedsPosition);
  EXPECT_TRUE(limit(kAlice, Side::kSell, "121", "0.4", true).ok());

  // A reduce-only order never flips: Alice closes with a plain order; the resting reduce-only orders are
  // cancelled when they are hit instead of opening a short.
  ASSERT_TRUE(limit(kCarol, Side::kBuy, "100", "1").ok());
  ASSERT_TRUE(market(kAlice, Side::kSell, "1").ok());
  EXPECT_FALSE(engine.position(kAlice, kPerp));
  ASSERT_TRUE(market(kBob, Side::kBuy, "1").ok());
  EXPECT_EQ(engine.order(first.order_id)->status, OrderStatus::kCancelled);
  EXPECT_FALSE(engine.position(kAlice, kPerp));
  EXPECT_TRUE(engine.open_orders(kAlice).empty());
}

TEST_F(PerpTest, ReduceOnlyIsTrimmedToThePosition) {
  trade(kAlice, kBob, "100", "1");
  const PlaceResult ro = limit(kAlice, Side::kSell, "120", "1", true);
  ASSERT_TRUE(ro.ok());
  // Half of the position goes elsewhere; the reduce-only order then fills only the rest.
  ASSERT_TRUE(limit(kCarol, Side::kBuy, "100", "0.5").ok());
  ASSERT_TRUE(market(kAlice, Side::kSell, "0.5").ok());
  ASSERT_TRUE(market(kBob, Side::kBuy, "1").ok());
  const Order o = *engine.order(ro.order_id);
  EXPECT_EQ(o.filled_qty, "0.5"_d);
  EXPECT_EQ(o.status, OrderStatus::kCancelled);
  EXPECT_FALSE(engine.position(kAlice, kPerp));
}

// ---- funding ----

TEST_F(PerpTest, FundingOncePerIntervalWithSign) {
  trade(kAlice, kBob, "100", "1");
  ASSERT_TRUE(engine.set_mark_price(kPerp, "100"_d));
  ASSERT_TRUE(engine.set_funding_rate(kPerp, "0.0001"_d));
  const int64_t next = engine.next_funding_ms(kPerp);
  EXPECT_EQ(next % 1000, 0);
  EXPECT_GT(next, clock_ms);
  EXPECT_EQ(engine.poll_funding(), 0u);  // not due yet
  const Decimal alice0 = bal(kAlice).available, bob0 = bal(kBob).available, house0 = bal(kHouse).available;

  clock_ms = next;
  EXPECT_EQ(engine.poll_funding(), 1u);
  EXPECT_EQ(engine.poll_funding(), 0u);  // once per interval
  EXPECT_EQ(engine.next_funding_ms(kPerp), next + 1000);
  EXPECT_EQ(bal(kAlice).available, alice0 - "0.01"_d);  // long pays 100 × 0.0001
  EXPECT_EQ(bal(kBob).available, bob0 + "0.01"_d);
  EXPECT_EQ(bal(kHouse).available, house0);
  const auto bills = engine.bills(kAlice, next);
  ASSERT_EQ(bills.size(), 1u);
  EXPECT_EQ(bills[0].type, BillType::kFunding);
  EXPECT_EQ(bills[0].amount, "-0.01"_d);
  EXPECT_EQ(bills[0].ts_ms, next);
  EXPECT_EQ(pos(kAlice).funding, "-0.01"_d);
  EXPECT_EQ(engine.bills(kBob, next)[0].amount, "0.01"_d);
  EXPECT_LT(bills[0].id, engine.bills(kBob, next)[0].id);  // payers are settled first
  EXPECT_EQ(rec.bills.back().type, BillType::kFunding);

  // Negative rate: shorts pay, at the current mark; missed intervals collapse into one settlement.
  ASSERT_TRUE(engine.set_funding_rate(kPerp, "-0.0002"_d));
  ASSERT_TRUE(engine.set_mark_price(kPerp, "150"_d));
  clock_ms = next + 5500;
  EXPECT_EQ(engine.poll_funding(), 1u);
  EXPECT_EQ(engine.next_funding_ms(kPerp), next + 6000);
  EXPECT_EQ(bal(kAlice).available, alice0 - "0.01"_d + "0.03"_d);
  EXPECT_EQ(bal(kBob).available, bob0 + "0.01"_d - "0.03"_d);

  // Explicit settlement; zero rate writes nothing.
  EXPECT_EQ(engine.settle_funding(kPerp, "0.001"_d), 2u);
  EXPECT_EQ(bal(kAlice).available, alice0 - "0.01"_d + "0.03"_d - "0.15"_d);
  EXPECT_EQ(engine.settle_funding(kPerp, Decimal{}), 0u);
  EXPECT_EQ(engine.settle_funding(kSpot, "0.001"_d), 0u);
}

TEST_F(PerpTest, FundingRoundingNeverCostsTheHouse) {
  trade(kAlice, kBob, "100.1", "0.003");
  trade(kAlice, kCarol, "100.1", "0.007");
  ASSERT_TRUE(engine.set_mark_price(kPerp, "100.3"_d));
  const Decimal house0 = bal(kHouse).available;
  EXPECT_EQ(engine.settle_funding(kPerp, "-0.000123"_d), 3u);
  EXPECT_GE(bal(kHouse).available, house0);
}

// ---- liquidation ----

TEST_F(PerpTest, IsolatedOverLeveredPositionIsLiquidatedAtTheMark) {
  deposit(kDave, "10");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kPerp, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "50"_d).ok());
  trade(kDave, kBob, "100", "1");
  Position d = pos(kDave);
  EXPECT_EQ(d.margin, "2"_d);
  EXPECT_EQ(d.margin_mode, MarginMode::kIsolated);
  // margin + size × (P − entry) = size × P × mmr  →  P = (100 − 2) / 0.995
  EXPECT_EQ(d.liquidation_price, "98"_d.div("0.995"_d, Rounding::kHalfUp));
  EXPECT_EQ(bal(kDave), (Balance{"7.94"_d, "2"_d}));

  ASSERT_TRUE(engine.set_mark_price(kPerp, "98.6"_d));  // equity 0.6 > maintenance 0.493
  EXPECT_TRUE(engine.position(kDave, kPerp));
  EXPECT_TRUE(rec.liquidations.empty());

  ASSERT_TRUE(engine.set_mark_price(kPerp, "98.4"_d));  // equity 0.4 <= maintenance 0.492
  EXPECT_FALSE(engine.position(kDave, kPerp));
  ASSERT_EQ(rec.liquidations.size(), 1u);
  const Liquidation& l = rec.liquidations[0];
  EXPECT_EQ(l.account, kDave);
  EXPECT_EQ(l.side, PositionSide::kLong);
  EXPECT_EQ(l.margin_mode, MarginMode::kIsolated);
  EXPECT_EQ(l.size, "1"_d);
  EXPECT_EQ(l.entry_price, "100"_d);
  EXPECT_EQ(l.price, "98.4"_d);
  EXPECT_EQ(l.realized_pnl, "-1.6"_d);
  EXPECT_EQ(l.covered_by_insurance, Decimal{});
  // The loss is taken from the position's margin; the rest returns to the wallet.
  EXPECT_EQ(bal(kDave), (Balance{"8.34"_d, Decimal{}}));
  EXPECT_EQ(engine.liquidations(kDave).size(), 1u);
  const auto bills = engine.bills(kDave);
  EXPECT_EQ(bills[0].type, BillType::kLiquidation);
  EXPECT_EQ(bills[0].amount, "-1.6"_d);
  EXPECT_EQ(bills[0].id, l.id);
  // The exchange took the position over at the mark; Bob's short is untouched.
  const Position h = pos(kHouse);
  EXPECT_EQ(h.side, PositionSide::kLong);
  EXPECT_EQ(h.entry_price, "98.4"_d);
  EXPECT_EQ(h.margin, Decimal{});
  EXPECT_EQ(pos(kBob).size, "1"_d);
  // Events: the close (size 0), then the liquidation, then its bill.
  const auto& log = rec.log;
  auto at = [&](const std::string& line) { return std::find(log.begin(), log.end(), line) - log.begin(); };
  EXPECT_LT(at("position 4 LONG 0"), at("liquidation 4"));
  EXPECT_LT(at("liquidation 4"), at("bill 4 liquidation -1.6"));
}

TEST_F(PerpTest, CrossAccountIsLiquidatedWhenEquityFallsToMaintenance) {
  deposit(kErin, "5");
  ASSERT_TRUE(engine.set_leverage(kErin, kPerp, "50"_d).ok());
  trade(kErin, kBob, "100", "1");
  // wallet 4.94 + (P − 100) = 0.005 P  →  P = 95.06 / 0.995
  EXPECT_EQ(pos(kErin).liquidation_price, "95.06"_d.div("0.995"_d, Rounding::kHalfUp));
  // An open order is cancelled by the liquidation and its reserve returns first.
  const PlaceResult o = limit(kErin, Side::kBuy, "50", "0.01");
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE(engine.set_mark_price(kPerp, "95.6"_d));
  EXPECT_TRUE(engine.position(kErin, kPerp));
  ASSERT_TRUE(engine.set_mark_price(kPerp, "95.5"_d));
  EXPECT_FALSE(engine.position(kErin, kPerp));
  EXPECT_EQ(engine.order(o.order_id)->status, OrderStatus::kCancelled);
  EXPECT_EQ(bal(kErin), (Balance{"0.44"_d, Decimal{}}));
  EXPECT_EQ(engine.liquidations(kErin)[0].margin_mode, MarginMode::kCross);
  EXPECT_EQ(engine.bad_debt(), Decimal{});
}

TEST_F(PerpTest, GapLiquidationLossIsCoveredByInsuranceThenBadDebt) {
  deposit(kErin, "5");
  ASSERT_TRUE(engine.set_leverage(kErin, kPerp, "50"_d).ok());
  trade(kErin, kBob, "100", "1");
  const Decimal house_before = bal(kHouse).available;  // 0.08 of fees
  ASSERT_TRUE(engine.set_mark_price(kPerp, "90"_d));   // loss 10 > wallet 4.94
  EXPECT_FALSE(engine.position(kErin, kPerp));
  EXPECT_EQ(bal(kErin), Balance{});  // never negative
  const Liquidation l = engine.liquidations(kErin)[0];
  EXPECT_EQ(l.realized_pnl, "-10"_d);
  EXPECT_EQ(l.covered_by_insurance, "5.06"_d);
  EXPECT_EQ(engine.bills(kErin)[0].amount, "-4.94"_d);  // what the account actually lost
  // The fee account paid what it had; the rest is bad debt. The invariant (TearDown) accounts for it.
  EXPECT_EQ(engine.bad_debt(), "5.06"_d - house_before);
  EXPECT_EQ(bal(kHouse).available, Decimal{});
}

TEST_F(PerpTest, ShortIsLiquidatedWhenThePriceRises) {
  deposit(kDave, "10");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kPerp, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "20"_d).ok());
  trade(kBob, kDave, "100", "1", /*buyer_takes=*/false);
  // margin 5: (100 + 5) / 1.005
  const Decimal liq = "105"_d.div("1.005"_d, Rounding::kHalfUp);
  EXPECT_EQ(pos(kDave).liquidation_price, liq);
  ASSERT_TRUE(engine.set_mark_price(kPerp, "104.4"_d));
  EXPECT_TRUE(engine.position(kDave, kPerp));
  ASSERT_TRUE(engine.set_mark_price(kPerp, "104.5"_d));
  EXPECT_FALSE(engine.position(kDave, kPerp));
  EXPECT_EQ(pos(kHouse).side, PositionSide::kShort);
}

TEST_F(PerpTest, FundingCanTriggerLiquidation) {
  deposit(kDave, "10");
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "50"_d).ok());
  trade(kDave, kBob, "100", "1");
  ASSERT_TRUE(engine.set_mark_price(kPerp, "100"_d));
  EXPECT_TRUE(engine.position(kDave, kPerp));
  EXPECT_EQ(engine.settle_funding(kPerp, "0.1"_d), 2u);  // Dave pays 10 of his 9.94 wallet
  EXPECT_FALSE(engine.position(kDave, kPerp));
  EXPECT_EQ(rec.liquidations.size(), 1u);
}

// ---- spot alongside, conservation ----

TEST_F(PerpTest, SpotStaysSpot) {
  engine.ledger().deposit(kBob, "ETH", "5"_d);
  OrderRequest bad = OrderRequest::limit(kAlice, kSpot, Side::kBuy, "10"_d, "1"_d);
  bad.reduce_only = true;
  EXPECT_EQ(engine.place(bad).reason, RejectReason::kInvalidParameter);
  ASSERT_TRUE(engine.place(OrderRequest::limit(kBob, kSpot, Side::kSell, "10"_d, "1"_d)).ok());
  ASSERT_TRUE(engine.place(OrderRequest::market(kAlice, kSpot, Side::kBuy, "1"_d)).ok());
  EXPECT_EQ(engine.ledger().balance(kAlice, "ETH").available, "0.999"_d);
  EXPECT_TRUE(engine.positions(kAlice).empty());
  EXPECT_FALSE(engine.mark_price(kSpot));
  EXPECT_FALSE(engine.set_mark_price(kSpot, "10"_d));
  EXPECT_EQ(engine.place(OrderRequest::market_buy_quote(kAlice, kPerp, "10"_d)).reason,
            RejectReason::kInvalidParameter);
  deposits += "0"_d;  // spot trading moved USDT between accounts and the fee account only
}

TEST_F(PerpTest, InvalidPerpetualInstrumentsAreRefused) {
  Instrument in = perp_btc();
  in.symbol = "X1";
  in.default_leverage = "200"_d;
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
  in = perp_btc();
  in.symbol = "X2";
  in.contract_size = Decimal{};
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
  in = perp_btc();
  in.symbol = "X3";
  in.maintenance_margin_rate = "1"_d;
  EXPECT_THROW(engine.add_instrument(in), std::invalid_argument);
}

TEST_F(PerpTest, ContractSizeScalesNotionalAndPnl) {
  Instrument in = perp_btc();
  in.symbol = "ETHUSD_X";
  in.tick = "0.05"_d;
  in.lot = "1"_d;
  in.contract_size = "0.01"_d;  // one contract = 0.01 base
  engine.add_instrument(in);
  ASSERT_TRUE(engine.place(OrderRequest::limit(kBob, "ETHUSD_X", Side::kSell, "2000"_d, "10"_d)).ok());
  ASSERT_TRUE(engine.place(OrderRequest::market(kAlice, "ETHUSD_X", Side::kBuy, "10"_d)).ok());
  const Position p = *engine.position(kAlice, "ETHUSD_X");
  EXPECT_EQ(p.entry_value, "200"_d);  // 2000 × 10 × 0.01
  EXPECT_EQ(p.entry_price, "2000"_d);
  EXPECT_EQ(p.margin, "20"_d);
  ASSERT_TRUE(engine.set_mark_price("ETHUSD_X", "2100"_d));
  EXPECT_EQ(engine.position(kAlice, "ETHUSD_X")->unrealized_pnl, "10"_d);
}

TEST_F(PerpTest, ActivityGeneratorTradesPerpetualsAndSetsTheMark) {
  ActivityConfig cfg;
  cfg.symbol = kPerp;
  cfg.account = 900;
  cfg.seed = 7;
  cfg.mid_start = "100"_d;
  cfg.taker_probability = 0.5;
  cfg.initial_quote = "100000"_d;
  ActivityGenerator gen(engine, cfg);
  deposits += cfg.initial_quote;
  ASSERT_TRUE(market(kAlice, Side::kBuy, "0.01").ok());  // empty book: cancelled, nothing happens
  gen.run_steps(50);
  ASSERT_TRUE(market(kAlice, Side::kBuy, "0.01").ok());
  EXPECT_EQ(pos(kAlice).size, "0.01"_d);
  EXPECT_EQ(engine.mark_price(kPerp), gen.mid());
  EXPECT_EQ(engine.ledger().balance(900, "BTC"), Balance{});  // no base ever moves
  EXPECT_GT(gen.stats().takers, 0u);
}

/// A seeded random mix of orders, marks, funding and liquidations among several accounts; the ledger and
/// the money invariant are checked after every step.
TEST_F(PerpTest, RandomTradingConservesMoney) {
  deposit(kDave, "300");
  deposit(kErin, "200");
  ASSERT_TRUE(engine.set_margin_mode(kDave, kPerp, MarginMode::kIsolated).ok());
  ASSERT_TRUE(engine.set_leverage(kDave, kPerp, "40"_d).ok());
  ASSERT_TRUE(engine.set_leverage(kErin, kPerp, "60"_d).ok());
  ASSERT_TRUE(engine.set_position_mode(kCarol, PositionMode::kHedge).ok());
  random_run::Lcg next(12345);
  const AccountId accounts[] = {kAlice, kBob, kCarol, kDave, kErin};
  int64_t mid = 1000;  // in ticks of 0.1 → 100.0
  std::size_t accepted = 0;
  for (int step = 0; step < 600; ++step) {
    const AccountId a = accounts[next(5)];
    const Side side = next(2) == 0 ? Side::kBuy : Side::kSell;
    const Decimal qty = Decimal::from_scaled(static_cast<int64_t>(1 + next(500)), 3);
    const OrderRequest r = random_run::order(
        next, a, kPerp, side, qty, mid, 10, [](int64_t ticks) { return Decimal::from_scaled(ticks, 1); },
        a == kCarol);
    if (engine.place(r).ok()) ++accepted;
    if (next(10) == 0) {
      const auto open = engine.open_orders(accounts[next(5)], kPerp);
      if (!open.empty()) engine.cancel(open.front().account, open.front().id);
    }
    if (next(4) == 0) {
      mid += static_cast<int64_t>(next(41)) - 20;
      engine.set_mark_price(kPerp, Decimal::from_scaled(mid, 1));
    }
    if (next(20) == 0)
      engine.settle_funding(kPerp, Decimal::from_scaled(static_cast<int64_t>(next(21)) - 10, 4));
    if (next(50) == 0) engine.set_leverage(accounts[next(5)], kPerp, Decimal::from_int(1 + next(100)));
    expect_consistent();
    if (::testing::Test::HasFailure()) FAIL() << "step " << step;
  }
  EXPECT_GT(accepted, 300u);
  EXPECT_FALSE(engine.bills(kAlice).empty());
  std::size_t liquidations = 0, funding = 0;
  for (AccountId a : accounts) liquidations += engine.liquidations(a).size();
  for (const Bill& b : rec.bills) funding += b.type == BillType::kFunding;
  EXPECT_GT(liquidations, 0u);  // the mix does reach liquidations and funding
  EXPECT_GT(funding, 0u);
}

}  // namespace
}  // namespace nectar::sim
