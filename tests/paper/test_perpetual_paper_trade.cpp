// bitget_perpetual_paper_trade against an in-process Bitget simulator as the live USDT-M market: positions,
// margin, leverage, position mode, realised PnL and funding, all settled locally (nothing reaches the
// simulator's private API).
#include <gtest/gtest.h>

#include <set>

#include "nectar/connectors/bitget/bitget_perpetual.hpp"
#include "nectar/connectors/errors.hpp"
#include "paper/paper_fixture.hpp"

namespace nectar::testing_support {
namespace {

using paper::PaperTradeConnector;
using paper::PerpetualPaperTradeConnector;

const TradingPair kBtc{"BTC", "USDT"};
const std::string kSym = BitgetSimulator::perp_engine_symbol("BTCUSDT");  // the simulator's engine symbol
const std::string kPaperSym = "BTCUSDT";                                  // the paper engine's symbol

class PerpPaperTest : public PaperFixture<PerpetualPaperTradeConnector> {
 protected:
  PerpPaperTest() : PaperFixture(kBtc, kSym) {}

  void start_paper(const std::string& balances = "USDT:10000") {
    ASSERT_NO_FATAL_FAILURE(start_from_registry(paper_config("bitget_perpetual_paper_trade", balances)));
    await_book_mirrored();
    ASSERT_TRUE(eventually([this] {
      auto f = conn->funding_info(kBtc);
      return f && f->mark_price.is_positive() && f->next_funding_time_ms > 0;
    })) << "no funding info from the ticker";
  }
  Decimal mark() {
    return on_client([&] { return conn->funding_info(kBtc)->mark_price; });
  }
  // The paper engine's own record of a position (realised PnL, margin, entry value); zeros when there is
  // none.
  sim::Position paper_position(PositionSide side = PositionSide::kBoth) {
    return on_client([&] {
      return conn->engine()
          .position(PaperTradeConnector::kPaperAccount, kPaperSym, side)
          .value_or(sim::Position{});
    });
  }
  sim::MarginSummary margin() {
    return on_client(
        [&] { return conn->engine().margin_summary(PaperTradeConnector::kPaperAccount, "USDT"); });
  }
  std::vector<Position> positions() {
    return on_client([&] { return conn->positions(); });
  }
  // The connector's position on one side; zeros when there is none.
  Position position(PositionSide side) {
    for (const auto& p : positions())
      if (p.side == side) return p;
    return Position{};
  }
  Decimal total_upnl() {
    Decimal u;
    for (const auto& p : positions()) u += p.unrealized_pnl;
    return u;
  }
  // Wallet = equity − unrealised PnL: deposits + realised PnL − fees ± funding.
  Decimal wallet() {
    return on_client([&] { return conn->balance("USDT"); }) - total_upnl();
  }
  void set_leverage(int lev) {
    run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, lev); });
  }
  void set_position_mode(PositionMode mode) {
    run([&]() -> asio::awaitable<void> { co_await conn->set_position_mode(mode); });
  }
  // Places a market order, waits until it is done and returns its fills.
  std::vector<OrderFilledEvent> market(TradeType side, Decimal amount, PositionAction action) {
    const std::string id = place(side, kBtc, amount, OrderType::kMarket, Decimal{}, action);
    EXPECT_TRUE(eventually([&] { return is_done(id); })) << "market order never finished";
    EXPECT_EQ(state_of(id), OrderState::kFilled) << to_string(state_of(id));
    return events_of<OrderFilledEvent>(id);
  }
  // Places an order that must be refused; returns the reason.
  std::string refused(TradeType side, Decimal amount, OrderType type, Decimal price, PositionAction action) {
    const std::string id = place(side, kBtc, amount, type, price, action);
    EXPECT_TRUE(eventually([&] { return is_done(id); }));
    const auto f = events_of<OrderFailedEvent>(id);
    return f.empty() ? std::string("(not refused: ") + std::string(to_string(state_of(id))) + ")"
                     : f[0].reason;
  }
  void expect_nothing_sent_to_exchange() {
    on_sim([&] {
      const auto account = sim->credentials().futures_account;
      EXPECT_TRUE(sim->engine().open_orders(account).empty());
      EXPECT_TRUE(sim->engine().recent_orders(account).empty());
      EXPECT_TRUE(sim->engine().positions(account).empty());
      return 0;
    });
  }
};

Decimal value_of(const std::vector<OrderFilledEvent>& fills) {
  Decimal v;
  for (const auto& f : fills) v += f.price.mul(f.amount);
  return v;
}
Decimal fees_of(const std::vector<OrderFilledEvent>& fills) {
  Decimal v;
  for (const auto& f : fills) v += f.fee.fee_amount_in("USDT", kBtc, f.price, f.amount);
  return v;
}

TEST_F(PerpPaperTest, RegistryBuildsAPerpetualConnectorOnlyForPerpetuals) {
  const ConnectorInfo* perp = registry.find("bitget_perpetual_paper_trade");
  ASSERT_NE(perp, nullptr);
  EXPECT_TRUE(perp->perpetual);
  EXPECT_TRUE(perp->credentials.empty());
  EXPECT_FALSE(registry.find("bitget_paper_trade")->perpetual);
  on_client([&] {
    ConnectorConfig c = config({kBtc}, "bitget_paper_trade");
    c.credentials.clear();
    auto spot = registry.create(cio.get_executor(), c);
    EXPECT_EQ(dynamic_cast<PerpetualConnector*>(spot.get()), nullptr);
    EXPECT_NE(dynamic_cast<PaperTradeConnector*>(spot.get()), nullptr);
    return 0;
  });
  start_paper();
  EXPECT_NE(on_client([&] { return dynamic_cast<PerpetualConnector*>(static_cast<Connector*>(conn.get())); }),
            nullptr);
  EXPECT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kOneway);
  EXPECT_EQ(on_client([&] { return conn->balance("USDT"); }), dec("10000"));
  EXPECT_EQ(on_client([&] { return conn->leverage(kBtc); }), 1) << "1x until set, as the real connector";
}

TEST_F(PerpPaperTest, OpenLongThenPartialCloseRealisesExactPnl) {
  start_paper();
  const auto inst = instrument();
  set_leverage(10);
  const auto open = market(TradeType::kBuy, dec("0.02"), PositionAction::kOpen);
  ASSERT_FALSE(open.empty());
  const Decimal entry_value = value_of(open);
  const Decimal open_fees = fees_of(open);
  for (const auto& f : open) {
    EXPECT_FALSE(f.is_maker);
    EXPECT_EQ(f.fee.percent_token, "USDT");
    EXPECT_EQ(f.fee.percent, inst.taker_fee_rate);
    EXPECT_EQ(f.leverage, 10);
    EXPECT_EQ(f.position_action, PositionAction::kOpen);
  }
  // The book levels it took, at their prices.
  const Position long_pos = position(PositionSide::kLong);
  EXPECT_EQ(long_pos.amount, dec("0.02"));
  EXPECT_EQ(long_pos.entry_price, entry_value.div(dec("0.02"), Rounding::kHalfUp));
  EXPECT_EQ(long_pos.leverage, 10);
  // Margin frozen = entry value / leverage; the fee left the wallet.
  sim::Position pp = paper_position();
  EXPECT_EQ(pp.margin, entry_value.div(Decimal::from_int(10), Rounding::kCeil));
  EXPECT_EQ(wallet(), dec("10000") - open_fees);
  ASSERT_TRUE(eventually([&] { return paper_position().mark_price == mark(); })) << "mark not applied";
  const Decimal upnl = dec("0.02").mul(mark()) - entry_value;
  EXPECT_EQ(position(PositionSide::kLong).unrealized_pnl, upnl);
  EXPECT_EQ(on_client([&] { return conn->available_balance("USDT"); }),
            dec("10000") - open_fees - pp.margin + Decimal::min(Decimal{}, upnl));

  // Close half at market: realised = close value − half the cost basis.
  const auto close = market(TradeType::kSell, dec("0.01"), PositionAction::kClose);
  const Decimal close_value = value_of(close);
  const Decimal realised = close_value - entry_value.div(Decimal::from_int(2));
  pp = paper_position();
  EXPECT_EQ(pp.size, dec("0.01"));
  EXPECT_EQ(pp.entry_value, entry_value.div(Decimal::from_int(2)));
  EXPECT_EQ(pp.realized_pnl, realised);
  EXPECT_EQ(wallet(), dec("10000") - open_fees - fees_of(close) + realised);

  // The rest closes from a resting order that the market trades through: maker, at its own price.
  const auto book = sim_book();
  const Decimal best_bid = book.bids[0].price;
  const Decimal price =
      book.asks[0].price - inst.tick > best_bid ? book.asks[0].price - inst.tick : book.asks[0].price;
  const std::string id =
      place(TradeType::kSell, kBtc, dec("0.01"), OrderType::kLimit, price, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(state_of(id), OrderState::kOpen);
  taker(kSym, TradeType::kBuy, book.asks[0].qty + book.asks[1].qty);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kFilled; })) << to_string(state_of(id));
  const auto last = events_of<OrderFilledEvent>(id);
  for (const auto& f : last) {
    EXPECT_TRUE(f.is_maker);
    EXPECT_EQ(f.price, price);
    EXPECT_EQ(f.fee.percent, inst.maker_fee_rate);
  }
  EXPECT_TRUE(positions().empty());
  const Decimal realised2 = price.mul(dec("0.01")) - entry_value.div(Decimal::from_int(2));
  EXPECT_EQ(wallet(), dec("10000") - open_fees - fees_of(close) - fees_of(last) + realised + realised2);
  EXPECT_EQ(on_client([&] { return conn->available_balance("USDT"); }), wallet()) << "margin not released";
  expect_nothing_sent_to_exchange();
}

TEST_F(PerpPaperTest, HedgeModeHoldsLongAndShortApart) {
  start_paper();
  set_position_mode(PositionMode::kHedge);
  auto modes = all_of<PositionModeChangedEvent>();
  ASSERT_EQ(modes.size(), 1u);
  EXPECT_TRUE(modes[0].success) << modes[0].message;
  EXPECT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kHedge);
  set_leverage(20);

  const auto long_fills = market(TradeType::kBuy, dec("0.01"), PositionAction::kOpen);
  const auto short_fills = market(TradeType::kSell, dec("0.02"), PositionAction::kOpen);
  ASSERT_EQ(positions().size(), 2u);
  EXPECT_EQ(position(PositionSide::kLong).amount, dec("0.01"));
  EXPECT_EQ(position(PositionSide::kShort).amount, dec("0.02"));
  EXPECT_EQ(paper_position(PositionSide::kLong).entry_value, value_of(long_fills));
  EXPECT_EQ(paper_position(PositionSide::kShort).entry_value, value_of(short_fills));
  // Without an action a hedge-mode order opens (like the real connector): a second long.
  market(TradeType::kBuy, dec("0.01"), PositionAction::kNil);
  EXPECT_EQ(position(PositionSide::kLong).amount, dec("0.02"));

  // Closing the long leaves the short alone; closing more than the short holds is refused.
  market(TradeType::kSell, dec("0.02"), PositionAction::kClose);
  ASSERT_EQ(positions().size(), 1u);
  EXPECT_EQ(position(PositionSide::kShort).amount, dec("0.02"));
  const std::string why =
      refused(TradeType::kBuy, dec("0.03"), OrderType::kMarket, Decimal{}, PositionAction::kClose);
  EXPECT_NE(why.find("exceeds the closable short position"), std::string::npos) << why;
  EXPECT_EQ(position(PositionSide::kShort).amount, dec("0.02"));
  market(TradeType::kBuy, dec("0.02"), PositionAction::kClose);
  EXPECT_TRUE(positions().empty());
}

TEST_F(PerpPaperTest, OneWayCloseOnlyReducesAndNeverExceedsThePosition) {
  start_paper();
  set_leverage(10);
  market(TradeType::kBuy, dec("0.02"), PositionAction::kOpen);
  std::string why =
      refused(TradeType::kSell, dec("0.03"), OrderType::kMarket, Decimal{}, PositionAction::kClose);
  EXPECT_NE(why.find("exceeds the closable long position"), std::string::npos) << why;
  why = refused(TradeType::kBuy, dec("0.01"), OrderType::kMarket, Decimal{}, PositionAction::kClose);
  EXPECT_NE(why.find("would increase the long position"), std::string::npos) << why;
  EXPECT_EQ(position(PositionSide::kLong).amount, dec("0.02"));

  // A resting close locks what it closes: a second close for more than the rest is refused.
  const Decimal far = sim_best(kSym, false).mul_int(2).quantize(instrument().tick, Rounding::kDown);
  const std::string resting =
      place(TradeType::kSell, kBtc, dec("0.015"), OrderType::kLimit, far, PositionAction::kClose);
  ASSERT_TRUE(eventually([&] { return state_of(resting) == OrderState::kOpen; }));
  why = refused(TradeType::kSell, dec("0.01"), OrderType::kMarket, Decimal{}, PositionAction::kClose);
  EXPECT_NE(why.find("exceeds the closable long position"), std::string::npos) << why;

  // One-way: a close reduces the net long.
  market(TradeType::kSell, dec("0.005"), PositionAction::kClose);
  EXPECT_EQ(position(PositionSide::kLong).amount, dec("0.015"));
  EXPECT_TRUE(position(PositionSide::kShort).amount.is_zero());
  expect_nothing_sent_to_exchange();
}

TEST_F(PerpPaperTest, InsufficientMarginIsRefusedUntilLeverageCoversIt) {
  const Decimal ask = sim_best(kSym, false);
  // Enough for the order at 10x, not at 1x.
  const Decimal notional = ask.mul(dec("0.01"));
  const Decimal funds = notional.div(Decimal::from_int(2)).quantize(Decimal::one(), Rounding::kDown);
  start_paper("USDT:" + funds.to_string());
  EXPECT_EQ(on_client([&] { return conn->leverage(kBtc); }), 1);
  const std::string why =
      refused(TradeType::kBuy, dec("0.01"), OrderType::kLimit, ask, PositionAction::kOpen);
  EXPECT_NE(why.find("insufficient margin"), std::string::npos) << why;
  EXPECT_EQ(on_client([&] { return conn->available_balance("USDT"); }), funds) << "nothing may stay reserved";
  EXPECT_TRUE(positions().empty());

  set_leverage(10);
  const auto fills = market(TradeType::kBuy, dec("0.01"), PositionAction::kOpen);
  EXPECT_EQ(position(PositionSide::kLong).amount, dec("0.01"));
  EXPECT_EQ(paper_position().margin, value_of(fills).div(Decimal::from_int(10), Rounding::kCeil));
}

TEST_F(PerpPaperTest, LeverageStaysInTheRuleBoundsAndRemarginsThePosition) {
  start_paper("USDT:300");
  EXPECT_THROW(set_leverage(200), ExchangeError);
  EXPECT_THROW(set_leverage(0), ExchangeError);
  set_leverage(10);
  const auto fills = market(TradeType::kBuy, dec("0.01"), PositionAction::kOpen);
  const auto submitted = all_of<OrderSubmittedEvent>();
  ASSERT_FALSE(submitted.empty());
  EXPECT_EQ(submitted.back().leverage, 10);
  const Decimal ev = value_of(fills);
  EXPECT_EQ(paper_position().margin, ev.div(Decimal::from_int(10), Rounding::kCeil));

  const Decimal before = on_client([&] { return conn->available_balance("USDT"); });
  set_leverage(5);
  EXPECT_EQ(position(PositionSide::kLong).leverage, 5);
  EXPECT_EQ(on_client([&] { return conn->leverage(kBtc); }), 5);
  EXPECT_EQ(paper_position().margin, ev.div(Decimal::from_int(5), Rounding::kCeil));
  EXPECT_EQ(on_client([&] { return conn->available_balance("USDT"); }),
            before - (ev.div(Decimal::from_int(5), Rounding::kCeil) -
                      ev.div(Decimal::from_int(10), Rounding::kCeil)));

  // 1x needs the whole notional (~650 USDT at the simulator's price) on top: more than is left.
  ASSERT_GT(ev, on_client([&] { return conn->available_balance("USDT"); }) + paper_position().margin);
  try {
    set_leverage(1);
    ADD_FAILURE() << "leverage 1 accepted without the margin for it";
  } catch (const ExchangeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInsufficientBalance);
    EXPECT_NE(std::string(e.what()).find("insufficient margin"), std::string::npos) << e.what();
  }
  EXPECT_EQ(on_client([&] { return conn->leverage(kBtc); }), 5);
  market(TradeType::kBuy, dec("0.001"), PositionAction::kOpen);
  EXPECT_EQ(all_of<OrderSubmittedEvent>().back().leverage, 5);
}

TEST_F(PerpPaperTest, PositionModeCannotChangeWithAnOpenPositionOrOrder) {
  start_paper();
  set_leverage(10);
  market(TradeType::kBuy, dec("0.01"), PositionAction::kOpen);
  set_position_mode(PositionMode::kHedge);
  auto modes = all_of<PositionModeChangedEvent>();
  ASSERT_EQ(modes.size(), 1u);
  EXPECT_FALSE(modes[0].success);
  EXPECT_NE(modes[0].message.find("positions or orders are open"), std::string::npos) << modes[0].message;
  EXPECT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kOneway);

  market(TradeType::kSell, dec("0.01"), PositionAction::kClose);
  ASSERT_TRUE(positions().empty());
  // An open order alone blocks it too.
  const Decimal low =
      sim_best(kSym, true).div(Decimal::from_int(2)).quantize(instrument().tick, Rounding::kDown);
  const std::string id =
      place(TradeType::kBuy, kBtc, dec("0.01"), OrderType::kLimit, low, PositionAction::kOpen);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  set_position_mode(PositionMode::kHedge);
  modes = all_of<PositionModeChangedEvent>();
  ASSERT_EQ(modes.size(), 2u);
  EXPECT_FALSE(modes[1].success);
  on_client([&] {
    conn->cancel(kBtc, id);
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  set_position_mode(PositionMode::kHedge);
  modes = all_of<PositionModeChangedEvent>();
  ASSERT_EQ(modes.size(), 3u);
  EXPECT_TRUE(modes[2].success) << modes[2].message;
  EXPECT_EQ(on_client([&] { return conn->position_mode(); }), PositionMode::kHedge);
}

class PerpPaperFundingTest : public PerpPaperTest {
 protected:
  PerpPaperFundingTest() { funding_interval_ms = 1500; }
};

TEST_F(PerpPaperFundingTest, EachFundingTimeIsSettledOnceAtTheAnnouncedRate) {
  start_paper();
  set_leverage(10);
  market(TradeType::kBuy, dec("0.01"), PositionAction::kOpen);
  const Decimal wallet_before = wallet();
  const Decimal m = mark();
  const Decimal rate = on_client([&] { return conn->funding_info(kBtc)->rate; });
  ASSERT_TRUE(rate.is_positive());
  ASSERT_TRUE(eventually([&] { return paper_position().mark_price == m; }));

  // The simulator pushes a ticker (with the next funding time) when its book changes: keep it moving far
  // from the touch, so the mark and our position stay put.
  const Decimal far =
      sim_best(kSym, true).div(Decimal::from_int(2)).quantize(instrument().tick, Rounding::kDown);
  auto nudge = [&] {
    on_sim([&] {
      auto r =
          sim->engine().place(sim::OrderRequest::limit(kTaker, kSym, TradeType::kBuy, far, dec("0.001")));
      EXPECT_TRUE(r.ok()) << r.message;
      return 0;
    });
  };
  auto payments = [&] { return all_of<FundingPaymentEvent>(); };
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (payments().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    nudge();
    std::this_thread::sleep_for(150ms);
  }
  ASSERT_GE(payments().size(), 2u) << "funding not applied";
  // The last nudge may have announced one more funding time: let it pass. Then, without new funding times
  // announced, the last one (now in the past) must not be settled again.
  std::this_thread::sleep_for(std::chrono::milliseconds(funding_interval_ms) + 500ms);
  const std::size_t count = payments().size();
  std::this_thread::sleep_for(4 * std::chrono::milliseconds(funding_interval_ms));
  const auto seen = payments();
  EXPECT_EQ(seen.size(), count) << "a funding time was settled again";

  std::set<std::string> ids;
  Decimal paid;
  const Decimal expected = -dec("0.01").mul(m).mul(rate);
  for (const auto& p : seen) {
    ids.insert(p.payment_id);
    EXPECT_EQ(p.pair, kBtc);
    EXPECT_EQ(p.funding_rate, rate);
    EXPECT_EQ(p.amount, expected) << "a long pays size × mark × rate";
    paid += p.amount;
  }
  EXPECT_EQ(ids.size(), seen.size()) << "a payment was reported twice";
  EXPECT_EQ(wallet(), wallet_before + paid);
  EXPECT_EQ(paper_position().funding, paid);
  expect_nothing_sent_to_exchange();
}

}  // namespace
}  // namespace nectar::testing_support
