// `bitget_perpetual` wire mapping, over loopback against a recording HTTP endpoint that answers with the
// spec's example payloads (shared/protocols/bitget.md §2.2, §2.4, §7): contract rules, the one-way / hedge
// side conventions, order detail, merge-depth numbers, positions, position mode and funding bills (each
// once). The protocol-faithful `mix` simulator front-end is separate work; this pins the client's side of the
// wire.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/connectors/bitget/bitget_perpetual.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/sim/server.hpp"

using namespace nectar;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const TradingPair kBtc{"BTC", "USDT"};

std::string envelope(const std::string& data) {
  return R"({"code":"00000","msg":"success","requestTime":1700000000123,"data":)" + data + "}";
}

class MixFake : public sim::ServerHandler {
 public:
  std::string pos_mode = "one_way_mode";
  std::string detail_data = "null";

  sim::HttpServerResponse on_http(const sim::HttpServerRequest& r) override {
    {
      std::lock_guard lock(mu);
      requests.push_back(r);
    }
    sim::HttpServerResponse resp;
    const std::string& p = r.path;
    if (p == "/api/v2/mix/market/contracts") {
      resp.body = envelope(R"([
        {"symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","makerFeeRate":"0.0002","takerFeeRate":"0.0006",
         "supportMarginCoins":["USDT"],"minTradeNum":"0.001","priceEndStep":"5","volumePlace":"3","pricePlace":"1",
         "sizeMultiplier":"0.001","symbolType":"perpetual","minTradeUSDT":"5","symbolStatus":"normal",
         "fundInterval":"8","minLever":"1","maxLever":"125","maxMarketOrderQty":"200","maxOrderQty":"1200"},
        {"symbol":"BTCUSDT_251226","baseCoin":"BTC","quoteCoin":"USDT","priceEndStep":"1","pricePlace":"1",
         "sizeMultiplier":"0.001","symbolType":"delivery","symbolStatus":"normal"}])");
    } else if (p == "/api/v2/mix/order/place-order") {
      resp.body = envelope(R"({"clientOid":"x","orderId":"1098394042131120129"})");
    } else if (p == "/api/v2/mix/order/detail") {
      resp.body = envelope(detail_data);
    } else if (p == "/api/v2/mix/market/merge-depth") {
      resp.body = envelope(
          R"({"asks":[[65001.5,0.3],[65002,1.250]],"bids":[["65000.0","0.8"],[64999.5,2]],"ts":"1700000000123",)"
          R"("scale":"0.1","precision":"scale0","isMaxPrecision":"NO"})");
    } else if (p == "/api/v2/mix/position/all-position") {
      resp.body = envelope(R"([{"marginCoin":"USDT","symbol":"BTCUSDT","holdSide":"long","total":"0.01",
        "available":"0.01","leverage":"20","openPriceAvg":"65000","marginMode":"crossed","posMode":"hedge_mode",
        "unrealizedPL":"-0.02","liquidationPrice":"61900.4","markPrice":"64998"}])");
    } else if (p == "/api/v2/mix/account/account") {
      resp.body = envelope(R"({"marginCoin":"USDT","posMode":")" + pos_mode + R"(","marginMode":"crossed"})");
    } else if (p == "/api/v2/mix/account/set-position-mode") {
      resp.body = envelope(R"({"posMode":"hedge_mode"})");
    } else if (p == "/api/v2/mix/account/set-leverage") {
      resp.body =
          envelope(R"({"symbol":"BTCUSDT","marginCoin":"USDT","longLeverage":"20","shortLeverage":"20"})");
    } else if (p == "/api/v2/mix/account/bill") {
      resp.body = envelope(R"({"bills":[
        {"billId":"1","symbol":"BTCUSDT","amount":"-0.065","fee":"0","businessType":"contract_settle_fee",
         "coin":"USDT","balance":"2004.9","cTime":")" +
                           std::to_string(bill_time) + R"("},
        {"billId":"2","symbol":"BTCUSDT","amount":"-1","fee":"0","businessType":"open_long","coin":"USDT",
         "cTime":")" + std::to_string(bill_time) +
                           R"("}],"endId":"2"})");
    } else {
      resp.status = 404;
      resp.body = R"({"code":"40404","msg":"Request URL NOT FOUND","requestTime":0,"data":null})";
    }
    return resp;
  }

  std::vector<sim::HttpServerRequest> taken(std::string_view path) {
    std::lock_guard lock(mu);
    std::vector<sim::HttpServerRequest> out;
    for (const auto& r : requests)
      if (r.path == path) out.push_back(r);
    return out;
  }

  int64_t bill_time = 0;
  std::mutex mu;
  std::vector<sim::HttpServerRequest> requests;
};

class TestPerp : public bitget::BitgetPerpetual {
 public:
  using BitgetPerpetual::BitgetPerpetual;
  using BitgetPerpetual::fetch_order_book_snapshot;
  using BitgetPerpetual::fetch_order_status;
  using BitgetPerpetual::fetch_position_mode;
  using BitgetPerpetual::place_order;
  using BitgetPerpetual::set_known_position_mode;
  using BitgetPerpetual::validate_order;
};

class BitgetPerpetualMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<sim::Server>(sio, fake);
    server->start();
    sim_thread = std::thread([this] { sio.run(); });
    ConnectorConfig c;
    c.id = "bitget_perpetual";
    c.credentials["api_key"] = Secret("key");
    c.credentials["secret_key"] = Secret("secret");
    c.credentials["passphrase"] = Secret("pass");
    c.trading_pairs = {kBtc};
    const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
    c.endpoint_override = Endpoints{base, "ws://127.0.0.1:1/x", "ws://127.0.0.1:1/y"};
    conn = std::make_unique<TestPerp>(cio.get_executor(), c, *c.endpoint_override);
    client_thread = std::thread([this] { cio.run(); });
    run([this]() -> asio::awaitable<void> { co_await conn->load_trading_rules(); });
  }
  void TearDown() override {
    cio_guard.reset();
    cio.stop();
    client_thread.join();
    conn.reset();  // after its io_context stopped
    server->stop();
    sio_guard.reset();
    sio.stop();
    sim_thread.join();
  }
  template <class F>
  auto run(F&& f)
      -> decltype(asio::co_spawn(std::declval<asio::io_context&>(), std::forward<F>(f), asio::use_future)
                      .get()) {
    return asio::co_spawn(cio, std::forward<F>(f), asio::use_future).get();
  }
  json::object place(TradeType side, PositionAction action, PositionMode mode,
                     OrderType type = OrderType::kLimit) {
    conn->set_known_position_mode(mode);
    InFlightOrder order("nctTEST" + std::to_string(++seq), kBtc, type, side, "0.01"_d,
                        type == OrderType::kMarket ? Decimal{} : "65000.5"_d, 0, action, 20);
    run([&]() -> asio::awaitable<void> { (void)co_await conn->place_order(order); });
    auto reqs = fake.taken("/api/v2/mix/order/place-order");
    EXPECT_FALSE(reqs.empty());
    const auto& r = reqs.back();
    // Signed as the exchange verifies it.
    EXPECT_EQ(r.header("ACCESS-SIGN").value_or(""),
              bitget::sign("secret", r.header("ACCESS-TIMESTAMP").value_or(""), "POST", r.path, "", r.body));
    return json::parse(r.body).as_object();
  }

  asio::io_context sio, cio;
  asio::executor_work_guard<asio::io_context::executor_type> sio_guard{sio.get_executor()};
  asio::executor_work_guard<asio::io_context::executor_type> cio_guard{cio.get_executor()};
  MixFake fake;
  std::unique_ptr<sim::Server> server;
  std::unique_ptr<TestPerp> conn;
  std::thread sim_thread, client_thread;
  int seq = 0;
};

TEST_F(BitgetPerpetualMapping, ContractsBecomeRules) {
  const TradingRule* r = conn->trading_rule(kBtc);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->exchange_symbol, "BTCUSDT") << "dated futures are not perpetuals";
  EXPECT_EQ(r->min_price_increment, "0.5"_d) << "tick = priceEndStep x 10^-pricePlace";
  EXPECT_EQ(r->min_base_amount_increment, "0.001"_d);
  EXPECT_EQ(r->min_order_size, "0.001"_d);
  EXPECT_EQ(r->min_notional_size, "5"_d);
  EXPECT_EQ(r->max_order_size, "1200"_d);
  EXPECT_EQ(r->max_market_order_size, "200"_d);
  EXPECT_EQ(r->min_leverage, 1);
  EXPECT_EQ(r->max_leverage, 125);
  EXPECT_EQ(r->collateral_token, "USDT");
  EXPECT_EQ(fake.taken("/api/v2/mix/market/contracts").at(0).query, "productType=USDT-FUTURES");
}

TEST_F(BitgetPerpetualMapping, OneWayAndHedgeSideConventions) {
  auto open_buy = place(TradeType::kBuy, PositionAction::kOpen, PositionMode::kOneway);
  EXPECT_EQ(open_buy["side"], "buy");
  EXPECT_FALSE(open_buy.contains("tradeSide"));
  EXPECT_FALSE(open_buy.contains("reduceOnly"));
  EXPECT_EQ(open_buy["productType"], "USDT-FUTURES");
  EXPECT_EQ(open_buy["marginCoin"], "USDT");
  EXPECT_EQ(open_buy["marginMode"], "crossed");
  EXPECT_EQ(open_buy["size"], "0.01");
  EXPECT_EQ(open_buy["price"], "65000.5");
  EXPECT_EQ(open_buy["force"], "gtc");

  auto close_sell = place(TradeType::kSell, PositionAction::kClose, PositionMode::kOneway);
  EXPECT_EQ(close_sell["side"], "sell");
  EXPECT_EQ(close_sell["reduceOnly"], "YES");

  auto open_short = place(TradeType::kSell, PositionAction::kOpen, PositionMode::kHedge);
  EXPECT_EQ(open_short["side"], "sell");
  EXPECT_EQ(open_short["tradeSide"], "open");
  EXPECT_FALSE(open_short.contains("reduceOnly"));

  // Closing names the position: a SELL that closes a long is side buy + close, and vice versa.
  auto close_long = place(TradeType::kSell, PositionAction::kClose, PositionMode::kHedge);
  EXPECT_EQ(close_long["side"], "buy");
  EXPECT_EQ(close_long["tradeSide"], "close");
  auto close_short = place(TradeType::kBuy, PositionAction::kClose, PositionMode::kHedge, OrderType::kMarket);
  EXPECT_EQ(close_short["side"], "sell");
  EXPECT_EQ(close_short["tradeSide"], "close");
  EXPECT_EQ(close_short["orderType"], "market");
  EXPECT_FALSE(close_short.contains("price"));
}

TEST_F(BitgetPerpetualMapping, OrderDetailIsAnObjectWithState) {
  InFlightOrder order("nctX1", kBtc, OrderType::kLimit, TradeType::kBuy, "0.01"_d, "64000"_d, 0,
                      PositionAction::kOpen, 20);
  fake.detail_data = R"({"symbol":"BTCUSDT","size":"0.01","orderId":"1098394042131120129","clientOid":"nctX1",
    "baseVolume":"0.004","priceAvg":"64000","fee":"-0.384","price":"64000","state":"partially_filled","side":"buy",
    "uTime":"1700000002000"})";
  const OrderUpdate u =
      run([&]() -> asio::awaitable<OrderUpdate> { co_return co_await conn->fetch_order_status(order); });
  EXPECT_EQ(u.new_state, OrderState::kPartiallyFilled);
  EXPECT_EQ(u.exchange_order_id, "1098394042131120129");
  EXPECT_EQ(u.executed_base, std::optional<Decimal>("0.004"_d));
  EXPECT_EQ(fake.taken("/api/v2/mix/order/detail").back().query,
            "symbol=BTCUSDT&productType=USDT-FUTURES&clientOid=nctX1");
  fake.detail_data = "null";
  try {
    run([&]() -> asio::awaitable<void> { (void)co_await conn->fetch_order_status(order); });
    ADD_FAILURE() << "unknown order not reported";
  } catch (const ExchangeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kOrderNotFound);
  }
}

TEST_F(BitgetPerpetualMapping, MergeDepthNumbersAreReadExactly) {
  OrderBook book;
  run([&]() -> asio::awaitable<void> { co_await conn->fetch_order_book_snapshot(kBtc, book); });
  ASSERT_EQ(book.bid_count(), 2u);
  ASSERT_EQ(book.ask_count(), 2u);
  EXPECT_EQ(book.bid(0).price, "65000"_d);
  EXPECT_EQ(book.bid(1).size, "2"_d);
  EXPECT_EQ(book.ask(0).price, "65001.5"_d);
  EXPECT_EQ(book.ask(1).size, "1.25"_d);
}

TEST_F(BitgetPerpetualMapping, PositionsModeLeverageAndFundingBills) {
  run([&]() -> asio::awaitable<void> { co_await conn->refresh_positions(); });
  const Position* p = conn->position(kBtc, PositionSide::kLong);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->amount, "0.01"_d);
  EXPECT_EQ(p->entry_price, "65000"_d);
  EXPECT_EQ(p->unrealized_pnl, "-0.02"_d);
  EXPECT_EQ(p->liquidation_price, "61900.4"_d);
  EXPECT_EQ(p->leverage, 20);

  // Closing more than the long held is refused before anything is sent.
  InFlightOrder too_big("nctC", kBtc, OrderType::kLimit, TradeType::kSell, "0.02"_d, "65000"_d, 0,
                        PositionAction::kClose, 20);
  const std::string why = conn->validate_order(too_big);
  EXPECT_NE(why.find("cannot close 0.02 BTC: the long position held is 0.01"), std::string::npos) << why;

  fake.pos_mode = "hedge_mode";
  EXPECT_EQ(run([&]() -> asio::awaitable<PositionMode> { co_return co_await conn->fetch_position_mode(); }),
            PositionMode::kHedge);
  std::vector<Event> events;
  auto sub = conn->events().subscribe([&](const Event& e) { events.push_back(e); });
  run([&]() -> asio::awaitable<void> { co_await conn->set_position_mode(PositionMode::kHedge); });
  EXPECT_TRUE(fake.taken("/api/v2/mix/account/set-position-mode").empty())
      << "already hedge: nothing to change";
  fake.pos_mode = "one_way_mode";
  run([&]() -> asio::awaitable<void> { co_await conn->set_position_mode(PositionMode::kHedge); });
  ASSERT_EQ(fake.taken("/api/v2/mix/account/set-position-mode").size(), 1u);
  EXPECT_EQ(json::parse(fake.taken("/api/v2/mix/account/set-position-mode")[0].body).as_object()["posMode"],
            "hedge_mode");
  EXPECT_EQ(conn->position_mode(), PositionMode::kHedge);

  run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 20); });
  EXPECT_EQ(conn->leverage(kBtc), 20);
  EXPECT_THROW(run([&]() -> asio::awaitable<void> { co_await conn->set_leverage(kBtc, 200); }),
               ExchangeError);
  EXPECT_EQ(fake.taken("/api/v2/mix/account/set-leverage").size(), 1u) << "out-of-bounds leverage not sent";

  // Funding: the settle-fee bill is emitted once however often it is polled; other bills are not funding.
  fake.bill_time = wall_clock_ms() + 1000;
  // start() sets the "payments since" mark; its loops fail quietly against this fake.
  run([&]() -> asio::awaitable<void> {
    conn->start();
    co_return;
  });
  run([&]() -> asio::awaitable<void> { co_await conn->poll_funding_payments(); });
  run([&]() -> asio::awaitable<void> { co_await conn->poll_funding_payments(); });
  int funding = 0;
  for (const auto& e : events) {
    if (auto* f = std::get_if<FundingPaymentEvent>(&e)) {
      ++funding;
      EXPECT_EQ(f->amount, "-0.065"_d);
      EXPECT_EQ(f->payment_id, "1");
      EXPECT_EQ(f->pair, kBtc);
    }
  }
  EXPECT_EQ(funding, 1);
  int mode_events = 0;
  for (const auto& e : events)
    if (auto* m = std::get_if<PositionModeChangedEvent>(&e)) mode_events += m->success ? 1 : 0;
  EXPECT_EQ(mode_events, 2) << "one event per request, changed or already so";
  run([&]() -> asio::awaitable<void> { co_await conn->stop(); });
}

}  // namespace
