// The `bitget_perpetual` connector end to end over loopback against the simulator's USDT-FUTURES front-end:
// rules, leverage, one-way and hedge positions (open/close long and short, LIMIT and MARKET), partial fills,
// positions and balances equal to the simulator after each step, funding payments once each, liquidation
// reported, reconnect with an open position, and bad requests.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include <unistd.h>

#include "nectar/connectors/bitget/bitget_perpetual.hpp"
#include "nectar/storage/trade_store.hpp"
#include "sim_connector_fixture.hpp"

using namespace nectar;
using namespace nectar::testing_support;

namespace {

const TradingPair kBtc{"BTC", "USDT"};
const std::string kSym = BitgetSimulator::perp_engine_symbol("BTCUSDT");

class TestPerp : public bitget::BitgetPerpetual {
 public:
  using BitgetPerpetual::BitgetPerpetual;
};

class BitgetPerpetualE2E : public SimConnectorFixture<TestPerp> {
 protected:
  void tune_timings(ExchangeTimings& t) override {
    t.position_poll = 500ms;
    t.funding_poll = 300ms;
  }
  void start_perp(std::string margin_mode = "crossed") {
    ConnectorConfig c = config({kBtc}, "bitget_perpetual");
    c.options["margin_mode"] = margin_mode;
    start(c);
    ASSERT_TRUE(eventually([this] { return conn->ready(); }, 15s)) << "connector never became ready";
    // The leverage the exchange reports is read at start.
    ASSERT_TRUE(eventually([this] { return conn->leverage(kBtc) > 1; }, 5s));
  }
  sim::AccountId account() const { return sim->credentials().futures_account; }
  std::optional<sim::Position> sim_position(PositionSide side) {
    return on_sim([&] { return sim->engine().position(account(), kSym, side); });
  }
  // The connector's view equals the simulator's: every position (side, size, entry) and the USDT balance.
  bool in_sync() {
    const auto truth = on_sim([&] { return sim->engine().positions(account(), kSym); });
    const auto margin = on_sim([&] { return sim->engine().margin_summary(account(), "USDT"); });
    return on_client([&] {
      const auto mine = conn->positions();
      if (mine.size() != truth.size()) return false;
      for (const auto& t : truth) {
        const Position* p = conn->position(kBtc, t.side);
        if (!p || p->amount != t.size || p->entry_price != t.entry_price) return false;
      }
      return conn->balance("USDT") == margin.equity && conn->available_balance("USDT") == margin.available;
    });
  }
  void set_position_mode(PositionMode mode) {
    run([&]() -> asio::awaitable<void> { co_await conn->set_position_mode(mode); });
  }
  std::vector<PositionModeChangedEvent> mode_events() { return all_of<PositionModeChangedEvent>(); }
  // Places a market order and waits until it completes.
  void market(TradeType side, Decimal amount, PositionAction action) {
    const std::string id = place(side, kBtc, amount, OrderType::kMarket, Decimal{}, action);
    ASSERT_TRUE(eventually([&] { return is_done(id); })) << "market order never finished";
    ASSERT_EQ(state_of(id), OrderState::kFilled) << to_string(state_of(id));
  }
};

TEST_F(BitgetPerpetualE2E, RulesModeLeverageAndBalance) {
  start_perp();
  on_client([this] {
    const TradingRule* r = conn->trading_rule(kBtc);
    EXPECT_NE(r, nullptr);
    if (!r) return 0;
    EXPECT_EQ(r->min_price_increment, "0.1"_d);
    EXPECT_EQ(r->min_base_amount_increment, "0.001"_d);
    EXPECT_EQ(r->min_leverage, 1);
    EXPECT_EQ(r->max_leverage, 125);
    EXPECT_EQ(r->collateral_token, "USDT");
    EXPECT_EQ(conn->position_mode(), PositionMode::kOneway);
    EXPECT_EQ(conn->balance("USDT"), "10000"_d);
    return 0;
  });
  run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 10); });
  EXPECT_EQ(on_sim([&] { return sim->engine().leverage(account(), kSym); }), "10"_d);
  EXPECT_THROW(run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 200); }),
               ExchangeError);
  EXPECT_TRUE(eventually([&] { return conn->funding_info(kBtc).has_value(); })) << "no ticker funding info";
  EXPECT_TRUE(on_client([&] { return conn->funding_info(kBtc)->mark_price.is_positive(); }));
}

TEST_F(BitgetPerpetualE2E, OneWayOpenAndCloseLongAndShort) {
  start_perp();
  run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 10); });
  market(TradeType::kBuy, "0.01"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return in_sync(); })) << "long not in sync";
  EXPECT_EQ(sim_position(PositionSide::kLong)->size, "0.01"_d);
  market(TradeType::kSell, "0.01"_d, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return in_sync() && on_client([&] { return conn->positions().empty(); }); }))
      << "long not closed";

  market(TradeType::kSell, "0.02"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return in_sync(); })) << "short not in sync";
  EXPECT_EQ(sim_position(PositionSide::kShort)->size, "0.02"_d);
  market(TradeType::kBuy, "0.02"_d, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return in_sync() && on_client([&] { return conn->positions().empty(); }); }));
  // Fees were charged in the margin coin.
  on_client([&] {
    for (const auto& e : events)
      if (auto* f = std::get_if<OrderFilledEvent>(&e)) {
        EXPECT_EQ(f->fee.flat_fees.at(0).token, "USDT");
        EXPECT_TRUE(f->fee.flat_fees.at(0).amount.is_positive());
      }
    return 0;
  });
}

TEST_F(BitgetPerpetualE2E, PositionsAreJournaledWhenTheyChange) {
  const std::string db =
      (std::filesystem::temp_directory_path() / ("nectar_positions_" + std::to_string(::getpid()) + ".db"))
          .string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  start_perp();
  auto store = std::make_unique<storage::TradeStore>(db);
  auto journal = on_client([&] { return std::make_unique<storage::OrderJournal>(*conn, *store); });
  EXPECT_TRUE(on_client([&] { return journal->sync_positions(); }));  // the first snapshot: none
  EXPECT_TRUE(store->positions("bitget_perpetual").empty());

  market(TradeType::kBuy, "0.01"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return in_sync(); })) << "long not in sync";
  EXPECT_TRUE(on_client([&] { return journal->sync_positions(); }));
  EXPECT_FALSE(on_client([&] { return journal->sync_positions(); })) << "unchanged: no second write";
  const Position held = on_client([&] { return *conn->position(kBtc, PositionSide::kLong); });
  auto stored = storage::TradeStore(db).positions("bitget_perpetual");  // as a restart would read it
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].pair, kBtc);
  EXPECT_EQ(stored[0].side, PositionSide::kLong);
  EXPECT_EQ(stored[0].amount, "0.01"_d);
  EXPECT_EQ(stored[0].entry_price, held.entry_price);
  EXPECT_EQ(stored[0].leverage, held.leverage);

  market(TradeType::kSell, "0.01"_d, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return in_sync() && on_client([&] { return conn->positions().empty(); }); }));
  EXPECT_TRUE(on_client([&] { return journal->sync_positions(); }));
  EXPECT_TRUE(storage::TradeStore(db).positions("bitget_perpetual").empty());
  on_client([&] {
    journal.reset();
    return 0;
  });
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
}

TEST_F(BitgetPerpetualE2E, HedgeModeBothSidesCloseConventionAndModeSwitchRefusal) {
  start_perp();
  set_position_mode(PositionMode::kHedge);
  ASSERT_FALSE(mode_events().empty());
  EXPECT_TRUE(mode_events().back().success) << mode_events().back().message;
  EXPECT_EQ(on_sim([&] { return sim->engine().position_mode(account()); }), PositionMode::kHedge);

  market(TradeType::kBuy, "0.01"_d, PositionAction::kOpen);
  market(TradeType::kSell, "0.02"_d, PositionAction::kOpen);
  ASSERT_TRUE(
      eventually([&] { return in_sync() && on_client([&] { return conn->positions().size() == 2; }); }));
  // A SELL that closes the long goes out as side buy + tradeSide close: only the long shrinks.
  market(TradeType::kSell, "0.01"_d, PositionAction::kClose);
  ASSERT_TRUE(
      eventually([&] { return in_sync() && on_client([&] { return conn->positions().size() == 1; }); }));
  EXPECT_FALSE(sim_position(PositionSide::kLong).has_value());
  EXPECT_EQ(sim_position(PositionSide::kShort)->size, "0.02"_d);

  set_position_mode(PositionMode::kOneway);
  ASSERT_GE(mode_events().size(), 2u);
  EXPECT_FALSE(mode_events().back().success) << "switch allowed with a position open";
  EXPECT_NE(mode_events().back().message.find("could not change the position mode"), std::string::npos)
      << mode_events().back().message;
  EXPECT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kHedge);

  market(TradeType::kBuy, "0.02"_d, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return in_sync() && on_client([&] { return conn->positions().empty(); }); }));
}

TEST_F(BitgetPerpetualE2E, RestingOpenOrderFilledInPartsBuildsThePosition) {
  start_perp();
  const Decimal price = sim_best(kSym, true) + "0.1"_d;
  ASSERT_LT(price, sim_best(kSym, false));
  const std::string id =
      place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimit, price, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  taker(kSym, TradeType::kSell, "0.004"_d);
  ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == 1; }));
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  EXPECT_EQ(sim_position(PositionSide::kLong)->size, "0.004"_d);
  taker(kSym, TradeType::kSell, "0.006"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(order_event_names(id), (std::vector<std::string>{"OrderSubmitted", "OrderCreated", "OrderFilled",
                                                             "OrderFilled", "OrderCompleted"}));
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  const auto pos = sim_position(PositionSide::kLong);
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(pos->size, "0.01"_d);
  EXPECT_EQ(pos->entry_price, price);
  for (const auto& f : events_of<OrderFilledEvent>(id)) EXPECT_TRUE(f.is_maker);
}

class BitgetPerpetualFunding : public BitgetPerpetualE2E {
 protected:
  BitgetPerpetualFunding() { funding_interval_ms = 1500; }
};

TEST_F(BitgetPerpetualFunding, PaymentsArriveOnceEachAndMatchTheBills) {
  start_perp();
  market(TradeType::kBuy, "0.01"_d, PositionAction::kOpen);
  auto payments = [&] {
    return on_client([&] {
      std::vector<FundingPaymentEvent> out;
      for (const auto& e : events)
        if (auto* f = std::get_if<FundingPaymentEvent>(&e)) out.push_back(*f);
      return out;
    });
  };
  ASSERT_TRUE(eventually([&] { return payments().size() >= 2; }, 15s)) << "funding not reported";
  std::this_thread::sleep_for(700ms);  // more polls: nothing may be repeated
  const auto seen = payments();
  std::set<std::string> ids;
  for (const auto& p : seen) ids.insert(p.payment_id);
  EXPECT_EQ(ids.size(), seen.size()) << "a payment was reported twice";
  const auto bills = on_sim([&] { return sim->engine().bills(account()); });
  for (const auto& p : seen) {
    bool matched = false;
    for (const auto& b : bills)
      if (std::to_string(b.id) == p.payment_id) {
        matched = true;
        EXPECT_EQ(p.amount, b.amount) << "bill " << b.id;
      }
    EXPECT_TRUE(matched) << "payment " << p.payment_id << " has no bill";
    EXPECT_EQ(p.pair, kBtc);
    EXPECT_TRUE(p.amount.is_negative()) << "longs pay a positive rate";
  }
}

TEST_F(BitgetPerpetualE2E, LiquidationIsReported) {
  // Isolated: the position's own margin, not the whole wallet, must carry the loss.
  start_perp("isolated");
  ASSERT_TRUE(eventually([&] {
    return on_sim([&] { return sim->engine().margin_mode(account(), kSym) == sim::MarginMode::kIsolated; });
  })) << "margin mode not applied at start";
  run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 100); });
  market(TradeType::kBuy, "0.1"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  const Decimal entry = sim_position(PositionSide::kLong)->entry_price;
  on_sim([&] {
    sim->engine().set_mark_price(kSym, entry.mul("0.95"_d).quantize("0.1"_d, Rounding::kFloor));
    return 0;
  });
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : events)
      if (std::holds_alternative<PositionLiquidatedEvent>(e)) return true;
    return false;
  })) << "liquidation not reported";
  ASSERT_TRUE(eventually([&] { return conn->positions().empty(); }));
  const auto liq = on_client([&] {
    for (const auto& e : events)
      if (auto* l = std::get_if<PositionLiquidatedEvent>(&e)) return *l;
    return PositionLiquidatedEvent{};
  });
  EXPECT_EQ(liq.pair, kBtc);
  EXPECT_EQ(liq.side, PositionSide::kLong);
  EXPECT_EQ(liq.amount, "0.1"_d);
}

TEST_F(BitgetPerpetualE2E, ReconnectWithAnOpenPositionLosesNothing) {
  start_perp();
  market(TradeType::kBuy, "0.01"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  const Decimal price = sim_best(kSym, true) + "0.1"_d;
  const std::string id =
      place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimit, price, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  const uint64_t connects = on_client([&] { return conn->private_stream_connects(); });
  sim->faults().mute_websockets(true);
  taker(kSym, TradeType::kSell, "0.01"_d);  // fills our bid while nobody listens
  std::this_thread::sleep_for(200ms);
  sim->faults().drop_all_websockets();
  sim->faults().mute_websockets(false);
  ASSERT_TRUE(eventually([&] { return conn->private_stream_connects() > connects; }, 15s));
  ASSERT_TRUE(eventually([&] { return is_done(id); })) << "fill made while disconnected not reconciled";
  EXPECT_EQ(events_of<OrderFilledEvent>(id).size(), 1u);
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  EXPECT_EQ(sim_position(PositionSide::kLong)->size, "0.02"_d);
}

TEST_F(BitgetPerpetualE2E, BadRequestsGetClearErrors) {
  start_perp();
  const std::string tiny =
      place(TradeType::kBuy, kBtc, "0.0001"_d, OrderType::kMarket, Decimal{}, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return is_done(tiny); }));
  ASSERT_EQ(events_of<OrderFailedEvent>(tiny).size(), 1u);
  EXPECT_NE(events_of<OrderFailedEvent>(tiny)[0].reason.find("lot step"), std::string::npos)
      << events_of<OrderFailedEvent>(tiny)[0].reason;

  const std::string close =
      place(TradeType::kSell, kBtc, "0.01"_d, OrderType::kMarket, Decimal{}, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return is_done(close); }));
  ASSERT_EQ(events_of<OrderFailedEvent>(close).size(), 1u);
  EXPECT_NE(events_of<OrderFailedEvent>(close)[0].reason.find("cannot close 0.01 BTC"), std::string::npos)
      << events_of<OrderFailedEvent>(close)[0].reason;

  // More than the margin covers: refused locally with the numbers.
  const Decimal ask = sim_best(kSym, false);
  const std::string big =
      place(TradeType::kBuy, kBtc, "100"_d, OrderType::kLimit, ask, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return is_done(big); }));
  ASSERT_EQ(events_of<OrderFailedEvent>(big).size(), 1u);
  EXPECT_NE(events_of<OrderFailedEvent>(big)[0].reason.find("insufficient margin"), std::string::npos)
      << events_of<OrderFailedEvent>(big)[0].reason;
  EXPECT_TRUE(on_sim([&] { return sim->engine().open_orders(account()).empty(); }))
      << "nothing reached the exchange";
}

TEST_F(BitgetPerpetualE2E, HedgeModeLimitOpenAndLimitClose) {
  start_perp();
  set_position_mode(PositionMode::kHedge);
  ASSERT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kHedge);
  const Decimal bid = sim_best(kSym, true) + "0.1"_d;
  const std::string open =
      place(TradeType::kBuy, kBtc, "0.02"_d, OrderType::kLimit, bid, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return state_of(open) == OrderState::kOpen; }));
  taker(kSym, TradeType::kSell, "0.02"_d);
  ASSERT_TRUE(eventually([&] { return is_done(open); }));
  ASSERT_TRUE(eventually([&] { return in_sync(); }));
  EXPECT_EQ(sim_position(PositionSide::kLong)->entry_price, bid);

  // Close the long with a resting sell: sent as side buy + tradeSide close, it must not open a short.
  const Decimal ask = sim_best(kSym, false) - "0.1"_d;
  const std::string close =
      place(TradeType::kSell, kBtc, "0.02"_d, OrderType::kLimit, ask, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return state_of(close) == OrderState::kOpen; }));
  taker(kSym, TradeType::kBuy, "0.02"_d);
  ASSERT_TRUE(eventually([&] { return is_done(close); }));
  ASSERT_TRUE(eventually([&] { return in_sync() && on_client([&] { return conn->positions().empty(); }); }));
  EXPECT_FALSE(sim_position(PositionSide::kShort).has_value());
}

TEST_F(BitgetPerpetualE2E, PostOnlyRestsOrIsRejectedWithReason) {
  start_perp();
  const Decimal bid = sim_best(kSym, true);
  const std::string maker =
      place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimitMaker, bid, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return state_of(maker) == OrderState::kOpen; }))
      << "post-only below the ask rests";
  const Decimal ask = sim_best(kSym, false);
  const std::string crossing =
      place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimitMaker, ask + "1"_d, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return is_done(crossing); }));
  EXPECT_EQ(state_of(crossing), OrderState::kFailed);
  ASSERT_EQ(events_of<OrderFailedEvent>(crossing).size(), 1u);
  EXPECT_NE(events_of<OrderFailedEvent>(crossing)[0].reason.find("post-only"), std::string::npos)
      << events_of<OrderFailedEvent>(crossing)[0].reason;
  EXPECT_TRUE(events_of<OrderFilledEvent>(crossing).empty());
}

}  // namespace
