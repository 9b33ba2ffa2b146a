#include "demo.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/strategy/pure_market_making.hpp"

namespace nectar::app {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct DemoRun {
  asio::io_context& io;
  Connector& connector;
  strategy::PureMarketMaking* pmm = nullptr;
  strategy::PmmConfig config;
  int duration_s = 0;
  bool stop = false;
  int rc = 0;
};

std::string missing(const ConnectorStatus& s) {
  std::string out;
  if (!s.trading_rules) out += " trading-rules";
  if (!s.order_books) out += " order-books";
  if (!s.balances) out += " balances";
  if (!s.user_stream) out += " user-stream";
  return out;
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

asio::awaitable<void> drive(DemoRun& run) {
  Connector& c = run.connector;
  c.start();
  const auto started = std::chrono::steady_clock::now();
  std::string last;
  while (!c.ready() && !run.stop) {
    if (std::chrono::steady_clock::now() - started > 30s) {
      std::printf("connector not ready after 30 s; missing:%s\n", missing(c.status()).c_str());
      run.rc = 1;
      co_await c.stop();
      co_return;
    }
    if (const std::string m = missing(c.status()); m != last)
      std::printf("connecting... waiting for:%s\n", m.c_str());
    last = missing(c.status());
    std::fflush(stdout);
    co_await pause(200ms);
  }
  strategy::PureMarketMaking pmm(c, run.config);
  run.pmm = &pmm;
  std::printf("ready: pure market making on %s (spread %s/%s, %d levels of %s, refresh %llds)\n",
              run.config.pair.str().c_str(), run.config.bid_spread.to_string().c_str(),
              run.config.ask_spread.to_string().c_str(), run.config.order_levels,
              run.config.order_amount.to_string().c_str(),
              static_cast<long long>(run.config.order_refresh_time.count() / 1000));
  for (int second = 0; !run.stop; ++second) {
    if (run.duration_s > 0 && second >= run.duration_s) break;
    pmm.tick();
    if (second % 1 == 0) {
      const OrderBook* b = c.order_book(run.config.pair);
      const auto mid = b ? b->mid_price() : std::nullopt;
      std::printf("[%4ds] mid %-10s | %s | BTC %s USDT %s\n", second,
                  mid ? mid->to_string_fixed(2).c_str() : "-", pmm.status_line().c_str(),
                  c.balance("BTC").to_string().c_str(), c.balance("USDT").to_string().c_str());
      std::fflush(stdout);
    }
    co_await pause(1000ms);
  }
  std::printf("stopping: cancelling the bot's orders...\n");
  pmm.cancel_all();
  for (int i = 0; i < 50 && !pmm.active_order_ids().empty(); ++i) co_await pause(100ms);
  const auto& s = pmm.stats();
  std::printf("stopped: %llu orders placed, %llu fills (bought %s, sold %s BTC); portfolio %s -> %s USDT\n",
              static_cast<unsigned long long>(s.orders_placed), static_cast<unsigned long long>(s.fills),
              s.base_bought.to_string().c_str(), s.base_sold.to_string().c_str(),
              s.start_value.to_string_fixed(2).c_str(), s.value.to_string_fixed(2).c_str());
  run.pmm = nullptr;
  co_await c.stop();
}

}  // namespace

int run_demo(int duration_s, uint64_t seed) {
  // The exchange: the Bitget simulator, in this process on its own thread, on a free loopback port.
  asio::io_context sim_io;
  sim::bitget::SimulatorOptions sim_options;
  sim_options.seed = seed;
  sim::bitget::BitgetSimulator exchange(sim_io, sim_options);
  exchange.start();
  auto sim_guard = asio::make_work_guard(sim_io);
  std::thread sim_thread([&] { sim_io.run(); });

  // The bot: the real `bitget` connector (REST + both WebSockets over loopback) and pure market making.
  ConnectorConfig config;
  config.id = "bitget";
  config.environment = Environment::kSimulator;
  config.trading_pairs = {TradingPair{"BTC", "USDT"}};
  config.endpoint_override =
      Endpoints{exchange.rest_url(), exchange.ws_public_url(), exchange.ws_private_url()};
  config.credentials["api_key"] = Secret(exchange.credentials().api_key);
  config.credentials["secret_key"] = Secret(exchange.credentials().secret_key);
  config.credentials["passphrase"] = Secret(exchange.credentials().passphrase);

  std::printf(
      "nectar demo: embedded Bitget simulator at %s (seed %llu); bot: pure market making on BTC-USDT "
      "through the bitget connector; Ctrl-C to stop\n",
      exchange.rest_url().c_str(), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  int rc = 0;
  {
    asio::io_context io;
    bitget::BitgetExchange connector(io.get_executor(), config, *config.endpoint_override);
    DemoRun run{io, connector, nullptr, {}, 0, false, 0};
    run.duration_s = duration_s;
    run.config.pair = TradingPair{"BTC", "USDT"};
    // Inside the simulator's spread (its makers quote ~0.5 USDT from the mid), so market takers hit us.
    run.config.bid_spread = Decimal::from_scaled(5, 6);
    run.config.ask_spread = Decimal::from_scaled(5, 6);
    run.config.order_amount = Decimal::from_scaled(1, 3);
    run.config.order_levels = 2;
    run.config.order_level_spread = Decimal::from_scaled(5, 5);
    run.config.order_refresh_time = 10s;
    run.config.order_refresh_tolerance = Decimal::from_scaled(1, 4);
    run.config.filled_order_delay = 3s;
    run.config.inventory_skew = true;
    // The test account holds 1 BTC and 10000 USDT (~87 % in base): keep it near that, quoting both sides.
    run.config.inventory_target_base = Decimal::from_scaled(85, 2);
    run.config.inventory_range_multiplier = Decimal::from_int(20);
    run.config.kill_switch_loss = Decimal::from_scaled(5, 2);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) run.stop = true;
    });
    asio::co_spawn(io, drive(run), [&](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          std::fprintf(stderr, "nectar demo: %s\n", ex.what());
        }
        run.rc = 1;
      }
      signals.cancel();
      io.stop();
    });
    io.run();
    rc = run.rc;
  }
  exchange.stop();
  sim_guard.reset();
  sim_io.stop();
  sim_thread.join();
  return rc;
}

}  // namespace nectar::app
