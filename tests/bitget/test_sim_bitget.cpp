// Loopback tests of the Bitget V2 spot simulator front-end through the real net layer.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <map>
#include <thread>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/connectors/bitget/book_parser.hpp"
#include "nectar/core/clock.hpp"
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

struct Books : bitget::BookResolver {
  std::map<std::string, OrderBook, std::less<>> books;
  OrderBook* book(std::string_view id) override {
    auto it = books.find(id);
    return it == books.end() ? nullptr : &it->second;
  }
};

class BitgetSim : public testing_support::SimRestFixture {
 protected:
  /// Balance of one coin from /account/assets (available, frozen).
  std::pair<std::string, std::string> balance(const std::string& coin) {
    auto r = rest("GET", "/api/v2/spot/account/assets?coin=" + coin, {}, true);
    EXPECT_EQ(r.status, 200) << r.body;
    auto d = parse(r)["data"].as_array();
    if (d.empty()) return {"0", "0"};
    return {str(d[0].at("available")), str(d[0].at("frozen"))};
  }
};

TEST_F(BitgetSim, BannerHasUrlsAndCredentials) {
  auto b = json::parse(sim->banner_json()).as_object();
  EXPECT_EQ(str(b["rest"]), "http://127.0.0.1:" + std::to_string(sim->port()));
  EXPECT_EQ(str(b["ws_public"]), "ws://127.0.0.1:" + std::to_string(sim->port()) + "/v2/ws/public");
  EXPECT_EQ(str(b["ws_private"]), "ws://127.0.0.1:" + std::to_string(sim->port()) + "/v2/ws/private");
  EXPECT_EQ(str(b["api_key"]), sim->credentials().api_key);
  EXPECT_EQ(str(b["secret_key"]), sim->credentials().secret_key);
  EXPECT_EQ(str(b["passphrase"]), sim->credentials().passphrase);
}

TEST_F(BitgetSim, ServerTime) {
  auto r = rest("GET", "/api/v2/public/time");
  ASSERT_EQ(r.status, 200);
  auto o = parse(r);
  EXPECT_EQ(str(o["code"]), "00000");
  EXPECT_EQ(str(o["msg"]), "success");
  ASSERT_TRUE(o["requestTime"].is_int64());
  EXPECT_EQ(std::to_string(o["requestTime"].as_int64()), str(o["data"].at("serverTime")));
  EXPECT_LT(std::llabs(o["requestTime"].as_int64() - wall_clock_ms()), 5000);
}

TEST_F(BitgetSim, SymbolsShape) {
  auto r = rest("GET", "/api/v2/spot/public/symbols");
  ASSERT_EQ(r.status, 200);
  auto d = parse(r)["data"].as_array();
  ASSERT_EQ(d.size(), 2u);
  std::map<std::string, json::object> by;
  for (auto& v : d) by[str(v.at("symbol"))] = v.as_object();
  auto& btc = by.at("BTCUSDT");
  EXPECT_EQ(str(btc["baseCoin"]), "BTC");
  EXPECT_EQ(str(btc["quoteCoin"]), "USDT");
  EXPECT_EQ(str(btc["pricePrecision"]), "2");
  EXPECT_EQ(str(btc["quantityPrecision"]), "6");
  EXPECT_EQ(str(btc["minTradeUSDT"]), "1");
  EXPECT_EQ(str(btc["status"]), "online");
  EXPECT_TRUE(btc["takerFeeRate"].is_string());
  EXPECT_FALSE(btc.contains("symbolType"));
  EXPECT_EQ(str(by.at("ETHUSDT")["quantityPrecision"]), "4");
  // Filter and unknown symbol.
  EXPECT_EQ(parse(rest("GET", "/api/v2/spot/public/symbols?symbol=ETHUSDT"))["data"].as_array().size(), 1u);
  EXPECT_EQ(parse(rest("GET", "/api/v2/margin/currencies"))["data"].as_array().size(), 0u);
  EXPECT_FALSE(parse(rest("GET", "/api/v2/spot/public/coins"))["data"].as_array().empty());
}

TEST_F(BitgetSim, MarketDataEndpoints) {
  auto t = parse(rest("GET", "/api/v2/spot/market/tickers?symbol=BTCUSDT"))["data"].as_array();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].at("lastPr").is_string());
  auto ob = rest("GET", "/api/v2/spot/market/orderbook?symbol=BTCUSDT&type=step0&limit=5");
  ASSERT_EQ(ob.status, 200) << ob.body;
  auto d = parse(ob)["data"].as_object();
  auto asks = d["asks"].as_array(), bids = d["bids"].as_array();
  ASSERT_FALSE(asks.empty());
  ASSERT_FALSE(bids.empty());
  EXPECT_LE(asks.size(), 5u);
  EXPECT_TRUE(asks[0].as_array()[0].is_string());
  EXPECT_LT(Decimal::parse(str(bids[0].as_array()[0])), Decimal::parse(str(asks[0].as_array()[0])));
  EXPECT_EQ(rest("GET", "/api/v2/spot/market/fills?symbol=BTCUSDT&limit=5").status, 200);
}

TEST_F(BitgetSim, UnknownPathIs404Envelope) {
  auto r = rest("GET", "/api/v2/spot/nope");
  EXPECT_EQ(r.status, 404);
  auto o = parse(r);
  EXPECT_TRUE(o["code"].is_string());
  EXPECT_TRUE(o["data"].is_null());
}

TEST_F(BitgetSim, AuthErrorCodes) {
  const auto& c = sim->credentials();
  const std::string path = "/api/v2/spot/account/assets";
  auto headers = [&](std::string key, std::string secret, std::string pp, int64_t ts) {
    return bitget::auth_headers(key, secret, pp, std::to_string(ts), "GET", path, "", "", false);
  };
  auto without = [&](std::string_view name) {
    auto h = headers(c.api_key, c.secret_key, c.passphrase, wall_clock_ms());
    std::erase_if(h, [&](const auto& kv) { return kv.first == name; });
    return h;
  };
  auto expect = [&](std::vector<std::pair<std::string, std::string>> h, const char* code) {
    auto r = rest("GET", path, {}, false, std::move(h));
    EXPECT_EQ(r.status, 400) << code << " " << r.body;
    auto o = parse(r);
    EXPECT_EQ(str(o["code"]), code) << r.body;
    EXPECT_TRUE(o["data"].is_null());
    return str(o["msg"]);
  };
  expect(without("ACCESS-KEY"), "40001");
  expect(without("ACCESS-SIGN"), "40002");
  expect(without("ACCESS-TIMESTAMP"), "40003");
  expect(without("ACCESS-PASSPHRASE"), "40011");
  expect(headers("other_key", c.secret_key, c.passphrase, wall_clock_ms()), "40006");
  expect(headers(c.api_key, c.secret_key, "wrong", wall_clock_ms()), "40012");
  expect(headers(c.api_key, "not-the-secret", c.passphrase, wall_clock_ms()), "40009");
  EXPECT_EQ(expect(headers(c.api_key, c.secret_key, c.passphrase, wall_clock_ms() - 60'000), "40008"),
            "Request timestamp expired");
  // Correct headers pass.
  auto r = rest("GET", path, {}, false, headers(c.api_key, c.secret_key, c.passphrase, wall_clock_ms()));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(BitgetSim, SignedPlaceCancelRoundTrip) {
  EXPECT_EQ(balance("USDT"), (std::pair<std::string, std::string>{"10000", "0"}));
  const std::string body =
      R"({"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": "30000.00", "size": "0.001", "clientOid": "t-0001"})";
  auto r = rest("POST", "/api/v2/spot/trade/place-order", body, true);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = parse(r)["data"].as_object();
  const std::string oid = str(d["orderId"]);
  EXPECT_EQ(str(d["clientOid"]), "t-0001");
  EXPECT_EQ(balance("USDT"), (std::pair<std::string, std::string>{"9970", "30"}));

  auto info =
      parse(rest("GET", "/api/v2/spot/trade/orderInfo?clientOid=t-0001", {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("orderId")), oid);
  EXPECT_EQ(str(info[0].at("status")), "live");
  EXPECT_EQ(str(info[0].at("feeDetail")), "");
  auto open =
      parse(rest("GET", "/api/v2/spot/trade/unfilled-orders?symbol=BTCUSDT", {}, true))["data"].as_array();
  EXPECT_EQ(open.size(), 1u);

  // Duplicate live clientOid is rejected.
  auto dup = rest("POST", "/api/v2/spot/trade/place-order", body, true);
  EXPECT_EQ(dup.status, 400) << dup.body;

  auto c = rest("POST", "/api/v2/spot/trade/cancel-order",
                R"({"symbol":"BTCUSDT","orderId":")" + oid + R"("})", true);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(str(parse(c)["data"].at("orderId")), oid);
  EXPECT_EQ(balance("USDT"), (std::pair<std::string, std::string>{"10000", "0"}));
  auto again =
      rest("POST", "/api/v2/spot/trade/cancel-order", R"({"symbol":"BTCUSDT","clientOid":"t-0001"})", true);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(str(parse(again)["code"]), "43001");
  info = parse(rest("GET", "/api/v2/spot/trade/orderInfo?orderId=" + oid, {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("status")), "cancelled");
}

TEST_F(BitgetSim, PlaceValidationErrors) {
  auto place = [&](std::string price, std::string size, std::string sym = "BTCUSDT") {
    auto r = rest("POST", "/api/v2/spot/trade/place-order",
                  R"({"symbol":")" + sym + R"(","side":"buy","orderType":"limit","force":"gtc","price":")" +
                      price + R"(","size":")" + size + R"("})",
                  true);
    EXPECT_EQ(r.status, 400) << r.body;
    return str(parse(r)["code"]);
  };
  EXPECT_EQ(place("30000.001", "0.001"), "40808");
  EXPECT_EQ(place("30000", "0.0000001"), "40808");
  EXPECT_EQ(place("30000", "0.00001"), "45110");
  EXPECT_EQ(place("30000", "1"), "43012");
  EXPECT_EQ(place("30000", "0.001", "FOOUSDT"), "40034");
}

TEST_F(BitgetSim, MarketBuyByQuoteAndFills) {
  auto r = rest("POST", "/api/v2/spot/trade/place-order",
                R"({"symbol":"BTCUSDT","side":"buy","orderType":"market","force":"gtc","size":"100"})", true);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string oid = str(parse(r)["data"].at("orderId"));
  EXPECT_GT(Decimal::parse(balance("BTC").first), Decimal::from_int(1));
  const Decimal usdt = Decimal::parse(balance("USDT").first);
  EXPECT_LT(usdt, Decimal::from_int(10000));
  EXPECT_GE(usdt, Decimal::from_int(9900));
  auto fills = parse(rest("GET", "/api/v2/spot/trade/fills?symbol=BTCUSDT&orderId=" + oid, {}, true))["data"]
                   .as_array();
  ASSERT_FALSE(fills.empty());
  const auto& fd = fills[0].at("feeDetail").as_object();
  EXPECT_EQ(str(fd.at("feeCoin")), "BTC");
  EXPECT_TRUE(Decimal::parse(str(fd.at("totalFee"))).is_negative());
  EXPECT_EQ(str(fills[0].at("tradeScope")), "taker");
  auto info = parse(rest("GET", "/api/v2/spot/trade/orderInfo?orderId=" + oid, {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("status")), "filled");
  auto fee = json::parse(str(info[0].at("feeDetail"))).as_object();
  EXPECT_EQ(str(fee.at("BTC").at("feeCoinCode")), "BTC");
}

TEST_F(BitgetSim, RateLimitFault) {
  sim->faults().rate_limit_next_rest(1);
  auto r = rest("GET", "/api/v2/public/time");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(str(parse(r)["code"]), "429");
  EXPECT_EQ(rest("GET", "/api/v2/public/time").status, 200);
}

TEST_F(BitgetSim, PublicBooksSnapshotUpdatesAndFaults) {
  sim->set_activity_paused(false);
  const std::string url = sim->ws_public_url();
  struct Result {
    std::string ack, pong, err;
    int snapshots = 0, updates = 0, gaps = 0, mismatches = 0, other = 0;
    std::string last_error;
    int32_t snap_checksum = 0, snap_expected = 1;
  };
  BitgetSimulator* s = sim.get();
  Result res = run([url, s]() -> asio::awaitable<Result> {
    Result out;
    auto ex = co_await asio::this_coro::executor;
    net::WebSocketClient ws(ex);
    co_await ws.connect(url);
    co_await ws.send_text("ping");
    {
      auto sv = co_await ws.read(milliseconds(2000));
      out.pong = std::string(sv);
    }
    co_await ws.send_text(
        R"({"op":"subscribe","args":[{"instType":"SPOT","channel":"bookz","instId":"BTCUSDT"}]})");
    {
      auto sv = co_await ws.read(milliseconds(2000));
      out.err = std::string(sv);
    }
    co_await ws.send_text(
        R"({"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]})");
    {
      auto sv = co_await ws.read(milliseconds(2000));
      out.ack = std::string(sv);
    }
    Books books;
    books.books["BTCUSDT"];
    bitget::BookParser parser;
    std::string scratch;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    int phase = 0;  // 0: collect updates; 1: gap armed; 2: resynced, corruption armed
    const std::string resub =
        R"({"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}]})";
    while (std::chrono::steady_clock::now() < deadline && (out.updates < 8 || out.mismatches == 0)) {
      std::string_view msg = co_await ws.read(milliseconds(3000));
      switch (parser.apply(msg, true, books)) {
        case bitget::BookOutcome::kSnapshot: {
          ++out.snapshots;
          out.snap_checksum = bitget::book_checksum(books.books["BTCUSDT"], scratch);
          auto v = json::parse(msg);
          out.snap_expected = static_cast<int32_t>(v.at("data").at(0).at("checksum").as_int64());
          if (phase == 1 && out.gaps > 0) {
            phase = 2;
            s->faults().corrupt_next_checksum(1);
          }
          break;
        }
        case bitget::BookOutcome::kUpdate:
          ++out.updates;
          break;
        case bitget::BookOutcome::kSeqGap:
          if (out.gaps++ == 0) co_await ws.send_text(resub);  // resync with a fresh snapshot
          out.last_error = parser.last_error();
          break;
        case bitget::BookOutcome::kChecksumMismatch:
          ++out.mismatches;
          out.last_error = parser.last_error();
          break;
        default:
          ++out.other;
          break;
      }
      if (phase == 0 && out.updates >= 5) {
        phase = 1;
        s->faults().skip_next_sequence(1);
      }
    }
    ws.close();
    co_return out;
  });
  EXPECT_EQ(res.pong, "pong");
  EXPECT_NE(res.err.find(R"("code":"30001")"), std::string::npos) << res.err;
  EXPECT_NE(res.err.find(R"("event":"error")"), std::string::npos) << res.err;
  EXPECT_EQ(res.ack,
            R"({"event":"subscribe","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}})");
  EXPECT_GE(res.snapshots, 1);
  EXPECT_EQ(res.snap_checksum, res.snap_expected);
  EXPECT_GE(res.updates, 5);
  EXPECT_GE(res.gaps, 1) << res.last_error;
  EXPECT_EQ(res.mismatches, 1) << res.last_error;
}

TEST_F(BitgetSim, WsLoginAndPrivatePushOrder) {
  const auto& c = sim->credentials();
  const std::string url = sim->ws_private_url();
  const std::string good =
      bitget::ws_login_message(c.api_key, c.secret_key, c.passphrase, std::to_string(wall_clock_ms() / 1000));
  const std::string bad =
      bitget::ws_login_message(c.api_key, "wrong", c.passphrase, std::to_string(wall_clock_ms() / 1000));
  // Failure: error 30005 then the server closes.
  auto fail = run([url, bad]() -> asio::awaitable<std::pair<std::string, bool>> {
    auto ex = co_await asio::this_coro::executor;
    net::WebSocketClient ws(ex);
    co_await ws.connect(url);
    co_await ws.send_text(bad);
    auto msv = co_await ws.read(milliseconds(2000));
    std::string m(msv);
    bool closed = false;
    try {
      co_await ws.read(milliseconds(2000));
    } catch (const std::exception&) {
      closed = true;
    }
    co_return std::make_pair(m, closed);
  });
  EXPECT_NE(fail.first.find(R"("code":"30005")"), std::string::npos) << fail.first;
  EXPECT_NE(fail.first.find(R"("event":"error")"), std::string::npos) << fail.first;
  EXPECT_TRUE(fail.second);

  // Success (ms timestamp also accepted), subscriptions, then a market buy: fill, orders, account per fill.
  const std::string good_ms =
      bitget::ws_login_message(c.api_key, c.secret_key, c.passphrase, std::to_string(wall_clock_ms()));
  std::promise<void> subscribed;
  auto sub_future = subscribed.get_future();
  auto fut = asio::co_spawn(
      cio,
      [url, good, good_ms, &subscribed]() -> asio::awaitable<std::vector<std::string>> {
        std::vector<std::string> msgs;
        auto ex = co_await asio::this_coro::executor;
        {
          net::WebSocketClient ws(ex);
          co_await ws.connect(url);
          co_await ws.send_text(good_ms);
          {
            auto sv = co_await ws.read(milliseconds(2000));
            msgs.emplace_back(sv);
          }
          ws.close();
        }
        net::WebSocketClient ws(ex);
        co_await ws.connect(url);
        co_await ws.send_text(good);
        {
          auto sv = co_await ws.read(milliseconds(2000));
          msgs.emplace_back(sv);
        }
        co_await ws.send_text(
            R"({"op":"subscribe","args":[{"instType":"SPOT","channel":"account","coin":"default"},{"instType":"SPOT","channel":"orders","instId":"BTCUSDT"},{"instType":"SPOT","channel":"fill","instId":"default"}]})");
        for (int i = 0; i < 4; ++i) {
          auto sv = co_await ws.read(milliseconds(2000));
          msgs.emplace_back(sv);
        }  // 3 acks + snapshot
        subscribed.set_value();
        try {
          for (int i = 0; i < 12; ++i) {
            auto sv = co_await ws.read(milliseconds(1500));
            msgs.emplace_back(sv);
          }
        } catch (const std::exception&) {
        }
        ws.close();
        co_return msgs;
      },
      asio::use_future);
  ASSERT_EQ(sub_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto r = rest(
      "POST", "/api/v2/spot/trade/place-order",
      R"({"symbol":"BTCUSDT","side":"buy","orderType":"market","force":"gtc","size":"50","clientOid":"mk-1"})",
      true);
  ASSERT_EQ(r.status, 200) << r.body;
  auto msgs = fut.get();
  ASSERT_GE(msgs.size(), 6u);
  EXPECT_EQ(msgs[0], R"({"event":"login","code":"0","msg":""})");
  EXPECT_EQ(msgs[1], R"({"event":"login","code":"0","msg":""})");
  EXPECT_EQ(msgs[2],
            R"({"event":"subscribe","arg":{"instType":"SPOT","channel":"account","coin":"default"}})");
  // Account snapshot after its ack.
  bool saw_snapshot = false;
  for (int i = 2; i < 6; ++i)
    if (msgs[i].find(R"("channel":"account")") != std::string::npos &&
        msgs[i].find(R"("action":"snapshot")") != std::string::npos)
      saw_snapshot = true;
  EXPECT_TRUE(saw_snapshot);
  // After subscription: first the live order (no fill fields), then fill → orders(with tradeId) → account.
  std::vector<std::string> channels;
  int first_fill = -1;
  for (std::size_t i = 6; i < msgs.size(); ++i) {
    auto v = json::parse(msgs[i]).as_object();
    const std::string ch = str(v["arg"].at("channel"));
    channels.push_back(ch);
    if (ch == "fill" && first_fill < 0) first_fill = static_cast<int>(channels.size()) - 1;
    if (ch == "orders") {
      const auto& d = v["data"].at(0).as_object();
      if (str(d.at("status")) == "live") {
        EXPECT_FALSE(d.contains("tradeId")) << msgs[i];
      }
    }
    if (ch == "fill") {
      const auto& fd = v["data"].at(0).at("feeDetail").at(0).as_object();
      EXPECT_TRUE(Decimal::parse(str(fd.at("totalFee"))).is_negative()) << msgs[i];
    }
  }
  ASSERT_GE(first_fill, 0) << "no fill push";
  ASSERT_LT(first_fill + 2, static_cast<int>(channels.size()));
  EXPECT_EQ(channels[first_fill + 1], "orders");
  auto ord = json::parse(msgs[6 + first_fill + 1]).as_object();
  EXPECT_TRUE(ord["data"].at(0).as_object().contains("tradeId"));
  EXPECT_TRUE(Decimal::parse(str(ord["data"].at(0).at("fillFee"))).is_negative());
  bool account_after = false;
  for (std::size_t i = first_fill + 2; i < channels.size(); ++i)
    if (channels[i] == "account") account_after = true;
  EXPECT_TRUE(account_after);
}

TEST_F(BitgetSim, PostOnlyCrossBatchAndTradeRate) {
  auto ob = parse(rest("GET", "/api/v2/spot/market/orderbook?symbol=BTCUSDT&limit=1"))["data"].as_object();
  const std::string ask = str(ob["asks"].as_array()[0].as_array()[0]);
  auto r = rest("POST", "/api/v2/spot/trade/place-order",
                R"({"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"post_only","price":")" +
                    ask + R"(","size":"0.001","clientOid":"po-1"})",
                true);
  ASSERT_EQ(r.status, 200) << r.body;
  auto info = parse(rest("GET", "/api/v2/spot/trade/orderInfo?clientOid=po-1", {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("status")), "cancelled");
  EXPECT_EQ(str(info[0].at("baseVolume")), "0");

  auto b = rest(
      "POST", "/api/v2/spot/trade/batch-orders",
      R"({"symbol":"ETHUSDT","orderList":[{"side":"buy","orderType":"limit","force":"gtc","price":"1000.00","size":"0.01","clientOid":"b-1"},{"side":"buy","orderType":"limit","force":"gtc","price":"1000.001","size":"0.01","clientOid":"b-2"}]})",
      true);
  ASSERT_EQ(b.status, 200) << b.body;
  auto d = parse(b)["data"].as_object();
  EXPECT_EQ(d["successList"].as_array().size(), 1u);
  ASSERT_EQ(d["failureList"].as_array().size(), 1u);
  EXPECT_EQ(str(d["failureList"].as_array()[0].at("errorCode")), "40808");
  auto c = rest("POST", "/api/v2/spot/trade/cancel-symbol-order", R"({"symbol":"ETHUSDT"})", true);
  EXPECT_EQ(c.status, 200) << c.body;
  EXPECT_TRUE(parse(rest("GET", "/api/v2/spot/trade/unfilled-orders?symbol=ETHUSDT", {}, true))["data"]
                  .as_array()
                  .empty());
  EXPECT_FALSE(parse(rest("GET", "/api/v2/spot/trade/history-orders?symbol=ETHUSDT", {}, true))["data"]
                   .as_array()
                   .empty());

  auto fr = parse(rest("GET", "/api/v2/common/trade-rate?symbol=BTCUSDT&businessType=spot", {}, true));
  EXPECT_EQ(str(fr["data"].at("makerFeeRate")), "0.001");
  EXPECT_EQ(str(fr["data"].at("takerFeeRate")), "0.001");
}

// ccxt's loadMarkets asks for the contracts of six product types (§2.2, §9.1); every one must answer (not
// 404, which made ccxt's loadMarkets fail): USDT-FUTURES lists the perpetuals, the others are empty.
TEST_F(BitgetSim, ContractsAnswerEveryProductType) {
  for (const char* pt : {"USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES",
                         "SUSDC-FUTURES", "usdt-futures"}) {
    auto r = rest("GET", std::string("/api/v2/mix/market/contracts?productType=") + pt);
    ASSERT_EQ(r.status, 200) << pt << " " << r.body;
    auto o = parse(r);
    EXPECT_EQ(str(o["code"]), "00000");
    const bool usdt = std::string(pt) == "USDT-FUTURES" || std::string(pt) == "usdt-futures";
    EXPECT_EQ(o["data"].as_array().size(), usdt ? 2u : 0u) << pt;
  }
  auto missing = rest("GET", "/api/v2/mix/market/contracts");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(str(parse(missing)["code"]), "40019");
  EXPECT_EQ(str(parse(rest("GET", "/api/v2/mix/market/contracts?productType=FOO"))["code"]), "40020");
}

// The price keys differ per endpoint (official docs): orderInfo and history-orders carry `price` (limit
// price, "0" for market) and `priceAvg` (average fill); unfilled-orders has no `price`, `priceAvg` is the
// limit price and `basePrice` the average fill. ccxt keys on `basePrice`: sending it from orderInfo made
// ccxt read the order price from `priceAvg` ("0").
TEST_F(BitgetSim, OrderPriceKeysPerEndpoint) {
  auto r = rest(
      "POST", "/api/v2/spot/trade/place-order",
      R"({"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc","price":"30000.00","size":"0.001","clientOid":"px-1"})",
      true);
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string oid = str(parse(r)["data"].at("orderId"));

  auto info = parse(rest("GET", "/api/v2/spot/trade/orderInfo?orderId=" + oid, {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("price")), "30000.00");
  EXPECT_EQ(str(info[0].at("priceAvg")), "0");
  EXPECT_FALSE(info[0].as_object().contains("basePrice"));

  auto open =
      parse(rest("GET", "/api/v2/spot/trade/unfilled-orders?symbol=BTCUSDT", {}, true))["data"].as_array();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_FALSE(open[0].as_object().contains("price"));
  EXPECT_EQ(str(open[0].at("priceAvg")), "30000.00");
  EXPECT_EQ(str(open[0].at("basePrice")), "0");
  EXPECT_EQ(str(open[0].at("size")), "0.001000");

  ASSERT_EQ(rest("POST", "/api/v2/spot/trade/cancel-order",
                 R"({"symbol":"BTCUSDT","orderId":")" + oid + R"("})", true)
                .status,
            200);
  auto hist =
      parse(rest("GET", "/api/v2/spot/trade/history-orders?symbol=BTCUSDT&orderId=" + oid, {}, true))["data"]
          .as_array();
  ASSERT_EQ(hist.size(), 1u);
  EXPECT_EQ(str(hist[0].at("price")), "30000.00");
  EXPECT_EQ(str(hist[0].at("priceAvg")), "0");
  EXPECT_FALSE(hist[0].as_object().contains("basePrice"));

  // A filled market sell: price "0", priceAvg = the average fill price.
  auto m =
      rest("POST", "/api/v2/spot/trade/place-order",
           R"({"symbol":"BTCUSDT","side":"sell","orderType":"market","force":"gtc","size":"0.001"})", true);
  ASSERT_EQ(m.status, 200) << m.body;
  const std::string mid = str(parse(m)["data"].at("orderId"));
  info = parse(rest("GET", "/api/v2/spot/trade/orderInfo?orderId=" + mid, {}, true))["data"].as_array();
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(str(info[0].at("status")), "filled");
  EXPECT_EQ(str(info[0].at("price")), "0");
  EXPECT_TRUE(Decimal::parse(str(info[0].at("priceAvg"))).is_positive());
}

// A query value with URL-reserved characters travels percent-encoded. ccxt signs the decoded text
// (`clientOid=a#b:c`, as Bitget verifies it); signing the text as sent is accepted too; anything else is
// 40009.
TEST_F(BitgetSim, SignatureOverEncodedOrDecodedQuery) {
  auto r = rest(
      "POST", "/api/v2/spot/trade/place-order",
      R"({"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc","price":"30000.00","size":"0.001","clientOid":"a#b:c"})",
      true);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto& c = sim->credentials();
  const std::string path = "/api/v2/spot/trade/orderInfo";
  const std::string encoded = "clientOid=a%23b%3Ac";
  auto get_signed_over = [&](const std::string& signed_query) {
    auto h = bitget::auth_headers(c.api_key, c.secret_key, c.passphrase, std::to_string(wall_clock_ms()),
                                  "GET", path, signed_query, "", false);
    return rest("GET", path + "?" + encoded, {}, false, std::move(h));
  };
  for (const std::string& q : {encoded, std::string("clientOid=a#b:c")}) {
    auto g = get_signed_over(q);
    ASSERT_EQ(g.status, 200) << q << " " << g.body;
    auto d = parse(g)["data"].as_array();
    ASSERT_EQ(d.size(), 1u) << q;
    EXPECT_EQ(str(d[0].at("clientOid")), "a#b:c");
  }
  auto bad = get_signed_over("clientOid=a#b");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(str(parse(bad)["code"]), "40009");
}

// Candles (§2.1, §4.1) were not served at all: ccxt fetchOHLCV got 404 and watchOHLCV error 30001.
TEST_F(BitgetSim, CandlesRestAndWs) {
  // The setup's market activity traded, so candles exist; this client trade adds volume to this minute.
  ASSERT_EQ(
      rest("POST", "/api/v2/spot/trade/place-order",
           R"({"symbol":"BTCUSDT","side":"sell","orderType":"market","force":"gtc","size":"0.001"})", true)
          .status,
      200);
  auto rows_of = [&](const std::string& query) {
    auto r = rest("GET", "/api/v2/spot/market/candles?symbol=BTCUSDT&" + query);
    EXPECT_EQ(r.status, 200) << query << " " << r.body;
    return parse(r)["data"].as_array();
  };
  auto rows = rows_of("granularity=1min&limit=5");
  ASSERT_FALSE(rows.empty());
  EXPECT_LE(rows.size(), 5u);
  int64_t prev = 0;
  for (const auto& v : rows) {
    const auto& row = v.as_array();
    ASSERT_EQ(row.size(), 8u);
    for (const auto& cell : row) EXPECT_TRUE(cell.is_string());
    const int64_t ts = std::stoll(str(row[0]));
    EXPECT_EQ(ts % 60'000, 0);
    EXPECT_GT(ts, prev);  // oldest first
    prev = ts;
    const Decimal o = Decimal::parse(str(row[1])), h = Decimal::parse(str(row[2])),
                  l = Decimal::parse(str(row[3])), cl = Decimal::parse(str(row[4]));
    EXPECT_LE(l, Decimal::min(o, cl));
    EXPECT_GE(h, Decimal::max(o, cl));
    EXPECT_EQ(str(row[6]), str(row[7]));  // usdtVolume == quoteVolume for a USDT quote
  }
  // The client's trade is in the newest bar, or the one before if the minute just rolled over.
  Decimal recent_volume;
  for (std::size_t i = rows.size() >= 2 ? rows.size() - 2 : 0; i < rows.size(); ++i)
    recent_volume += Decimal::parse(str(rows[i].as_array()[5]));
  EXPECT_GE(recent_volume, Decimal::parse("0.001"));
  EXPECT_EQ(std::stoll(str(rows_of("granularity=1Dutc").back().as_array()[0])) % 86'400'000, 0);
  // Plain day candles are aligned to UTC+8 midnight.
  EXPECT_EQ((std::stoll(str(rows_of("granularity=1day").back().as_array()[0])) + 8 * 3'600'000) % 86'400'000,
            0);
  EXPECT_TRUE(rows_of("granularity=1min&startTime=" + std::to_string(wall_clock_ms() + 3'600'000)).empty());
  auto hist = rest("GET", "/api/v2/spot/market/history-candles?symbol=BTCUSDT&granularity=1min&endTime=" +
                              std::to_string(wall_clock_ms()) + "&limit=200");
  ASSERT_EQ(hist.status, 200) << hist.body;
  EXPECT_FALSE(parse(hist)["data"].as_array().empty());
  EXPECT_EQ(str(parse(rest("GET", "/api/v2/spot/market/candles?symbol=BTCUSDT&granularity=7min"))["code"]),
            "40020");
  EXPECT_EQ(str(parse(rest("GET", "/api/v2/spot/market/candles?symbol=BTCUSDT"))["code"]), "40019");

  // WS: ack, a snapshot of history, then an `update` of the current bar after a trade.
  const std::string url = sim->ws_public_url();
  std::promise<void> subscribed;
  auto sub_future = subscribed.get_future();
  auto fut = asio::co_spawn(
      cio,
      [url, &subscribed]() -> asio::awaitable<std::vector<std::string>> {
        std::vector<std::string> msgs;
        auto ex = co_await asio::this_coro::executor;
        net::WebSocketClient ws(ex);
        co_await ws.connect(url);
        co_await ws.send_text(
            R"({"op":"subscribe","args":[{"instType":"SPOT","channel":"candle7m","instId":"BTCUSDT"},{"instType":"SPOT","channel":"candle1m","instId":"BTCUSDT"}]})");
        for (int i = 0; i < 3; ++i) {
          auto sv = co_await ws.read(milliseconds(2000));
          msgs.emplace_back(sv);
        }  // error, ack, snapshot
        subscribed.set_value();
        for (int i = 0; i < 10; ++i) {
          auto sv = co_await ws.read(milliseconds(2000));
          msgs.emplace_back(sv);
          if (msgs.back().find(R"("action":"update")") != std::string::npos) break;
        }
        ws.close();
        co_return msgs;
      },
      asio::use_future);
  ASSERT_EQ(sub_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  ASSERT_EQ(rest("POST", "/api/v2/spot/trade/place-order",
                 R"({"symbol":"BTCUSDT","side":"buy","orderType":"market","force":"gtc","size":"20"})", true)
                .status,
            200);
  auto msgs = fut.get();
  ASSERT_GE(msgs.size(), 4u);
  EXPECT_NE(msgs[0].find(R"("code":"30001")"), std::string::npos) << msgs[0];
  EXPECT_EQ(msgs[1],
            R"({"event":"subscribe","arg":{"instType":"SPOT","channel":"candle1m","instId":"BTCUSDT"}})");
  auto snap = json::parse(msgs[2]).as_object();
  EXPECT_EQ(str(snap["action"]), "snapshot");
  EXPECT_FALSE(snap["data"].as_array().empty());
  auto upd = json::parse(msgs.back()).as_object();
  ASSERT_EQ(str(upd["action"]), "update") << msgs.back();
  const auto& row = upd["data"].as_array().at(0).as_array();
  ASSERT_EQ(row.size(), 8u);
  EXPECT_EQ(std::stoll(str(row[0])) % 60'000, 0);
  EXPECT_TRUE(Decimal::parse(str(row[5])).is_positive());
}

}  // namespace
