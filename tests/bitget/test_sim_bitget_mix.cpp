// Loopback tests of the Bitget V2 simulator's USDT-M perpetuals (`mix` REST family, WS instType
// USDT-FUTURES) through the real net layer. See docs/bitget-sim.md and shared/protocols/bitget.md §2.2, §2.4,
// §4, §6, §7, §9.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/core/decimal.hpp"
#include "nectar/net/http_client.hpp"
#include "nectar/net/websocket_client.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "sim_rest_fixture.hpp"

using namespace nectar;
namespace asio = boost::asio;
namespace json = boost::json;
using nectar::sim::bitget::BitgetSimulator;
using nectar::sim::bitget::SimulatorOptions;
using std::chrono::milliseconds;

namespace {

std::string str(const json::value& v) {
  return std::string(v.as_string());
}
Decimal dec(const json::value& v) {
  return Decimal::parse(str(v));
}

class BitgetMixSim : public testing_support::SimRestFixture {
 protected:
  virtual int64_t funding_interval_ms() const { return 8LL * 3600 * 1000; }
  SimulatorOptions options() const override {
    SimulatorOptions o = SimRestFixture::options();
    o.seed = 11;
    o.funding_interval_ms = funding_interval_ms();
    return o;
  }

  json::value get_ok(const std::string& target, bool sign = false) {
    auto r = rest("GET", target, {}, sign);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    auto o = parse(r);
    EXPECT_EQ(str(o["code"]), "00000") << r.body;
    return o["data"];
  }
  json::value post_ok(const std::string& path, const std::string& body) {
    auto r = rest("POST", path, body, true);
    EXPECT_EQ(r.status, 200) << path << " " << body << " " << r.body;
    auto o = parse(r);
    EXPECT_EQ(str(o["code"]), "00000") << r.body;
    return o["data"];
  }
  /// Error code of a request expected to fail with HTTP 400.
  std::string post_err(const std::string& path, const std::string& body) {
    auto r = rest("POST", path, body, true);
    EXPECT_EQ(r.status, 400) << path << " " << body << " " << r.body;
    return str(parse(r)["code"]);
  }
  std::string get_err(const std::string& target, bool sign = true) {
    auto r = rest("GET", target, {}, sign);
    EXPECT_EQ(r.status, 400) << target << " " << r.body;
    return str(parse(r)["code"]);
  }

  std::string place(const std::string& fields) {
    auto d =
        post_ok("/api/v2/mix/order/place-order",
                R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT",)" + fields + "}");
    return d.is_object() ? str(d.at("orderId")) : std::string();
  }
  std::string place_err(const std::string& fields) {
    return post_err(
        "/api/v2/mix/order/place-order",
        R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT",)" + fields + "}");
  }
  json::array positions() {
    return get_ok("/api/v2/mix/position/all-position?productType=USDT-FUTURES&marginCoin=USDT", true)
        .as_array();
  }
  json::object account() {
    return get_ok("/api/v2/mix/account/accounts?productType=USDT-FUTURES", true).as_array().at(0).as_object();
  }

  /// Connects to the private WS, logs in, subscribes `sub_args` (a JSON array text), reads `initial` messages
  /// (acks and snapshots), signals `ready`, then reads until `max_msgs` or `idle_ms` of silence.
  static asio::awaitable<std::vector<std::string>> ws_collect(std::string url, std::string login,
                                                              std::string sub_args, int initial,
                                                              std::promise<void>* ready, int max_msgs,
                                                              int idle_ms) {
    std::vector<std::string> msgs;
    auto ex = co_await asio::this_coro::executor;
    net::WebSocketClient ws(ex);
    co_await ws.connect(url);
    if (!login.empty()) {
      co_await ws.send_text(login);
      auto sv = co_await ws.read(milliseconds(2000));
      msgs.emplace_back(sv);
    }
    co_await ws.send_text(R"({"op":"subscribe","args":)" + sub_args + "}");
    for (int i = 0; i < initial; ++i) {
      auto sv = co_await ws.read(milliseconds(2000));
      msgs.emplace_back(sv);
    }
    ready->set_value();
    try {
      while (static_cast<int>(msgs.size()) < max_msgs) {
        auto sv = co_await ws.read(milliseconds(idle_ms));
        if (sv != "pong") msgs.emplace_back(sv);
      }
    } catch (const std::exception&) {
    }
    ws.close();
    co_return msgs;
  }

  std::string login_msg() {
    const auto& c = sim->credentials();
    return bitget::ws_login_message(c.api_key, c.secret_key, c.passphrase, std::to_string(wall_clock_ms()));
  }
};

// §2.2: contracts with realistic rules; spot and perpetual tables stay separate although the ids are equal.
TEST_F(BitgetMixSim, ContractsShapeAndSeparateTables) {
  auto d = get_ok("/api/v2/mix/market/contracts?productType=USDT-FUTURES").as_array();
  ASSERT_EQ(d.size(), 2u);
  std::map<std::string, json::object> by;
  for (auto& v : d) by[str(v.at("symbol"))] = v.as_object();
  auto& btc = by.at("BTCUSDT");
  EXPECT_EQ(str(btc.at("baseCoin")), "BTC");
  EXPECT_EQ(str(btc.at("quoteCoin")), "USDT");
  EXPECT_EQ(str(btc.at("pricePlace")), "1");
  EXPECT_EQ(str(btc.at("priceEndStep")), "1");
  EXPECT_EQ(str(btc.at("volumePlace")), "3");
  EXPECT_EQ(str(btc.at("sizeMultiplier")), "0.001");
  EXPECT_EQ(str(btc.at("minTradeNum")), "0.001");
  EXPECT_EQ(str(btc.at("minTradeUSDT")), "5");
  EXPECT_EQ(str(btc.at("minLever")), "1");
  EXPECT_EQ(str(btc.at("maxLever")), "125");
  EXPECT_EQ(str(btc.at("symbolType")), "perpetual");
  EXPECT_EQ(str(btc.at("symbolStatus")), "normal");
  EXPECT_EQ(str(btc.at("fundInterval")), "8");
  EXPECT_EQ(str(btc.at("makerFeeRate")), "0.0002");
  EXPECT_EQ(str(btc.at("takerFeeRate")), "0.0006");
  EXPECT_EQ(str(btc.at("supportMarginCoins").at(0)), "USDT");
  EXPECT_EQ(str(by.at("ETHUSDT").at("pricePlace")), "2");
  EXPECT_EQ(str(by.at("ETHUSDT").at("sizeMultiplier")), "0.01");
  // Symbol filter, unknown symbol, other product types.
  EXPECT_EQ(get_ok("/api/v2/mix/market/contracts?productType=usdt-futures&symbol=ETHUSDT").as_array().size(),
            1u);
  EXPECT_EQ(get_err("/api/v2/mix/market/contracts?productType=USDT-FUTURES&symbol=DOGEUSDT", false), "40034");
  EXPECT_TRUE(get_ok("/api/v2/mix/market/tickers?productType=COIN-FUTURES").as_array().empty());
  // The spot tables are unchanged and do not see the perpetuals' engine symbols.
  EXPECT_EQ(get_ok("/api/v2/spot/public/symbols").as_array().size(), 2u);
  EXPECT_EQ(get_ok("/api/v2/spot/market/tickers").as_array().size(), 2u);
  const std::string engine_sym = BitgetSimulator::perp_engine_symbol("BTCUSDT");
  EXPECT_EQ(get_err("/api/v2/spot/market/orderbook?symbol=" + engine_sym, false), "40034");
  EXPECT_EQ(get_err("/api/v2/mix/market/ticker?productType=USDT-FUTURES&symbol=" + engine_sym, false),
            "40034");
}

TEST_F(BitgetMixSim, PublicMarketData) {
  const std::string q = "?productType=USDT-FUTURES&symbol=BTCUSDT";
  auto t = get_ok("/api/v2/mix/market/ticker" + q).as_array();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(str(t[0].at("symbol")), "BTCUSDT");
  EXPECT_TRUE(dec(t[0].at("markPrice")).is_positive());
  EXPECT_TRUE(dec(t[0].at("indexPrice")).is_positive());
  EXPECT_EQ(str(t[0].at("fundingRate")), "0.0001");
  EXPECT_TRUE(dec(t[0].at("bidPr")) < dec(t[0].at("askPr")));
  EXPECT_TRUE(t[0].as_object().contains("holdingAmount"));
  EXPECT_TRUE(t[0].as_object().contains("open24h"));
  EXPECT_EQ(get_ok("/api/v2/mix/market/tickers?productType=USDT-FUTURES").as_array().size(), 2u);
  // merge-depth: levels are JSON numbers (official examples).
  auto depth = get_ok("/api/v2/mix/market/merge-depth" + q + "&limit=5").as_object();
  ASSERT_EQ(depth.at("asks").as_array().size(), 5u);
  ASSERT_FALSE(depth.at("bids").as_array().empty());
  EXPECT_TRUE(depth.at("asks").at(0).at(0).is_number());
  EXPECT_TRUE(depth.at("bids").at(0).at(1).is_number());
  EXPECT_EQ(str(depth.at("precision")), "scale0");
  // Candles: 7 strings per row.
  auto candles = get_ok("/api/v2/mix/market/candles" + q + "&granularity=1m").as_array();
  ASSERT_FALSE(candles.empty());
  EXPECT_EQ(candles[0].as_array().size(), 7u);
  EXPECT_EQ(get_err("/api/v2/mix/market/candles" + q + "&granularity=7m", false), "40020");
  auto fr = get_ok("/api/v2/mix/market/current-fund-rate" + q).as_array();
  ASSERT_EQ(fr.size(), 1u);
  EXPECT_EQ(str(fr[0].at("fundingRateInterval")), "8");
  const int64_t next = std::stoll(str(fr[0].at("nextUpdate")));
  EXPECT_EQ(next % (8LL * 3600 * 1000), 0);
  EXPECT_GT(next, wall_clock_ms());
  auto ft = get_ok("/api/v2/mix/market/funding-time" + q).as_array();
  EXPECT_EQ(std::stoll(str(ft.at(0).at("nextFundingTime"))), next);
  auto sp = get_ok("/api/v2/mix/market/symbol-price" + q).as_array();
  EXPECT_TRUE(dec(sp.at(0).at("markPrice")).is_positive());
  auto oi = get_ok("/api/v2/mix/market/open-interest" + q).as_object();
  EXPECT_EQ(str(oi.at("openInterestList").at(0).at("symbol")), "BTCUSDT");
  EXPECT_TRUE(get_ok("/api/v2/mix/market/history-fund-rate" + q).as_array().empty());
  auto fills = get_ok("/api/v2/mix/market/fills" + q + "&limit=5").as_array();
  ASSERT_FALSE(fills.empty());
  EXPECT_EQ(str(fills[0].at("symbol")), "BTCUSDT");
  EXPECT_EQ(get_err("/api/v2/mix/market/ticker?symbol=BTCUSDT", false), "40019");
  EXPECT_EQ(get_err("/api/v2/mix/market/ticker?productType=FOO&symbol=BTCUSDT", false), "40020");
}

// Separate futures wallet; account/account settings; leverage bounds (40797); margin mode.
TEST_F(BitgetMixSim, AccountsAndSettings) {
  auto a = account();
  EXPECT_EQ(str(a.at("marginCoin")), "USDT");
  EXPECT_EQ(dec(a.at("available")), Decimal::from_int(10000));
  EXPECT_EQ(dec(a.at("accountEquity")), Decimal::from_int(10000));
  EXPECT_EQ(dec(a.at("maxTransferOut")), Decimal::from_int(10000));
  EXPECT_TRUE(get_ok("/api/v2/mix/account/accounts?productType=COIN-FUTURES", true).as_array().empty());
  const std::string q = "?symbol=BTCUSDT&productType=USDT-FUTURES&marginCoin=USDT";
  auto one = get_ok("/api/v2/mix/account/account" + q, true).as_object();
  EXPECT_EQ(str(one.at("posMode")), "one_way_mode");
  EXPECT_EQ(str(one.at("marginMode")), "crossed");
  EXPECT_EQ(str(one.at("crossedMarginLeverage")), "20");
  auto lev =
      post_ok("/api/v2/mix/account/set-leverage",
              R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"50"})");
  EXPECT_EQ(str(lev.at("longLeverage")), "50");
  EXPECT_EQ(str(lev.at("crossMarginLeverage")), "50");
  EXPECT_EQ(str(get_ok("/api/v2/mix/account/account" + q, true).at("crossedMarginLeverage")), "50");
  EXPECT_EQ(
      post_err("/api/v2/mix/account/set-leverage",
               R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"126"})"),
      "40797");
  EXPECT_EQ(
      post_err("/api/v2/mix/account/set-leverage",
               R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"0.5"})"),
      "40797");
  EXPECT_EQ(post_err("/api/v2/mix/account/set-leverage",
                     R"({"symbol":"XUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"5"})"),
            "40034");
  auto mm = post_ok(
      "/api/v2/mix/account/set-margin-mode",
      R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","marginMode":"isolated"})");
  EXPECT_EQ(str(mm.at("marginMode")), "isolated");
  // The spot wallet is untouched by futures and vice versa.
  auto spot = get_ok("/api/v2/spot/account/assets?coin=USDT", true).as_array();
  EXPECT_EQ(dec(spot.at(0).at("available")), Decimal::from_int(10000));
}

// One-way mode: place / list / detail / cancel, and the error codes of §6 / §9.4.
TEST_F(BitgetMixSim, OneWayPlaceCancelDetailAndErrors) {
  const std::string id = place(
      R"("marginMode":"crossed","side":"buy","orderType":"limit","force":"gtc","price":"60000.0","size":"0.010","clientOid":"perp-1")");
  ASSERT_FALSE(id.empty());
  auto pend = get_ok("/api/v2/mix/order/orders-pending?productType=USDT-FUTURES", true).as_object();
  ASSERT_TRUE(pend.at("entrustedList").is_array());
  auto o = pend.at("entrustedList").at(0).as_object();
  EXPECT_EQ(str(o.at("orderId")), id);
  EXPECT_EQ(str(o.at("status")), "live");
  EXPECT_EQ(str(o.at("side")), "buy");
  EXPECT_EQ(str(o.at("tradeSide")), "buy_single");
  EXPECT_EQ(str(o.at("posSide")), "net");
  EXPECT_EQ(str(o.at("reduceOnly")), "NO");
  EXPECT_EQ(str(o.at("price")), "60000.0");
  EXPECT_EQ(str(o.at("size")), "0.010");
  EXPECT_EQ(str(o.at("marginCoin")), "USDT");
  EXPECT_EQ(str(o.at("leverage")), "20");
  // Margin reserved for the order.
  EXPECT_TRUE(dec(account().at("locked")).is_positive());
  auto det = get_ok("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&orderId=" + id, true);
  ASSERT_TRUE(det.is_object());
  EXPECT_EQ(str(det.at("state")), "live");
  EXPECT_EQ(str(det.at("clientOid")), "perp-1");
  auto det2 =
      get_ok("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&clientOid=perp-1", true);
  EXPECT_EQ(str(det2.at("orderId")), id);
  auto c = post_ok(
      "/api/v2/mix/order/cancel-order",
      R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","orderId":")" + id + R"("})");
  EXPECT_EQ(str(c.at("orderId")), id);
  EXPECT_EQ(str(c.at("clientOid")), "perp-1");
  EXPECT_EQ(post_err("/api/v2/mix/order/cancel-order",
                     R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","orderId":")" + id + R"("})"),
            "40768");
  EXPECT_EQ(get_err("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&orderId=123"), "40109");
  EXPECT_EQ(str(get_ok("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&orderId=" + id, true)
                    .at("state")),
            "canceled");
  EXPECT_TRUE(get_ok("/api/v2/mix/order/orders-pending?productType=USDT-FUTURES", true)
                  .at("entrustedList")
                  .is_null());
  auto hist = get_ok("/api/v2/mix/order/orders-history?productType=USDT-FUTURES&symbol=BTCUSDT", true);
  EXPECT_EQ(str(hist.at("entrustedList").at(0).at("status")), "canceled");
  EXPECT_EQ(dec(account().at("locked")), Decimal{});
  // Errors.
  EXPECT_EQ(place_err(R"("side":"buy","orderType":"limit","price":"60000.05","size":"0.01")"), "40808");
  EXPECT_EQ(place_err(R"("side":"buy","orderType":"limit","price":"60000","size":"0.0015")"), "40808");
  EXPECT_EQ(place_err(R"("side":"buy","orderType":"limit","price":"1000","size":"0.001")"), "45110");
  EXPECT_EQ(place_err(R"("side":"buy","orderType":"limit","price":"60000","size":"100")"), "40762");
  EXPECT_EQ(place_err(R"("side":"sell","orderType":"market","size":"0.01","reduceOnly":"YES")"), "22002");
  EXPECT_EQ(
      post_err(
          "/api/v2/mix/order/place-order",
          R"({"symbol":"DOGEUSDT","productType":"USDT-FUTURES","side":"buy","orderType":"market","size":"1"})"),
      "40034");
  // Batch place and batch cancel.
  auto batch = post_ok(
      "/api/v2/mix/order/batch-place-order",
      R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","marginMode":"crossed","orderList":[)"
      R"({"side":"buy","orderType":"limit","price":"60000","size":"0.01","clientOid":"b1"},)"
      R"({"side":"buy","orderType":"limit","price":"60000.01","size":"0.01","clientOid":"b2"}]})");
  ASSERT_EQ(batch.at("successList").as_array().size(), 1u);
  ASSERT_EQ(batch.at("failureList").as_array().size(), 1u);
  EXPECT_EQ(str(batch.at("failureList").at(0).at("errorCode")), "40808");
  const std::string bid = str(batch.at("successList").at(0).at("orderId"));
  auto bc = post_ok("/api/v2/mix/order/batch-cancel-orders",
                    R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","orderIdList":[{"orderId":")" + bid +
                        R"("},{"orderId":"1"}]})");
  EXPECT_EQ(bc.at("successList").as_array().size(), 1u);
  EXPECT_EQ(str(bc.at("failureList").at(0).at("errorCode")), "40768");
  place(R"("side":"buy","orderType":"limit","price":"60000","size":"0.01")");
  place(R"("side":"sell","orderType":"limit","price":"70000","size":"0.01")");
  auto all =
      post_ok("/api/v2/mix/order/cancel-all-orders", R"({"productType":"USDT-FUTURES","marginCoin":"USDT"})");
  EXPECT_EQ(all.at("successList").as_array().size(), 2u);
}

// One-way: a market open, the position, fills (feeDetail list), reduce-only close, bills.
TEST_F(BitgetMixSim, OneWayOpenClosePositionFillsBills) {
  const std::string id = place(R"("marginMode":"crossed","side":"buy","orderType":"market","size":"0.010")");
  auto ps = positions();
  ASSERT_EQ(ps.size(), 1u);
  auto p = ps[0].as_object();
  EXPECT_EQ(str(p.at("symbol")), "BTCUSDT");
  EXPECT_EQ(str(p.at("holdSide")), "long");
  EXPECT_EQ(str(p.at("total")), "0.010");
  EXPECT_EQ(str(p.at("posMode")), "one_way_mode");
  EXPECT_EQ(str(p.at("marginMode")), "crossed");
  EXPECT_EQ(str(p.at("leverage")), "20");
  EXPECT_TRUE(dec(p.at("openPriceAvg")).is_positive());
  EXPECT_TRUE(dec(p.at("marginSize")).is_positive());
  EXPECT_EQ(str(p.at("keepMarginRate")), "0.004");
  auto det = get_ok("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&orderId=" + id, true);
  EXPECT_EQ(str(det.at("state")), "filled");
  EXPECT_TRUE(dec(det.at("fee")).is_negative());
  auto fills = get_ok("/api/v2/mix/order/fills?productType=USDT-FUTURES&symbol=BTCUSDT&orderId=" + id, true);
  auto fl = fills.at("fillList").as_array();
  ASSERT_FALSE(fl.empty());
  EXPECT_TRUE(fl[0].at("feeDetail").is_array());
  EXPECT_TRUE(dec(fl[0].at("feeDetail").at(0).at("totalFee")).is_negative());
  EXPECT_EQ(str(fl[0].at("tradeScope")), "taker");
  EXPECT_EQ(str(fl[0].at("posMode")), "one_way_mode");
  // Reduce-only larger than the position is refused; the exact size closes.
  EXPECT_EQ(place_err(R"("side":"sell","orderType":"market","size":"0.020","reduceOnly":"YES")"), "40757");
  place(R"("side":"sell","orderType":"market","size":"0.010","reduceOnly":"YES")");
  EXPECT_TRUE(positions().empty());
  auto bills = get_ok("/api/v2/mix/account/bill?productType=USDT-FUTURES", true).at("bills").as_array();
  ASSERT_GE(bills.size(), 2u);
  EXPECT_EQ(str(bills[0].at("businessType")), "close_long");
  EXPECT_EQ(str(bills.back().at("businessType")), "open_long");
  EXPECT_EQ(str(bills[0].at("coin")), "USDT");
  auto opens = get_ok("/api/v2/mix/account/bill?productType=USDT-FUTURES&businessType=open_long", true);
  EXPECT_EQ(opens.at("bills").as_array().size(), 1u);
}

// Hedge mode: tradeSide required (40774); the side names the position for closes (§7); the position mode
// cannot change while a position is open (40920).
TEST_F(BitgetMixSim, HedgeModeSideConventionAndModeSwitch) {
  auto pm = post_ok("/api/v2/mix/account/set-position-mode",
                    R"({"productType":"USDT-FUTURES","posMode":"hedge_mode"})");
  EXPECT_EQ(str(pm.at("posMode")), "hedge_mode");
  EXPECT_EQ(
      str(get_ok("/api/v2/mix/account/account?symbol=BTCUSDT&productType=USDT-FUTURES&marginCoin=USDT", true)
              .at("posMode")),
      "hedge_mode");
  EXPECT_EQ(place_err(R"("side":"buy","orderType":"market","size":"0.01")"), "40774");
  place(R"("side":"buy","tradeSide":"open","orderType":"market","size":"0.020")");
  place(R"("side":"sell","tradeSide":"Open","orderType":"market","size":"0.010")");
  auto ps = positions();
  ASSERT_EQ(ps.size(), 2u);
  std::map<std::string, std::string> totals;
  for (auto& p : ps) totals[str(p.at("holdSide"))] = str(p.at("total"));
  EXPECT_EQ(totals["long"], "0.020");
  EXPECT_EQ(totals["short"], "0.010");
  EXPECT_EQ(str(ps[0].at("posMode")), "hedge_mode");
  EXPECT_EQ(post_err("/api/v2/mix/account/set-position-mode",
                     R"({"productType":"USDT-FUTURES","posMode":"one_way_mode"})"),
            "40920");
  // Close the long partly: side buy + tradeSide close (the trade sells).
  const std::string cid = place(R"("side":"buy","tradeSide":"close","orderType":"market","size":"0.005")");
  totals.clear();
  for (auto& p : positions()) totals[str(p.at("holdSide"))] = str(p.at("total"));
  EXPECT_EQ(totals["long"], "0.015");
  EXPECT_EQ(totals["short"], "0.010");
  auto det = get_ok("/api/v2/mix/order/detail?symbol=BTCUSDT&productType=USDT-FUTURES&orderId=" + cid, true);
  EXPECT_EQ(str(det.at("side")), "buy");
  EXPECT_EQ(str(det.at("tradeSide")), "close");
  EXPECT_EQ(str(det.at("posSide")), "long");
  EXPECT_EQ(str(det.at("reduceOnly")), "YES");
  EXPECT_EQ(str(det.at("posMode")), "hedge_mode");
  // A resting close locks part of the position.
  place(R"("side":"buy","tradeSide":"close","orderType":"limit","price":"90000","size":"0.005")");
  for (auto& p : positions())
    if (str(p.at("holdSide")) == "long") {
      EXPECT_EQ(str(p.at("locked")), "0.005");
      EXPECT_EQ(str(p.at("available")), "0.010");
    }
  EXPECT_EQ(place_err(R"("side":"buy","tradeSide":"close","orderType":"market","size":"0.015")"), "40757");
  post_ok("/api/v2/mix/order/cancel-all-orders", R"({"productType":"USDT-FUTURES"})");
  // Close everything: long with side buy, short with side sell.
  place(R"("side":"buy","tradeSide":"close","orderType":"market","size":"0.015")");
  place(R"("side":"sell","tradeSide":"close","orderType":"market","size":"0.010")");
  EXPECT_TRUE(positions().empty());
  post_ok("/api/v2/mix/account/set-position-mode",
          R"({"productType":"USDT-FUTURES","posMode":"one_way_mode"})");
  // Margin mode refused while a position is open.
  place(R"("side":"buy","orderType":"market","size":"0.010")");
  EXPECT_EQ(
      post_err(
          "/api/v2/mix/account/set-margin-mode",
          R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","marginMode":"isolated"})"),
      "45117");
}

// §4.2 / §9.6: private futures channels; per fill orders (with fill fields) → fill → positions → account.
TEST_F(BitgetMixSim, WsPrivateOrdersPositionsAccount) {
  std::promise<void> ready;
  auto fut =
      asio::co_spawn(cio,
                     ws_collect(sim->ws_private_url(), login_msg(),
                                R"([{"instType":"USDT-FUTURES","channel":"orders","instId":"default"},)"
                                R"({"instType":"USDT-FUTURES","channel":"positions","instId":"default"},)"
                                R"({"instType":"USDT-FUTURES","channel":"account","coin":"default"},)"
                                R"({"instType":"USDT-FUTURES","channel":"fill","instId":"default"}])",
                                6, &ready, 40, 1500),
                     asio::use_future);
  ASSERT_EQ(ready.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  place(R"("side":"buy","orderType":"limit","price":"60000","size":"0.010","clientOid":"ws-live")");
  place(R"("side":"buy","orderType":"market","size":"0.010","clientOid":"ws-mkt")");
  auto msgs = fut.get();
  ASSERT_GE(msgs.size(), 7u);
  EXPECT_EQ(msgs[0], R"({"event":"login","code":"0","msg":""})");
  bool pos_snapshot = false, acct_snapshot = false;
  for (int i = 1; i <= 6; ++i) {
    auto v = json::parse(msgs[i]).as_object();
    if (v.contains("event")) continue;
    const std::string ch = str(v["arg"].at("channel"));
    if (ch == "positions") {
      pos_snapshot = true;
      EXPECT_TRUE(v["data"].as_array().empty()) << msgs[i];
    }
    if (ch == "account") {
      acct_snapshot = true;
      EXPECT_EQ(str(v["data"].at(0).at("marginCoin")), "USDT");
      EXPECT_EQ(dec(v["data"].at(0).at("available")), Decimal::from_int(10000));
    }
  }
  EXPECT_TRUE(pos_snapshot);
  EXPECT_TRUE(acct_snapshot);
  std::vector<std::string> seq;
  int fill_orders = -1;
  for (std::size_t i = 7; i < msgs.size(); ++i) {
    auto v = json::parse(msgs[i]).as_object();
    const std::string ch = str(v["arg"].at("channel"));
    EXPECT_EQ(str(v["arg"].at("instType")), "USDT-FUTURES");
    seq.push_back(ch);
    if (ch == "orders") {
      const auto& d = v["data"].at(0).as_object();
      EXPECT_EQ(str(d.at("marginCoin")), "USDT");
      EXPECT_TRUE(d.contains("leverage"));
      EXPECT_TRUE(d.contains("tradeSide"));
      EXPECT_TRUE(d.contains("price"));
      if (str(d.at("clientOid")) == "ws-live") {
        EXPECT_EQ(str(d.at("status")), "live");
        EXPECT_FALSE(d.contains("tradeId")) << msgs[i];
        EXPECT_FALSE(d.contains("fillPrice")) << msgs[i];
        EXPECT_FALSE(d.contains("baseVolume")) << msgs[i];
      }
      if (d.contains("tradeId") && fill_orders < 0) {
        fill_orders = static_cast<int>(seq.size()) - 1;
        EXPECT_EQ(str(d.at("clientOid")), "ws-mkt");
        EXPECT_TRUE(dec(d.at("fillFee")).is_negative());
        EXPECT_EQ(str(d.at("fillFeeCoin")), "USDT");
        EXPECT_EQ(str(d.at("posSide")), "net");
        EXPECT_EQ(str(d.at("tradeSide")), "buy_single");
      }
    }
    if (ch == "positions" && fill_orders >= 0) {
      ASSERT_EQ(v["data"].as_array().size(), 1u) << msgs[i];
      EXPECT_EQ(str(v["data"].at(0).at("holdSide")), "long");
      EXPECT_EQ(str(v["data"].at(0).at("instId")), "BTCUSDT");
    }
  }
  ASSERT_GE(fill_orders, 0) << "no orders push with fill fields";
  ASSERT_LT(fill_orders + 3, static_cast<int>(seq.size()));
  EXPECT_EQ(seq[fill_orders + 1], "fill");
  EXPECT_EQ(seq[fill_orders + 2], "positions");
  EXPECT_EQ(seq[fill_orders + 3], "account");
}

// §4.1 for USDT-FUTURES: books (seq + checksum), books5, ticker with mark/index/funding, trade.
TEST_F(BitgetMixSim, WsPublicBooksTickerTrade) {
  std::promise<void> ready;
  auto fut =
      asio::co_spawn(cio,
                     ws_collect(sim->ws_public_url(), "",
                                R"([{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},)"
                                R"({"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},)"
                                R"({"instType":"USDT-FUTURES","channel":"books5","instId":"ETHUSDT"},)"
                                R"({"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"},)"
                                R"({"instType":"USDT-FUTURES","channel":"books","instId":"NOPEUSDT"}])",
                                9, &ready, 30, 1500),
                     asio::use_future);
  ASSERT_EQ(ready.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  sim->set_activity_paused(false);
  auto msgs = fut.get();
  sim->set_activity_paused(true);
  bool books_snapshot = false, books_update = false, ticker = false, books5 = false, err = false;
  uint64_t last_seq = 0;
  for (const auto& m : msgs) {
    auto v = json::parse(m).as_object();
    if (v.contains("event")) {
      if (str(v["event"]) == "error") {
        err = true;
        EXPECT_EQ(str(v["code"]), "30001");
      }
      continue;
    }
    const std::string ch = str(v["arg"].at("channel"));
    EXPECT_EQ(str(v["arg"].at("instType")), "USDT-FUTURES");
    const auto& d = v["data"].at(0).as_object();
    if (ch == "books") {
      const uint64_t seq = d.at("seq").to_number<uint64_t>();
      EXPECT_TRUE(d.at("checksum").is_int64());
      if (str(v["action"]) == "snapshot") {
        books_snapshot = true;
        EXPECT_EQ(str(d.at("bids").at(0).at(0)).find('.') + 2, str(d.at("bids").at(0).at(0)).size());
      } else {
        books_update = true;
        EXPECT_GT(seq, last_seq);
      }
      last_seq = seq;
    }
    if (ch == "books5") {
      books5 = true;
      EXPECT_EQ(d.at("asks").as_array().size(), 5u);
    }
    if (ch == "ticker") {
      ticker = true;
      EXPECT_EQ(str(d.at("instId")), "BTCUSDT");
      EXPECT_TRUE(dec(d.at("markPrice")).is_positive());
      EXPECT_TRUE(dec(d.at("indexPrice")).is_positive());
      EXPECT_EQ(str(d.at("fundingRate")), "0.0001");
      EXPECT_GT(std::stoll(str(d.at("nextFundingTime"))), wall_clock_ms());
    }
  }
  EXPECT_TRUE(books_snapshot);
  EXPECT_TRUE(books_update);
  EXPECT_TRUE(ticker);
  EXPECT_TRUE(books5);
  EXPECT_TRUE(err);
}

class BitgetMixFundingSim : public BitgetMixSim {
 protected:
  int64_t funding_interval_ms() const override { return 1000; }
};

// Funding settles every interval: a long pays (rate 0.0001 > 0), a contract_settle_fee bill is written, the
// history records it and nextUpdate moves on.
TEST_F(BitgetMixFundingSim, FundingBillAfterShortInterval) {
  place(R"("side":"buy","orderType":"market","size":"0.010")");
  json::array bills;
  for (int i = 0; i < 50 && bills.empty(); ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    bills = get_ok("/api/v2/mix/account/bill?productType=USDT-FUTURES&businessType=contract_settle_fee", true)
                .at("bills")
                .as_array();
  }
  ASSERT_FALSE(bills.empty());
  EXPECT_TRUE(dec(bills[0].at("amount")).is_negative()) << json::serialize(bills[0]);
  EXPECT_EQ(str(bills[0].at("symbol")), "BTCUSDT");
  auto hist =
      get_ok("/api/v2/mix/market/history-fund-rate?productType=USDT-FUTURES&symbol=BTCUSDT").as_array();
  ASSERT_FALSE(hist.empty());
  EXPECT_EQ(str(hist[0].at("fundingRate")), "0.0001");
  EXPECT_EQ(std::stoll(str(hist[0].at("fundingTime"))) % 1000, 0);
  auto fr = get_ok("/api/v2/mix/market/current-fund-rate?productType=USDT-FUTURES&symbol=BTCUSDT").as_array();
  EXPECT_GT(std::stoll(str(fr[0].at("nextUpdate"))), std::stoll(str(hist[0].at("fundingTime"))));
}

// Liquidation: an isolated 125x long below maintenance is closed by the exchange: orders push
// (tradeSide burst_close_long) → positions [] → account.
TEST_F(BitgetMixSim, LiquidationPushes) {
  post_ok("/api/v2/mix/account/set-margin-mode",
          R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","marginMode":"isolated"})");
  post_ok("/api/v2/mix/account/set-leverage",
          R"({"symbol":"BTCUSDT","productType":"USDT-FUTURES","marginCoin":"USDT","leverage":"125"})");
  place(R"("marginMode":"isolated","side":"buy","orderType":"market","size":"0.010")");
  auto ps = positions();
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(str(ps[0].at("marginMode")), "isolated");
  const Decimal liq = dec(ps[0].at("liquidationPrice"));
  EXPECT_TRUE(liq.is_positive());
  const Decimal entry = dec(ps[0].at("openPriceAvg"));
  std::promise<void> ready;
  auto fut =
      asio::co_spawn(cio,
                     ws_collect(sim->ws_private_url(), login_msg(),
                                R"([{"instType":"USDT-FUTURES","channel":"orders","instId":"default"},)"
                                R"({"instType":"USDT-FUTURES","channel":"positions","instId":"default"},)"
                                R"({"instType":"USDT-FUTURES","channel":"account","coin":"default"}])",
                                5, &ready, 12, 1000),
                     asio::use_future);
  ASSERT_EQ(ready.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  on_io([&] {
    sim->engine().set_mark_price(BitgetSimulator::perp_engine_symbol("BTCUSDT"),
                                 entry - Decimal::from_int(2000));
  });
  auto msgs = fut.get();
  std::vector<std::string> seq;
  int liq_at = -1;
  for (std::size_t i = 6; i < msgs.size(); ++i) {
    auto v = json::parse(msgs[i]).as_object();
    const std::string ch = str(v["arg"].at("channel"));
    seq.push_back(ch);
    if (ch == "orders") {
      const auto& d = v["data"].at(0).as_object();
      EXPECT_EQ(str(d.at("tradeSide")), "burst_close_long") << msgs[i];
      EXPECT_EQ(str(d.at("status")), "filled");
      EXPECT_TRUE(dec(d.at("pnl")).is_negative());
      liq_at = static_cast<int>(seq.size()) - 1;
    }
    if (ch == "positions") {
      EXPECT_TRUE(v["data"].as_array().empty()) << msgs[i];
    }
  }
  ASSERT_GE(liq_at, 0) << "no liquidation order push";
  ASSERT_LT(liq_at + 2, static_cast<int>(seq.size()));
  EXPECT_EQ(seq[liq_at + 1], "positions");
  EXPECT_EQ(seq[liq_at + 2], "account");
  EXPECT_TRUE(positions().empty());
  auto bills = get_ok("/api/v2/mix/account/bill?productType=USDT-FUTURES", true).at("bills").as_array();
  ASSERT_FALSE(bills.empty());
  EXPECT_EQ(str(bills[0].at("businessType")), "burst_long_loss_query");
}

}  // namespace
