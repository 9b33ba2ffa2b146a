// The `bitget` connector end to end, over real loopback sockets against the Bitget simulator: rules, books,
// orders of every type, fills and fees against the simulator's ledger, stream drops, resyncs, rate limits,
// bad credentials and bad input.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <thread>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/storage/trade_store.hpp"
#include "sim_connector_fixture.hpp"

using namespace nectar;
namespace asio = boost::asio;
using nectar::sim::bitget::BitgetSimulator;
using nectar::sim::bitget::SimulatorOptions;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

namespace {

const TradingPair kBtc{"BTC", "USDT"};
const TradingPair kEth{"ETH", "USDT"};
using testing_support::kTaker;

// Exposes the stream hooks so that bad input can be fed exactly as the socket would deliver it.
class TestBitget : public bitget::BitgetExchange {
 public:
  using BitgetExchange::BitgetExchange;
  using BitgetExchange::on_private_message;
  using BitgetExchange::on_public_message;
};

class BitgetConnector : public testing_support::SimConnectorFixture<TestBitget> {
 protected:
  ConnectorConfig config(std::vector<TradingPair> pairs = {kBtc, kEth}) {
    return SimConnectorFixture::config(std::move(pairs), "bitget");
  }
  void taker_sell(const std::string& symbol, Decimal qty) { taker(symbol, TradeType::kSell, qty); }
  sim::Balance sim_balance(const std::string& asset) {
    return on_sim([&] {
      const sim::Account* a = sim->engine().ledger().account(sim->credentials().account);
      if (!a) return sim::Balance{};
      auto it = a->balances.find(asset);
      return it == a->balances.end() ? sim::Balance{} : it->second;
    });
  }
  // The connector's balances equal the simulator's ledger to the last unit.
  bool balances_match(const std::vector<std::string>& assets) {
    for (const auto& asset : assets) {
      const sim::Balance s = sim_balance(asset);
      const auto [total, available] = on_client([&] {
        return std::pair{conn->balance(asset), conn->available_balance(asset)};
      });
      if (total != s.total() || available != s.available) return false;
    }
    return true;
  }
};

TEST_F(BitgetConnector, ConnectsAndLoadsRulesBalancesAndFees) {
  start_ready(config());
  on_client([this] {
    const TradingRule* r = conn->trading_rule(kBtc);
    EXPECT_NE(r, nullptr);
    if (!r) return 0;
    EXPECT_EQ(r->exchange_symbol, "BTCUSDT");
    EXPECT_EQ(r->min_price_increment, "0.01"_d);
    EXPECT_EQ(r->min_base_amount_increment, "0.000001"_d);
    EXPECT_EQ(r->min_quote_amount_increment, "0.00000001"_d);
    EXPECT_EQ(r->min_notional_size, "1"_d);
    EXPECT_TRUE(r->active);
    EXPECT_EQ(conn->balance("USDT"), "10000"_d);
    EXPECT_EQ(conn->balance("BTC"), "1"_d);
    EXPECT_EQ(conn->available_balance("ETH"), "10"_d);
    const TradeFee fee = conn->estimate_fee(kBtc, OrderType::kLimit, TradeType::kBuy, "1"_d, "65000"_d, true);
    EXPECT_EQ(fee.percent, "0.001"_d);
    EXPECT_EQ(fee.percent_token, "BTC");
    EXPECT_EQ(conn->last_stream_error(), "");
    return 0;
  });
}

TEST_F(BitgetConnector, OrderBookMatchesSimulatorTop25AfterActivity) {
  start_ready(config());
  sim->set_activity_paused(false);
  // 300 activity steps per symbol (40 ms each): more than a minute of a normally paced market.
  std::this_thread::sleep_for(12s);
  sim->set_activity_paused(true);
  std::this_thread::sleep_for(300ms);  // the last batched `books` push goes out
  for (const auto& [pair, symbol] :
       {std::pair{kBtc, std::string("BTCUSDT")}, std::pair{kEth, std::string("ETHUSDT")}}) {
    const sim::L2Book truth = on_sim([&] { return sim->engine().book(symbol, 25); });
    ASSERT_GE(truth.bids.size(), 10u);
    ASSERT_GE(truth.asks.size(), 10u);
    const bool same = eventually(
        [&] {
          const OrderBook* b = conn->order_book(pair);
          if (!b || b->bid_count() < truth.bids.size() || b->ask_count() < truth.asks.size()) return false;
          for (std::size_t i = 0; i < truth.bids.size(); ++i)
            if (b->bid(i).price != truth.bids[i].price || b->bid(i).size != truth.bids[i].qty) return false;
          for (std::size_t i = 0; i < truth.asks.size(); ++i)
            if (b->ask(i).price != truth.asks[i].price || b->ask(i).size != truth.asks[i].qty) return false;
          return true;
        },
        3s);
    EXPECT_TRUE(same) << pair.str() << " book differs from the simulator's";
  }
  EXPECT_EQ(on_client([this] { return conn->book_resyncs(); }), 0u) << "no spurious resync on a clean stream";
  EXPECT_TRUE(on_client([this] { return conn->last_trade_price(kBtc).has_value(); }));
}

TEST_F(BitgetConnector, PlacesAndCancelsLimitOrder) {
  start_ready(config());
  const Decimal bid = sim_best("BTCUSDT", true);
  const Decimal price = bid.mul("0.9"_d).quantize("0.01"_d, Rounding::kFloor);
  const std::string id = place(TradeType::kBuy, kBtc, "0.001"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; })) << "order never opened";
  const auto sim_order =
      on_sim([&] { return sim->engine().order_by_client_id(sim->credentials().account, id); });
  ASSERT_TRUE(sim_order.has_value());
  EXPECT_EQ(sim_order->price, price);
  EXPECT_EQ(sim_order->quantity, "0.001"_d);
  EXPECT_EQ(on_client([&] { return conn->order(id)->exchange_order_id(); }), sim_order->id_string());
  // The freeze shows in the balances pushed by the stream.
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
  EXPECT_EQ(sim_balance("USDT").frozen, price.mul("0.001"_d));

  on_client([&] {
    conn->cancel(kBtc, id);
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return is_done(id); })) << "cancel never confirmed";
  EXPECT_EQ(state_of(id), OrderState::kCanceled);
  EXPECT_EQ(order_event_names(id),
            (std::vector<std::string>{"OrderSubmitted", "OrderCreated", "OrderCancelled"}));
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
  EXPECT_EQ(sim_balance("USDT").frozen, Decimal{});
}

TEST_F(BitgetConnector, PostOnlyThatWouldCrossIsRejectedWithReason) {
  start_ready(config());
  const Decimal ask = sim_best("BTCUSDT", false);
  const std::string id = place(TradeType::kBuy, kBtc, "0.001"_d, OrderType::kLimitMaker, ask + "1"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(state_of(id), OrderState::kFailed);
  const auto failed = events_of<OrderFailedEvent>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].reason.find("post-only"), std::string::npos) << failed[0].reason;
  EXPECT_TRUE(events_of<OrderFilledEvent>(id).empty());
  EXPECT_EQ(sim_balance("BTC").total(), "1"_d) << "nothing traded";
}

TEST_F(BitgetConnector, MarketBuyAndSell) {
  start_ready(config());
  const std::string buy = place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kMarket, Decimal{});
  ASSERT_TRUE(eventually([&] { return is_done(buy); })) << "market buy never completed";
  EXPECT_EQ(state_of(buy), OrderState::kFilled);
  const auto fills = events_of<OrderFilledEvent>(buy);
  ASSERT_FALSE(fills.empty());
  Decimal bought;
  Decimal fee_btc;
  for (const auto& f : fills) {
    bought = bought + f.amount;
    ASSERT_EQ(f.fee.flat_fees.size(), 1u);
    EXPECT_EQ(f.fee.flat_fees[0].token, "BTC") << "buy fees are charged in the asset received";
    fee_btc = fee_btc + f.fee.flat_fees[0].amount;
    EXPECT_EQ(f.fee.flat_fees[0].amount, f.amount.mul("0.001"_d, Rounding::kHalfUp));
  }
  // Sized in quote at the book's price: the base received is the amount asked for, to within one lot.
  EXPECT_LE((bought - "0.01"_d).abs(), "0.000001"_d) << bought;
  const auto done = events_of<OrderCompletedEvent>(buy);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].base_amount, bought);
  EXPECT_EQ(order_event_names(buy).back(), "OrderCompleted");
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
  EXPECT_EQ(sim_balance("BTC").total(), "1"_d + bought - fee_btc);

  const std::string sell = place(TradeType::kSell, kBtc, "0.005"_d, OrderType::kMarket, Decimal{});
  ASSERT_TRUE(eventually([&] { return is_done(sell); })) << "market sell never completed";
  EXPECT_EQ(state_of(sell), OrderState::kFilled);
  Decimal sold;
  for (const auto& f : events_of<OrderFilledEvent>(sell)) {
    sold = sold + f.amount;
    EXPECT_EQ(f.fee.flat_fees.at(0).token, "USDT");
  }
  EXPECT_EQ(sold, "0.005"_d);
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
}

// A resting bid filled by another trader in three parts: events in order, cumulative amounts and fees, and
// balances equal to the simulator's ledger.
TEST_F(BitgetConnector, RestingOrderFilledInSeveralPartsMatchesLedger) {
  start_ready(config());
  const Decimal price =
      sim_best("BTCUSDT", true) + "0.01"_d;  // best bid, still below the ask (50-tick spread)
  ASSERT_LT(price, sim_best("BTCUSDT", false));
  const std::string id = place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  const std::vector<Decimal> parts = {"0.003"_d, "0.003"_d, "0.004"_d};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    taker_sell("BTCUSDT", parts[i]);
    ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == i + 1; }))
        << "fill " << i + 1 << " not reported";
  }
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(order_event_names(id),
            (std::vector<std::string>{"OrderSubmitted", "OrderCreated", "OrderFilled", "OrderFilled",
                                      "OrderFilled", "OrderCompleted"}));
  const auto fills = events_of<OrderFilledEvent>(id);
  Decimal total_fee;
  for (std::size_t i = 0; i < fills.size(); ++i) {
    EXPECT_EQ(fills[i].amount, parts[i]);
    EXPECT_EQ(fills[i].price, price);
    EXPECT_TRUE(fills[i].is_maker);
    ASSERT_EQ(fills[i].fee.flat_fees.size(), 1u);
    EXPECT_EQ(fills[i].fee.flat_fees[0].token, "BTC");
    EXPECT_EQ(fills[i].fee.flat_fees[0].amount, parts[i].mul("0.001"_d));
    total_fee = total_fee + fills[i].fee.flat_fees[0].amount;
  }
  const auto done = events_of<OrderCompletedEvent>(id);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].base_amount, "0.01"_d);
  EXPECT_EQ(done[0].quote_amount, price.mul("0.01"_d));
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
  EXPECT_EQ(sim_balance("BTC").total(), "1.01"_d - total_fee);
  EXPECT_EQ(sim_balance("USDT").total(), "10000"_d - price.mul("0.01"_d));
}

// The stream dies between fills and one fill happens while nobody listens: the reconnect reconciles it, and
// no fill is lost or counted twice.
TEST_F(BitgetConnector, StreamDropInTheMiddleOfFillsLosesNothing) {
  start_ready(config());
  const Decimal price = sim_best("BTCUSDT", true) + "0.01"_d;
  const std::string id = place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  taker_sell("BTCUSDT", "0.002"_d);
  ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == 1; }));

  const uint64_t connects = on_client([this] { return conn->private_stream_connects(); });
  sim->faults().mute_websockets(true);
  taker_sell("BTCUSDT", "0.003"_d);  // its pushes are lost
  std::this_thread::sleep_for(200ms);
  sim->faults().drop_all_websockets();
  sim->faults().mute_websockets(false);
  ASSERT_TRUE(eventually([&] { return conn->private_stream_connects() > connects; }, 15s)) << "no reconnect";
  ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == 2; }))
      << "the fill made while disconnected was not reconciled";
  taker_sell("BTCUSDT", "0.005"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  // Let any late duplicate (REST poll and stream both reporting) arrive.
  std::this_thread::sleep_for(1500ms);
  const auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 3u);
  std::set<std::string> trade_ids;
  Decimal total;
  for (const auto& f : fills) {
    trade_ids.insert(f.trade_id);
    total = total + f.amount;
  }
  EXPECT_EQ(trade_ids.size(), 3u);
  EXPECT_EQ(total, "0.01"_d);
  EXPECT_EQ(events_of<OrderCompletedEvent>(id).size(), 1u);
  EXPECT_TRUE(eventually([&] { return balances_match({"USDT", "BTC"}); }));
}

TEST_F(BitgetConnector, SeqGapAndBadChecksumTriggerResync) {
  start_ready(config({kBtc}));
  sim->set_activity_paused(false);
  std::this_thread::sleep_for(500ms);
  sim->faults().skip_next_sequence(1);
  ASSERT_TRUE(eventually([&] { return conn->book_resyncs() >= 1; }, 5s)) << "seq gap not detected";
  sim->faults().corrupt_next_checksum(1);
  ASSERT_TRUE(eventually([&] { return conn->book_resyncs() >= 2; }, 5s)) << "bad checksum not detected";
  std::this_thread::sleep_for(500ms);
  sim->set_activity_paused(true);
  std::this_thread::sleep_for(300ms);
  const sim::L2Book truth = on_sim([&] { return sim->engine().book("BTCUSDT", 25); });
  EXPECT_TRUE(eventually(
      [&] {
        const OrderBook* b = conn->order_book(kBtc);
        if (!b || b->bid_count() < truth.bids.size()) return false;
        for (std::size_t i = 0; i < truth.bids.size(); ++i)
          if (b->bid(i).price != truth.bids[i].price || b->bid(i).size != truth.bids[i].qty) return false;
        for (std::size_t i = 0; i < truth.asks.size(); ++i)
          if (b->ask(i).price != truth.asks[i].price || b->ask(i).size != truth.asks[i].qty) return false;
        return true;
      },
      3s))
      << "book not back in sync after the resyncs";
}

TEST_F(BitgetConnector, RateLimitStormBacksOffAndLosesNothing) {
  start_ready(config());
  const Decimal price = sim_best("BTCUSDT", true).mul("0.8"_d).quantize("0.01"_d, Rounding::kFloor);
  sim->faults().rate_limit_next_rest(6);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i)
    ids.push_back(place(TradeType::kBuy, kBtc, "0.001"_d, OrderType::kLimit, price));
  for (const auto& id : ids) {
    ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }, 20s)) << id << " not placed";
  }
  const auto open = on_sim([&] { return sim->engine().open_orders(sim->credentials().account, "BTCUSDT"); });
  EXPECT_EQ(open.size(), 4u) << "every order exactly once";
  for (const auto& id : ids) EXPECT_TRUE(events_of<OrderFailedEvent>(id).empty());
  const auto results = run([this] { return conn->cancel_all(10s); });
  EXPECT_EQ(results.size(), 4u);
  for (const auto& r : results) EXPECT_TRUE(r.success) << r.client_order_id;
}

TEST_F(BitgetConnector, WrongCredentialsNameTheProblem) {
  struct Case {
    std::string field;
    ErrorKind kind;
    std::string words;
  };
  for (const Case& c : {Case{"api_key", ErrorKind::kBadApiKey, "API key"},
                        Case{"secret_key", ErrorKind::kBadSignature, "secret key"},
                        Case{"passphrase", ErrorKind::kBadPassphrase, "passphrase"}}) {
    ConnectorConfig cfg = config();
    cfg.credentials[c.field] = Secret("wrong-" + c.field);
    auto bad = on_client(
        [&] { return std::make_unique<TestBitget>(cio.get_executor(), cfg, *cfg.endpoint_override); });
    std::optional<ExchangeError> error;
    try {
      run([&]() -> asio::awaitable<void> { co_await bad->check_credentials(); });
    } catch (const ExchangeError& e) {
      error = e;
    }
    ASSERT_TRUE(error.has_value()) << c.field << ": wrong value accepted";
    EXPECT_EQ(error->kind(), c.kind) << error->what();
    EXPECT_NE(std::string(error->what()).find(c.words), std::string::npos) << error->what();
    EXPECT_EQ(std::string(error->what()).find("wrong-"), std::string::npos)
        << "secret leaked: " << error->what();
    on_client([&] {
      bad.reset();
      return 0;
    });
  }
  // The private stream says the same through last_stream_error().
  ConnectorConfig cfg = config();
  cfg.credentials["passphrase"] = Secret("nope");
  start(cfg);
  ASSERT_TRUE(eventually([&] { return !conn->last_stream_error().empty(); }, 10s));
  const std::string err = on_client([&] { return conn->last_stream_error(); });
  EXPECT_NE(err.find("passphrase"), std::string::npos) << err;
  EXPECT_FALSE(on_client([&] { return conn->status().user_stream; }));
}

TEST_F(BitgetConnector, UnknownSymbolAndMalformedMessagesGiveClearErrors) {
  start_ready(config({kBtc}));
  // A pair Bitget does not list: refused before anything is sent.
  const std::string id = place(TradeType::kBuy, TradingPair{"FOO", "USDT"}, "1"_d, OrderType::kLimit, "1"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  const auto failed = events_of<OrderFailedEvent>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].reason.find("unknown trading pair FOO-USDT"), std::string::npos) << failed[0].reason;

  // Broken frames: each one is refused with an exception naming the problem, and the connector goes on.
  const OrderBook before = on_client([&] { return *conn->order_book(kBtc); });
  for (
      std::string bad :
      {std::string("{not json"),
       std::string(
           R"({"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["x","1"]]}]})"),
       std::string(R"([1,2,3])")}) {
    bad.append(64, '\0');  // the stream's padding
    const std::string_view frame(bad.data(), bad.size() - 64);
    const bool threw = on_client([&] {
      try {
        conn->on_public_message(frame);
      } catch (const std::exception& e) {
        return std::string(e.what()).size() > 0;
      }
      return false;
    });
    EXPECT_TRUE(threw) << frame;
  }
  EXPECT_THROW(on_client([&] {
                 conn->on_private_message("{\"arg\":");
                 return 0;
               }),
               std::exception);
  // Unknown order ids and channels on the private stream are ignored, not fatal.
  on_client([&] {
    conn->on_private_message(
        R"({"action":"snapshot","arg":{"instType":"SPOT","channel":"orders","instId":"default"},"data":[{"orderId":"1","clientOid":"someone-else","status":"live"}]})");
    conn->on_private_message(R"({"event":"error","code":"30001","msg":"channel doesn't exist"})");
    return 0;
  });
  EXPECT_EQ(on_client([&] { return conn->order_book(kBtc)->bid_count(); }), before.bid_count());
  // Still trading afterwards.
  const Decimal price = sim_best("BTCUSDT", true).mul("0.8"_d).quantize("0.01"_d, Rounding::kFloor);
  const std::string ok = place(TradeType::kBuy, kBtc, "0.001"_d, OrderType::kLimit, price);
  EXPECT_TRUE(eventually([&] { return state_of(ok) == OrderState::kOpen; }));
}

TEST_F(BitgetConnector, ExchangeRejectionsAreTyped) {
  start_ready(config({kBtc}));
  // More than the account holds: Bitget's insufficient-balance code, mapped.
  const Decimal price = sim_best("BTCUSDT", true).mul("0.9"_d).quantize("0.01"_d, Rounding::kFloor);
  const std::string id = place(TradeType::kBuy, kBtc, "5"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  const auto failed = events_of<OrderFailedEvent>(id);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].reason.find("insufficient balance"), std::string::npos) << failed[0].reason;
  EXPECT_NE(failed[0].reason.find("43012"), std::string::npos) << failed[0].reason;
  // Below the minimum order value: refused locally with the numbers.
  const std::string tiny = place(TradeType::kBuy, kBtc, "0.000001"_d, OrderType::kLimit, "100"_d);
  ASSERT_TRUE(eventually([&] { return is_done(tiny); }));
  const auto tiny_failed = events_of<OrderFailedEvent>(tiny);
  ASSERT_EQ(tiny_failed.size(), 1u);
  EXPECT_NE(tiny_failed[0].reason.find("below the minimum"), std::string::npos) << tiny_failed[0].reason;
}

// Orders and fills are journaled; after a restart the journal's open orders are restored and reconciled with
// the exchange before the connector reports ready: the fill made while down arrives once, earlier fills are
// not repeated, and nothing is announced twice.
TEST_F(BitgetConnector, RestartRestoresJournaledOrdersAndFindsFillsMadeWhileDown) {
  const std::string db =
      (std::filesystem::temp_directory_path() / ("nectar_restart_" + std::to_string(::getpid()) + ".db"))
          .string();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  auto store = std::make_unique<storage::TradeStore>(db);
  std::unique_ptr<storage::OrderJournal> journal;
  start(config({kBtc}));
  on_client([&] {
    journal = std::make_unique<storage::OrderJournal>(*conn, *store);
    return 0;
  });
  ASSERT_TRUE(eventually([this] { return conn->ready(); }, 15s));
  const Decimal price = sim_best("BTCUSDT", true) + "0.01"_d;
  const std::string id = place(TradeType::kBuy, kBtc, "0.01"_d, OrderType::kLimit, price);
  ASSERT_TRUE(eventually([&] { return state_of(id) == OrderState::kOpen; }));
  taker_sell("BTCUSDT", "0.002"_d);
  ASSERT_TRUE(eventually([&] { return events_of<OrderFilledEvent>(id).size() == 1; }));
  on_client([&] {
    journal.reset();
    return 0;
  });
  drop_connector();

  taker_sell("BTCUSDT", "0.003"_d);  // nobody is listening

  store = std::make_unique<storage::TradeStore>(db);  // a new process opens the same file
  auto restored = store->load_active_orders("bitget");
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0].executed_base(), "0.002"_d);
  start(config({kBtc}));
  on_client([&] {
    journal = std::make_unique<storage::OrderJournal>(*conn, *store);
    conn->restore_orders(std::move(restored));
    EXPECT_FALSE(conn->status().orders_reconciled) << "not ready before the restored order is checked";
    return 0;
  });
  ASSERT_TRUE(eventually([this] { return conn->ready(); }, 15s));
  // By the time it is ready, the fill made while down is known.
  auto fills = events_of<OrderFilledEvent>(id);
  ASSERT_EQ(fills.size(), 1u) << "only the fill made while down is new";
  EXPECT_EQ(fills[0].amount, "0.003"_d);
  EXPECT_TRUE(events_of<OrderCreatedEvent>(id).empty()) << "creation was announced before the restart";
  EXPECT_EQ(on_client([&] { return conn->order(id)->executed_base(); }), "0.005"_d);

  taker_sell("BTCUSDT", "0.005"_d);
  ASSERT_TRUE(eventually([&] { return is_done(id); }));
  EXPECT_EQ(events_of<OrderCompletedEvent>(id).size(), 1u);
  const auto stored = store->fills("bitget");
  ASSERT_EQ(stored.size(), 3u) << "each fill stored once";
  Decimal total;
  for (const auto& f : stored) total = total + f.amount;
  EXPECT_EQ(total, "0.01"_d);
  EXPECT_TRUE(store->load_active_orders("bitget").empty()) << "the finished order is no longer active";
  on_client([&] {
    journal.reset();
    return 0;
  });
  drop_connector();
  store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
}

}  // namespace
