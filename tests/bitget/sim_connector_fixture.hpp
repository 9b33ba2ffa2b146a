// Shared fixture of the Bitget connector suites: a BitgetSimulator on one io_context thread (SimThreadTest),
// the connector under test on another, helpers that run code on either thread, wait for conditions, and read
// recorded events.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nectar/connectors/exchange_base.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/core/events.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "sim_thread_fixture.hpp"

namespace nectar::testing_support {

namespace asio = boost::asio;
using nectar::sim::bitget::BitgetSimulator;
using nectar::sim::bitget::SimulatorOptions;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

template <class Conn>
class SimConnectorFixture : public SimThreadTest {
 protected:
  /// Suite-specific loop intervals, applied before the connector starts.
  virtual void tune_timings(ExchangeTimings&) {}
  /// Simulator settings of this suite (fast activity, paused at start; funding every `funding_interval_ms`).
  virtual SimulatorOptions sim_options() const {
    SimulatorOptions o;
    o.activity_interval_ms = 40;
    o.book_push_interval_ms = 50;
    o.seed = 11;
    o.funding_interval_ms = funding_interval_ms;
    return o;
  }

  // Runs f on the connector's thread and returns its result.
  template <class F>
  auto on_client(F&& f) {
    if (cio.get_executor().running_in_this_thread()) return f();  // nested helper call
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    asio::post(cio, [&task] { task(); });
    return fut.get();
  }
  template <class F>
  auto run(F&& coroutine_factory) {
    return asio::co_spawn(cio, std::forward<F>(coroutine_factory), asio::use_future).get();
  }
  // Checks `pred` on the connector's thread (hides SimThreadTest's, which checks on the test's thread).
  template <class P>
  bool eventually(P pred, milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (on_client([&] { return static_cast<bool>(pred()); })) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  void SetUp() override {
    start_sim(sim_options(), [](BitgetSimulator& s) {
      quiet_market_with_funded_taker(s);
      s.engine().ledger().deposit(kTaker, "ETH", Decimal::from_int(1000));
    });
    client_thread = std::thread([this] { cio.run(); });
  }

  void TearDown() override {
    if (conn) {
      run([this]() -> asio::awaitable<void> { co_await conn->stop(); });
      on_client([this] {
        sub.reset();
        conn.reset();
        return 0;
      });
    }
    SimThreadTest::TearDown();
    cio_guard.reset();
    cio.stop();
    client_thread.join();
    sim.reset();
  }

  ConnectorConfig config(std::vector<TradingPair> pairs, std::string id) {
    ConnectorConfig c;
    c.id = std::move(id);
    c.environment = Environment::kSimulator;
    const auto& cr = sim->credentials();
    c.credentials["api_key"] = Secret(cr.api_key);
    c.credentials["secret_key"] = Secret(cr.secret_key);
    c.credentials["passphrase"] = Secret(cr.passphrase);
    c.trading_pairs = std::move(pairs);
    c.endpoint_override = Endpoints{sim->rest_url(), sim->ws_public_url(), sim->ws_private_url()};
    return c;
  }

  void start(ConnectorConfig c) {
    on_client([&] {
      conn = std::make_unique<Conn>(cio.get_executor(), c, *c.endpoint_override);
      auto& t = conn->timings();
      t.status_poll = 500ms;
      t.status_poll_fast = 300ms;
      t.order_min_age_for_poll = 200ms;
      t.balance_poll = 1000ms;
      t.user_stream_silence = 5000ms;
      tune_timings(t);
      sub = conn->events().subscribe([this](const Event& e) { events.push_back(e); });
      conn->start();
      return 0;
    });
  }

  // Stops and drops the connector (as a crash would, open orders stay open on the exchange).
  void drop_connector() {
    run([this]() -> asio::awaitable<void> { co_await conn->stop(); });
    on_client([this] {
      sub.reset();
      conn.reset();
      events.clear();
      return 0;
    });
  }

  void start_ready(ConnectorConfig c) {
    start(std::move(c));
    ASSERT_TRUE(eventually([this] { return conn->ready(); }, 15s)) << "connector never became ready";
  }

  // Every recorded event of type E, in order.
  template <class E>
  std::vector<E> all_of() {
    return on_client([&] {
      std::vector<E> out;
      for (const auto& e : events)
        if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
      return out;
    });
  }
  template <class E>
  std::vector<E> events_of(const std::string& client_id) {
    return on_client([&] {
      std::vector<E> out;
      for (const auto& e : events)
        if (auto* x = std::get_if<E>(&e); x && x->client_order_id == client_id) out.push_back(*x);
      return out;
    });
  }
  // Names of the order events of one order, in order.
  std::vector<std::string> order_event_names(const std::string& client_id) {
    return on_client([&] {
      std::vector<std::string> out;
      for (const auto& e : events) {
        const bool mine = std::visit(
            [&](const auto& x) {
              if constexpr (requires { x.client_order_id; }) return x.client_order_id == client_id;
              return false;
            },
            e);
        if (mine) out.emplace_back(event_name(e));
      }
      return out;
    });
  }
  std::string place(TradeType side, const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                    PositionAction action = PositionAction::kNil) {
    return on_client([&] {
      return side == TradeType::kBuy ? conn->buy(pair, amount, type, price, action)
                                     : conn->sell(pair, amount, type, price, action);
    });
  }
  OrderState state_of(const std::string& id) {
    return on_client([&] {
      const InFlightOrder* o = conn->order(id);
      return o ? o->state() : OrderState::kPendingCreate;
    });
  }
  bool is_done(const std::string& id) {
    return on_client([&] {
      const InFlightOrder* o = conn->order(id);
      return o && o->is_done();
    });
  }
  Decimal sim_best(const std::string& symbol, bool bid) {
    return on_sim([&] {
      auto p = bid ? sim->engine().best_bid(symbol) : sim->engine().best_ask(symbol);
      return p.value_or(Decimal{});
    });
  }
  // Another account trades into the book at market (`symbol` is the engine's symbol).
  void taker(const std::string& symbol, TradeType side, Decimal qty) {
    on_sim([&] {
      sim::OrderRequest r;
      r.account = kTaker;
      r.symbol = symbol;
      r.side = side;
      r.kind = sim::OrderKind::kMarket;
      r.quantity = qty;
      auto res = sim->engine().place(r);
      EXPECT_TRUE(res.ok()) << res.message;
      return 0;
    });
  }

  int64_t funding_interval_ms = SimulatorOptions{}.funding_interval_ms;  // a suite may shorten it
  asio::io_context cio;
  asio::executor_work_guard<asio::io_context::executor_type> cio_guard{cio.get_executor()};
  std::unique_ptr<Conn> conn;
  EventBus::Subscription sub;
  std::vector<Event> events;  // connector thread only
  std::thread client_thread;
};

}  // namespace nectar::testing_support
